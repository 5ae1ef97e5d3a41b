"""The bench's input: N realistic simulated orders for C customers, and a paced live stream.

Why simulated orders (not random bytes): the worker's cost depends on what it parses (order
lines, categories) and on the state each customer accumulates (periods, id memory), so the
orders come from `churnwatch.simulation` (Pareto revenue, cadences, 1-4 lines). Only orders
are kept; payments, complaints and profiles of the simulation are dropped, and their topics
stay empty.

Two adjustments keep a bench safe to run on a shared stack and fair to measure:
- customer ids carry the run's namespace (``bench-<tag>-C00042``), so the cards the worker
  writes to Redis can never overwrite a real customer's and can be deleted afterwards;
- the history is shifted by whole days so that its last order lies just before now: the live
  orders of the latency phase (stamped "now") then continue each customer's history instead of
  jumping weeks ahead of it.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Callable, Iterator, Sequence

from agents.core.events import Order
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import DAY_MS, HOUR_MS, SimulationSpec
from streams.codec import encode_event

ORDERS_PER_CUSTOMER_MONTH = 1.5
"""A little below what the simulator yields on average (about 1.7), so one pass usually suffices."""


@dataclass(frozen=True)
class Workload:
    orders: tuple[Order, ...]
    """In event-time order, namespaced and shifted."""

    @property
    def per_customer(self) -> Counter[str]:
        return Counter(order.customer_id for order in self.orders)


def months_for(orders: int, customers: int) -> int:
    return max(2, math.ceil(orders / (customers * ORDERS_PER_CUSTOMER_MONTH)) + 1)


def _start_for(months: int, today: date) -> date:
    """The first day of the month ``months`` months before today's month."""
    index = today.year * 12 + (today.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def _take_orders(spec: SimulationSpec, orders: int) -> list[Order]:
    taken: list[Order] = []
    for event in simulate(spec):
        if isinstance(event, Order):
            taken.append(event)
            if len(taken) == orders:
                break
    return taken


def build_workload(orders: int, customers: int, namespace: str, now_ms: int, seed: int = 7) -> Workload:
    """The first ``orders`` orders of a simulated history of ``customers`` customers.

    The history is made long enough (doubling when a seed yields fewer orders than estimated),
    then cut at ``orders``; ids get ``namespace`` in front and times move forward by whole days
    so that the last order is at least an hour before ``now_ms``.
    """
    today = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    months = months_for(orders, customers)
    while True:
        spec = SimulationSpec(customers=customers, months=months, seed=seed, start=_start_for(months, today))
        taken = _take_orders(spec, orders)
        if len(taken) == orders:
            break
        months *= 2
    shift_ms = max(0, (now_ms - HOUR_MS - taken[-1].occurred_ms) // DAY_MS) * DAY_MS
    return Workload(tuple(_namespaced(order, namespace, order.occurred_ms + shift_ms) for order in taken))


def _namespaced(order: Order, namespace: str, occurred_ms: int) -> Order:
    return replace(order, customer_id=namespace + order.customer_id, event_id=namespace + order.event_id,
                   order_id=namespace + order.order_id, occurred_ms=occurred_ms)


def live_orders(pattern: Sequence[Order], clock: Callable[[], int]) -> Iterator[Order]:
    """Endless new orders that repeat ``pattern``'s customers and lines, stamped with ``clock()``.

    Each gets a fresh event and order id (``<event id>-live-<n>``), so none is a duplicate.
    """
    n = 0
    while True:
        for order in pattern:
            n += 1
            yield replace(order, event_id=f"{order.event_id}-live-{n}", order_id=f"{order.order_id}-live-{n}",
                          occurred_ms=clock())


Send = Callable[[str, bytes], None]
"""(customer id, value) -> queue one record on the orders topic."""


def produce_all(orders: Sequence[Order], send: Send) -> None:
    for order in orders:
        send(order.customer_id, encode_event(order))


def produce_paced(orders: Iterator[Order], send: Send, rate: float, seconds: float,
                  tick: float = 0.01) -> int:
    """Offer ``rate`` orders per second for ``seconds``: every ``tick`` the orders due by then.

    Pacing against the start time (not sleep-per-message) keeps the average rate exact even
    when a tick runs late. Returns the number sent.
    """
    started = time.monotonic()
    end = started + seconds
    sent = 0
    while True:
        now = time.monotonic()
        due = int(min(now - started, seconds) * rate)  # exactly seconds * rate at the end
        while sent < due:
            order = next(orders)
            send(order.customer_id, encode_event(order))
            sent += 1
        if now >= end:
            return sent
        time.sleep(max(0.0, min(tick, end - time.monotonic())))
