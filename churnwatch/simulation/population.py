"""A seeded population of industrial customers: who they are, how much and what they buy.

Why Pareto revenue: the seeds' premise is that about 20% of customers bring about 80% of the
revenue, and the ABC tiers, key-account flags and alert priorities all hinge on that skew.
Expected monthly revenue is drawn from a Pareto law (alpha 1.0, capped at 1000x the minimum)
on *stratified* quantiles, so a population of any seed shows the 80/20 split instead of
whatever one lucky draw from a heavy tail gives.

Each customer gets its own random streams (derived from the seed and its id), so a customer's
history can be generated on its own, lazily, in any order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from agents.core.events import Profile
from churnwatch.simulation.scenarios import (
    KEY_ACCOUNT_SHARES,
    NEEDS,
    OTHER_SHARES,
    Needs,
    ScenarioPlan,
    allocate,
    plan,
)
from churnwatch.simulation.spec import SimulationSpec

PARETO_ALPHA = 1.0
PARETO_CAP = 1000.0
MIN_MONTHLY_REVENUE_CENTS = 60_000
KEY_ACCOUNT_SHARE = 0.2
PAYMENT_TERMS = (30, 45, 60)
PAYMENT_TERM_WEIGHTS = (0.5, 0.3, 0.2)

MANAGER_NAMES = (
    "li.wei", "wang.fang", "zhang.min", "liu.yang", "chen.jing", "yang.lei",
    "zhao.qiang", "huang.li", "zhou.tao", "wu.xia", "xu.jun", "sun.hui",
)
_NAME_PARTS = (
    ("Huaxin", "Dongfang", "Jinghua", "Changcheng", "Hengtai", "Ruida", "Tianyi", "Xinda",
     "Haitong", "Zhongke", "Baosheng", "Yongli", "Kaiyuan", "Minghui", "Shengtai", "Hongyu"),
    ("Precision Machinery", "Auto Parts", "Electric", "Packaging", "Steel Works", "Plastics",
     "Pump & Valve", "Textile Machinery", "Robotics", "Mining Equipment", "Food Processing",
     "Construction Machinery", "Instruments", "Rail Equipment", "Shipbuilding", "Printing"),
    ("Co., Ltd.", "Group", "Industrial Co.", "Manufacturing Co.", "Technology Co."),
)


@dataclass(frozen=True, slots=True)
class Sku:
    code: str
    category: str
    unit_price_cents: int
    divisible: bool
    """Sold by the metre or kilogram (fractional quantities) rather than by the piece."""


def _category(name: str, prefix: str, low_cents: int, high_cents: int, divisible: bool = False) -> tuple[Sku, ...]:
    """Six SKUs whose unit prices spread geometrically from ``low`` to ``high``."""
    return tuple(
        Sku(f"{prefix}-{i + 1:03d}", name, round(low_cents * (high_cents / low_cents) ** (i / 5)), divisible)
        for i in range(6)
    )


CATALOG: dict[str, tuple[Sku, ...]] = {
    skus[0].category: skus for skus in (
        _category("bearings", "BRG", 850, 12_000),
        _category("fasteners", "FST", 1_500, 6_000),
        _category("hydraulics", "HYD", 4_500, 90_000),
        _category("pneumatics", "PNE", 2_000, 40_000),
        _category("sensors", "SNS", 3_500, 65_000),
        _category("drives", "DRV", 30_000, 450_000),
        _category("cables", "CBL", 120, 1_800, divisible=True),
        _category("seals", "SEA", 80, 2_500),
        _category("tools", "TLS", 1_200, 35_000),
        _category("lubricants", "LUB", 400, 4_000, divisible=True),
    )
}


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer's master data plus the hidden traits that drive its simulated behaviour."""

    profile: Profile
    monthly_revenue_cents: int
    """Expected order value per month before growth, noise and scenario."""
    orders_per_month: float
    categories: tuple[str, ...]
    """The customer's personal range, most-bought first."""
    category_weights: tuple[float, ...]
    growth: float
    """Monthly drift of demand (e.g. 0.01 = +1% a month)."""
    scenario: ScenarioPlan

    @property
    def customer_id(self) -> str:
        return self.profile.customer_id


def customer_id(index: int) -> str:
    return f"C{index:05d}"


