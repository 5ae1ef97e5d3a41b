"""Each scripted story has the shape the truth file claims, from its onset on.

Customers' event streams are independent, so each test simulates only (up to 60) customers of
one story out of a full 2000-customer population.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass, field
from functools import cache

from agents.core.events import Complaint, Order, Payment
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import Customer, build_population
from churnwatch.simulation.scenarios import Scenario
from churnwatch.simulation.spec import DAY_MS, SimulationSpec

SPEC = SimulationSpec(customers=2000, months=24, seed=7)
STARTS = SPEC.month_starts_ms()


@dataclass
class History:
    customer: Customer
    value: list[int] = field(default_factory=lambda: [0] * SPEC.months)
    orders: list[int] = field(default_factory=lambda: [0] * SPEC.months)
    categories: list[set[str]] = field(default_factory=lambda: [set() for _ in range(SPEC.months)])
    order_times: list[int] = field(default_factory=list)
    invoices: dict[str, Payment] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    complaints: list[Complaint] = field(default_factory=list)

    @property
    def onset(self) -> int:
        return self.customer.scenario.onset_month

    def baseline(self, months: int = 6) -> float:
        return statistics.mean(self.value[self.onset - months:self.onset])

    def categories_in(self, first: int, last: int) -> set[str]:
        return set().union(*self.categories[first:last])


@cache
def histories(scenario: Scenario) -> tuple[History, ...]:
    chosen = [c for c in build_population(SPEC) if c.scenario.scenario is scenario][:60]
    by_id = {c.customer_id: History(c) for c in chosen}
    for event in simulate(SPEC, chosen):
        history = by_id[event.customer_id]
        month = bisect.bisect_right(STARTS, getattr(event, "occurred_ms", STARTS[0])) - 1
        match event:
            case Order():
                history.value[month] += event.amount_cents
                history.orders[month] += 1
                history.categories[month].update(line.category for line in event.lines)
                history.order_times.append(event.occurred_ms)
            case Payment(kind="invoice"):
                history.invoices[event.invoice_id] = event
            case Payment():
                history.payments[event.invoice_id] = event
            case Complaint():
                history.complaints.append(event)
    return tuple(by_id.values())


def test_volume_decline_falls_month_after_month_for_three_months() -> None:
    falling = 0
    for h in histories(Scenario.VOLUME_DECLINE):
        months = h.value[h.onset - 1:h.onset + 3]
        falling += all(later < earlier for earlier, later in zip(months, months[1:]))
        assert h.value[h.onset + 2] < 0.55 * h.baseline()
    assert falling >= 0.9 * len(histories(Scenario.VOLUME_DECLINE))


def test_range_narrowing_drops_categories_while_volume_stays_flat() -> None:
    for h in histories(Scenario.RANGE_NARROWING):
        assert len(h.categories_in(h.onset - 6, h.onset)) >= 4
        assert len(h.categories_in(h.onset + 1, h.onset + 4)) <= 2
        after = statistics.mean(h.value[h.onset:h.onset + 3])
        assert 0.6 < after / h.baseline() < 1.6


def test_silent_lapse_stops_ordering_at_the_onset() -> None:
    for h in histories(Scenario.SILENT_LAPSE):
        onset_ms = h.customer.scenario.onset_ms
        assert h.order_times and max(h.order_times) < onset_ms
        assert max(h.order_times) > onset_ms - 45 * DAY_MS


def test_late_payer_pays_invoices_after_the_onset_45_to_120_days_late_or_never() -> None:
    unpaid = 0
    for h in histories(Scenario.LATE_PAYER):
        onset_ms = h.customer.scenario.onset_ms
        late = [i for i in h.invoices.values() if i.occurred_ms >= onset_ms]
        assert late
        for invoice in late:
            payment = h.payments.get(invoice.invoice_id)
            if payment is None:
                unpaid += 1
            else:
                assert 45 * DAY_MS - 1000 <= payment.occurred_ms - invoice.due_ms <= 120 * DAY_MS + 1000
        for invoice in h.invoices.values():
            if invoice.occurred_ms < onset_ms and invoice.invoice_id in h.payments:
                assert h.payments[invoice.invoice_id].occurred_ms - invoice.due_ms <= 25 * DAY_MS + 1000
    assert unpaid > 0


def test_unresolved_complaint_stays_open() -> None:
    for h in histories(Scenario.UNRESOLVED_COMPLAINT):
        opened = [c for c in h.complaints if c.status == "opened" and c.occurred_ms == h.customer.scenario.onset_ms]
        assert len(opened) == 1 and opened[0].severity in {"high", "critical"}
        assert not [c for c in h.complaints if c.complaint_id == opened[0].complaint_id and c.status == "resolved"]


def test_seasonal_dip_recovers_after_one_or_two_months() -> None:
    for h in histories(Scenario.SEASONAL_DIP):
        dip = h.customer.scenario.duration
        assert dip in (1, 2)
        assert all(v < 0.8 * h.baseline() for v in h.value[h.onset:h.onset + dip])
        assert statistics.mean(h.value[h.onset + dip:h.onset + dip + 2]) > 0.75 * h.baseline()


def test_one_month_gap_then_normal() -> None:
    for h in histories(Scenario.ONE_MONTH_GAP):
        assert h.orders[h.onset] == 0 and h.orders[h.onset - 1] > 0
        assert all(h.orders[m] > 0 for m in range(h.onset + 1, min(h.onset + 3, SPEC.months)))


def test_consolidation_keeps_value_in_fewer_bigger_orders() -> None:
    for h in histories(Scenario.CONSOLIDATION):
        before = statistics.mean(h.orders[h.onset - 6:h.onset])
        assert before >= 3
        assert max(h.orders[h.onset:]) == 1
        after = statistics.mean(h.value[h.onset:h.onset + 3])
        assert 0.6 < after / h.baseline() < 1.6


def test_steady_customers_order_every_month_and_resolve_complaints() -> None:
    for h in histories(Scenario.STEADY):
        assert all(n > 0 for n in h.orders)
        assert not [c for c in h.complaints if c.status == "opened"
                    and not any(r.complaint_id == c.complaint_id and r.status == "resolved" for r in h.complaints)
                    and c.occurred_ms < STARTS[-1] - 20 * DAY_MS]
