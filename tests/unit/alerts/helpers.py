"""Hand-built customer histories and rule inputs for the alert tests (readable, millisecond-fast)."""

from __future__ import annotations

from datetime import date

from agents.core.config import CoreConfig
from agents.core.events import Event
from agents.core.population import PopulationThresholds
from agents.core.rfm import rfm_values
from agents.core.rules.base import RuleInput
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from tests.unit.core.builders import DAY, applied, ms, order, profile

CORE = CoreConfig()
RULES = RulesConfig()
CATS5 = ("bearings", "cables", "drives", "seals", "tools")


def month_start(year: int, month: int) -> int:
    return ms(date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1).isoformat())


def monthly(values: list[float], *, start: tuple[int, int] = (2024, 1), orders: int = 1,
            categories: tuple[str, ...] = ("bolts",), cid: str = "C1") -> list[Event]:
    """``orders`` orders per month (days 5, 12, 19, ...) worth ``values[i]`` currency units in month i."""
    events: list[Event] = []
    for i, value in enumerate(values):
        if value <= 0:
            continue
        first = month_start(start[0], start[1] + i)
        for k in range(orders):
            events.append(order(first + (4 + 7 * k) * DAY + 10 * 3_600_000, round(value * 100 / orders),
                                categories, cid=cid))
    return events


def key_account(events: list[Event], cid: str = "C1", manager: str = "alice") -> CustomerState:
    """The state of a flagged key account after ``events``."""
    return applied([profile(key=True, cid=cid, manager=manager), *events])


def rule_input(state: CustomerState, clock_ms: int, *, config: RulesConfig = RULES,
               thresholds: PopulationThresholds | None = None, episode: dict | None = None,
               memory: object = None, revenue_tier: str | None = None, segment: str | None = None) -> RuleInput:
    return RuleInput(state, clock_ms, thresholds, config, CORE, rfm_values(state, clock_ms, CORE),
                     revenue_tier, segment, episode, memory)


def thresholds(tier_a_cents: int, tier_b_cents: int, *, as_of: int = 0) -> PopulationThresholds:
    """Population figures with the given tier thresholds and simple RFM cut points."""
    return PopulationThresholds(as_of, 100, True, (5, 10, 20, 40), (2, 4, 8, 16),
                                (10_000, 50_000, 100_000, 500_000), tier_a_cents, tier_b_cents)