def manager_names(count: int) -> tuple[str, ...]:
    """``count`` distinct account-manager handles (numbered once the named list runs out)."""
    return tuple(
        MANAGER_NAMES[i % len(MANAGER_NAMES)] + ("" if i < len(MANAGER_NAMES) else f".{i // len(MANAGER_NAMES) + 1}")
        for i in range(count)
    )


def pareto_revenues(count: int, rng: random.Random) -> list[int]:
    """Expected monthly revenue (cents) for ``count`` customers, from stratified Pareto quantiles."""
    strata = list(range(count))
    rng.shuffle(strata)
    return [
        round(MIN_MONTHLY_REVENUE_CENTS * min(PARETO_CAP, (1.0 - (s + rng.random()) / count) ** (-1.0 / PARETO_ALPHA)))
        for s in strata
    ]


def build_population(spec: SimulationSpec) -> list[Customer]:
    """All customers of a run, in id order (C00001, C00002, ...)."""
    rng = random.Random(f"{spec.seed}/population")
    ids = [customer_id(i + 1) for i in range(spec.customers)]
    revenues = dict(zip(ids, pareto_revenues(spec.customers, rng)))
    ranked = sorted(ids, key=lambda cid: (-revenues[cid], cid))
    key_accounts = ranked[:math.ceil(KEY_ACCOUNT_SHARE * spec.customers)]
    key_set = set(key_accounts)
    scenarios = allocate(key_accounts, KEY_ACCOUNT_SHARES, rng)
    scenarios |= allocate([cid for cid in ranked if cid not in key_set], OTHER_SHARES, rng)
    managers = manager_names(spec.managers)
    offset = rng.randrange(spec.managers)
    # Round-robin over the revenue ranking gives every manager a comparable book of key accounts.
    owner = {cid: managers[(rank + offset) % spec.managers] for rank, cid in enumerate(ranked)}
    month_starts = spec.month_starts_ms()
    customers = []
    for cid in ids:
        traits = random.Random(f"{spec.seed}/traits/{cid}")
        scenario_plan = plan(scenarios[cid], month_starts, traits)
        customers.append(_customer(
            cid, revenues[cid], owner[cid], cid in key_set, scenario_plan, month_starts[0], traits,
        ))
    return customers


def _customer(cid: str, revenue: int, manager: str, key_account: bool, scenario_plan: ScenarioPlan,
              start_ms: int, rng: random.Random) -> Customer:
    needs = NEEDS.get(scenario_plan.scenario, Needs())
    size = math.log10(revenue / MIN_MONTHLY_REVENUE_CENTS)  # 0 (smallest) .. 3 (largest)
    orders_per_month = max(needs.orders_per_month, min(10.0, 1.0 + 1.2 * size + rng.uniform(-0.5, 0.8)))
    n_categories = max(needs.categories, min(6, 2 + round(size) + rng.randint(-1, 1)))
    # A small buyer does not buy from a category whose cheapest item is worth a month of its orders.
    typical_line = revenue / (orders_per_month * 2.5)
    affordable = sorted(name for name, skus in CATALOG.items() if 3 * skus[0].unit_price_cents <= typical_line)
    categories = rng.sample(affordable, n_categories)
    weights = sorted((rng.gammavariate(2.0, 1.0) + 0.3 for _ in categories), reverse=True)
    total = sum(weights)
    name = " ".join(rng.choice(part) for part in _NAME_PARTS)
    share_of_wallet = round(rng.uniform(0.15, 0.9), 2) if rng.random() < 0.6 else None
    profile = Profile(
        customer_id=cid,
        name=name,
        account_manager=manager,
        payment_terms_days=rng.choices(PAYMENT_TERMS, PAYMENT_TERM_WEIGHTS)[0],
        key_account=key_account,
        share_of_wallet=share_of_wallet,
        event_id=f"{cid}-profile",
        occurred_ms=start_ms,
    )
    return Customer(
        profile=profile,
        monthly_revenue_cents=revenue,
        orders_per_month=orders_per_month,
        categories=tuple(categories),
        category_weights=tuple(w / total for w in weights),
        growth=rng.uniform(-0.004, 0.01),
        scenario=scenario_plan,
    )
