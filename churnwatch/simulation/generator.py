"""The event stream of a simulated history: a pure, seeded function of the spec.

Why a lazy merge of per-customer streams: a customer's events are generated month by month
into a small pending heap (payments and complaint resolutions land weeks later), and the
streams of all customers are merged by ``occurred_ms``. Memory stays at about one month of
events plus open invoices, however long the history, and the same seed yields the same events
in the same order, byte for byte.

Everything generated at or after the end of the history is cut off, as it would be in a real
extract: invoices issued in the last weeks are simply still open.

The behaviour model, per customer and calendar month: demand = expected revenue x its drift x
lognormal noise (sigma 0.12) x the story's shape; it is split over a number of orders around
the customer's cadence (at least one while there is demand), on business days, each with 1-4
lines from the customer's categories. Every order is invoiced two hours later, due after the
payment terms; 85% of invoices are paid between 12 days early and 2 days late, 12% 3-12 days
late, 3% 13-25 days late (late payers: 45-120 days late or never). 1.2% of orders lead to a
complaint, resolved within days depending on its severity.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from typing import Iterator, Sequence

from agents.core.events import (
    QUANTITY_SCALE,
    Complaint,
    Event,
    Order,
    OrderLine,
    Payment,
    Severity,
    TimedEvent,
)
from churnwatch.simulation.population import CATALOG, Customer, Sku, build_population
from churnwatch.simulation.scenarios import MonthShape, Scenario, month_shape, pays_late
from churnwatch.simulation.spec import DAY_MS, HOUR_MS, SimulationSpec

MONTHLY_NOISE_SIGMA = 0.12
COMPLAINT_RATE = 0.012
"""Chance that an order leads to a complaint."""
INVOICE_DELAY_MS = 2 * HOUR_MS
SEVERITY_WEIGHTS: tuple[tuple[Severity, float], ...] = (
    ("low", 0.45), ("medium", 0.35), ("high", 0.15), ("critical", 0.05),
)
RESOLUTION_DAYS: dict[Severity, tuple[float, float]] = {
    "low": (1.0, 12.0), "medium": (1.0, 10.0), "high": (0.5, 5.0), "critical": (0.2, 2.0),
}


def simulate(spec: SimulationSpec, population: Sequence[Customer] | None = None) -> Iterator[Event]:
    """All events of the run: every profile first, then orders, payments and complaints by ``occurred_ms``.

    Ties in time keep a stable order (customer id order, then generation order), so the
    output is fully determined by the spec.
    """
    customers = build_population(spec) if population is None else population
    for customer in customers:
        yield customer.profile
    calendar = _Calendar(spec.month_starts_ms())
    streams = [_CustomerHistory(customer, calendar, spec.seed).events() for customer in customers]
    yield from heapq.merge(*streams, key=_occurred)


def _occurred(event: TimedEvent) -> int:
    return event.occurred_ms


class _Calendar:
    """Month boundaries and the business days (Monday to Friday, as day-start epoch ms) of each month."""

    def __init__(self, month_starts: Sequence[int]) -> None:
        self.month_starts = month_starts
        # Epoch day 0 was a Thursday: (day + 3) % 7 counts Monday as 0.
        self.business_days = [
            [day for day in range(start, end, DAY_MS) if (day // DAY_MS + 3) % 7 < 5]
            for start, end in zip(month_starts, month_starts[1:])
        ]


class _CustomerHistory:
    """One customer's events, produced month by month in time order."""

    def __init__(self, customer: Customer, calendar: _Calendar, seed: int) -> None:
        self.customer = customer
        self.cid = customer.customer_id
        self.calendar = calendar
        self.month_starts = calendar.month_starts
        self.rng = random.Random(f"{seed}/events/{self.cid}")
        self.pending: list[tuple[int, int, TimedEvent]] = []
        self.sequence = itertools.count()
        self.orders = 0
        self.complaints = 0
        self.last_month_value = 0.0

    def events(self) -> Iterator[TimedEvent]:
        plan = self.customer.scenario
        for month in range(len(self.month_starts) - 1):
            self._month(month, month_shape(plan, month))
            if plan.scenario is Scenario.UNRESOLVED_COMPLAINT and month == plan.onset_month:
                self._complaint(plan.onset_ms, "critical" if self.rng.random() < 0.25 else "high", resolve=False)
            # Everything generated later lies in a later month, so what is due now is final.
            limit = self.month_starts[month + 1]
            while self.pending and self.pending[0][0] < limit:
                yield heapq.heappop(self.pending)[2]

    def _push(self, event: TimedEvent) -> None:
        if event.occurred_ms < self.month_starts[-1]:
            heapq.heappush(self.pending, (event.occurred_ms, next(self.sequence), event))

    def _month(self, month: int, shape: MonthShape) -> None:
        customer, rng = self.customer, self.rng
        value = (customer.monthly_revenue_cents * (1.0 + customer.growth) ** month
                 * rng.lognormvariate(0.0, MONTHLY_NOISE_SIGMA) * shape.volume)
        if shape.at_most_previous is not None:
            value = min(value, shape.at_most_previous * self.last_month_value)
        self.last_month_value = value
        wanted = customer.orders_per_month * shape.orders
        # Stochastic rounding; a month with any demand has at least one order.
        count = max(1, math.floor(wanted) + (rng.random() < wanted - math.floor(wanted))) if value > 0 else 0
        if shape.max_orders is not None:
            count = min(count, shape.max_orders)
        if count == 0:
            return
        business_days = self.calendar.business_days[month]
        days = sorted(rng.sample(business_days, min(count, len(business_days))))
        shares = [rng.gammavariate(4.0, 1.0) for _ in days]
        total = sum(shares)
        categories = customer.categories[:shape.categories]
        weights = customer.category_weights[:shape.categories]
        for day, share in zip(days, shares):
            occurred = day + rng.randrange(8 * HOUR_MS, 18 * HOUR_MS, 60_000)
            if shape.stop_ms is not None and occurred >= shape.stop_ms:
                continue
            self._order(occurred, value * share / total, categories, weights)

    def _order(self, occurred: int, value: float, categories: Sequence[str], weights: Sequence[float]) -> None:
        rng = self.rng
        self.orders += 1
        n = self.orders
        chosen = _weighted_sample(rng, categories, weights, rng.randint(1, min(4, len(categories))))
        shares = [rng.gammavariate(3.0, 1.0) for _ in chosen]
        total = sum(shares)
        lines = tuple(_line(rng, category, value * share / total) for category, share in zip(chosen, shares))
        order = Order(
            event_id=f"{self.cid}-o-{n}",
            customer_id=self.cid,
            order_id=f"O-{self.cid}-{n:05d}",
            occurred_ms=occurred,
            amount_cents=sum(line.amount_cents for line in lines),
            quantity_milli=sum(line.quantity_milli for line in lines),
            lines=lines,
        )
        self._push(order)
        self._invoice_and_payment(order, n)
        if rng.random() < COMPLAINT_RATE:
            opened = occurred + rng.randrange(2, 21) * DAY_MS + rng.randrange(0, 8) * HOUR_MS
            self._complaint(opened, _severity(rng), resolve=True)

    def _invoice_and_payment(self, order: Order, n: int) -> None:
        rng = self.rng
        issued = order.occurred_ms + INVOICE_DELAY_MS
        due = issued + self.customer.profile.payment_terms_days * DAY_MS
        invoice_id = f"I-{self.cid}-{n:05d}"
        self._push(Payment(f"{self.cid}-i-{n}", self.cid, invoice_id, "invoice", order.amount_cents, issued, due))
        if pays_late(self.customer.scenario, issued):
            if rng.random() < 0.3:
                return  # never paid
            days = rng.uniform(45.0, 120.0)
        else:
            roll = rng.random()
            days = rng.uniform(-12.0, 2.0) if roll < 0.85 else rng.uniform(3.0, 12.0) if roll < 0.97 else rng.uniform(13.0, 25.0)
        paid = max(issued + DAY_MS, due + round(days * 86_400) * 1000)
        self._push(Payment(f"{self.cid}-p-{n}", self.cid, invoice_id, "payment", order.amount_cents, paid))

    def _complaint(self, opened: int, severity: Severity, *, resolve: bool) -> None:
        self.complaints += 1
        c = self.complaints
        complaint_id = f"Q-{self.cid}-{c:03d}"
        self._push(Complaint(f"{self.cid}-c-{c}-opened", self.cid, complaint_id, "opened", severity, opened))
        if resolve:
            low, high = RESOLUTION_DAYS[severity]
            resolved = opened + round(self.rng.uniform(low, high) * 86_400) * 1000
            self._push(Complaint(f"{self.cid}-c-{c}-resolved", self.cid, complaint_id, "resolved", severity, resolved))


def _weighted_sample(rng: random.Random, items: Sequence[str], weights: Sequence[float], k: int) -> list[str]:
    """``k`` distinct items, each draw proportional to the remaining weights."""
    pool = list(zip(items, weights))
    chosen = []
    for _ in range(k):
        r = rng.random() * sum(weight for _, weight in pool)
        index = 0
        while index < len(pool) - 1 and r >= pool[index][1]:
            r -= pool[index][1]
            index += 1
        chosen.append(pool.pop(index)[0])
    return chosen


def _line(rng: random.Random, category: str, value: float) -> OrderLine:
    """A line worth about ``value`` cents: an affordable SKU of the category in whole (or half) units."""
    skus = CATALOG[category]
    # Several units of a cheaper SKU rather than one of a dear one keep the line near its value.
    affordable = ([sku for sku in skus if 4 * sku.unit_price_cents <= value]
                  or [sku for sku in skus if sku.unit_price_cents <= value] or [skus[0]])
    sku: Sku = rng.choice(affordable)
    if sku.divisible:
        quantity_milli = max(QUANTITY_SCALE // 2, round(2 * value / sku.unit_price_cents) * QUANTITY_SCALE // 2)
    else:
        quantity_milli = max(1, round(value / sku.unit_price_cents)) * QUANTITY_SCALE
    amount = round(quantity_milli * sku.unit_price_cents / QUANTITY_SCALE)
    return OrderLine(sku.code, category, quantity_milli, amount)


def _severity(rng: random.Random) -> Severity:
    return rng.choices([s for s, _ in SEVERITY_WEIGHTS], [w for _, w in SEVERITY_WEIGHTS])[0]
