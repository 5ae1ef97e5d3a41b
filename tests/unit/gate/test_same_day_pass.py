"""Live events of the watermark's own day are applied at once, and change no alert or state.

Why this can hold: rules are evaluated only at day boundaries of event time, so an event between
the watermark and the next midnight is seen by the same evaluation whether it waits for the
watermark or not. Holding it only delayed the card by the gate's grace period.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from agents.batch import PartitionWork, Record, process_batch
from agents.core.engine import PartitionEngine
from agents.core.events import Profile
from agents.core.gate import EventTimeGate
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS
from churnwatch.simulation.spec import SimulationSpec
from streams.codec import encode_event
from tests.unit.alerts.helpers import CORE, RULES
from tests.unit.alerts.test_engine import history, keys, one_engine
from tests.unit.gate.test_gate import DAY, _invoice, _order

HOUR = 3_600_000
GRACE = 4 * HOUR
"""The simulated producers' records reach the log at most this late (event time = send time)."""
LIVE_HISTORY = SimulationSpec(customers=150, months=12, seed=5)
"""Denser than the engine tests' history: enough events near midnights for the test to notice
one applied behind its evaluation."""
_TOPIC = {"Order": "orders", "Payment": "payments", "Complaint": "complaints"}


@dataclass
class CountingGate(EventTimeGate):
    holds: int = 0

    def admit(self, *args, **kwargs) -> bool:
        held = super().admit(*args, **kwargs)
        self.holds += held
        return held


class WatchedEngine(PartitionEngine):
    """Counts events applied behind the clock's day: an evaluation already ran without them."""

    behind = 0

    def apply(self, event, get_state, put_state):
        if not isinstance(event, Profile) and self.clock_ms is not None:
            self.behind += event.occurred_ms // DAY_MS < self.clock_ms // DAY_MS
        return super().apply(event, get_state, put_state)


def test_a_live_stream_passes_the_gate_at_once_and_raises_the_backtests_alerts():
    """Three producers stamp events at send time and each topic reaches the log up to GRACE late;
    a fetch every hour vouches for what was sent GRACE before it."""
    events, fixed, end = history(LIVE_HISTORY)
    reference: dict[str, CustomerState] = {}
    expected = one_engine(LIVE_HISTORY, reference)
    rng = random.Random(11)
    profiles = [e for e in events if isinstance(e, Profile)]
    timed = {topic: [e for e in events if _TOPIC.get(type(e).__name__) == topic] for topic in _TOPIC.values()}
    work = PartitionWork(CountingGate(), WatchedEngine(CORE, RULES, lambda: fixed))
    table: dict[str, CustomerState] = {}
    offsets = dict.fromkeys(["customers", *timed], 0)
    alerts: list[dict] = []

    def batch(records: list[Record], vouched_before: int) -> None:
        result = process_batch(records, table.get, now_ms=end, work_for=lambda p: work,
                               read_horizon=lambda p: ([], vouched_before))
        assert not result.dead_letters
        table.update(result.changed)
        alerts.extend(result.alerts)

    def records(topic: str, chosen: list) -> list[Record]:
        first = offsets[topic]
        offsets[topic] += len(chosen)
        return [Record(topic, 0, first + n, e.customer_id.encode(), encode_event(e),
                       produced_ms=getattr(e, "occurred_ms", None) or 1) for n, e in enumerate(chosen)]

    start = min(e.occurred_ms for t in timed.values() for e in t)
    batch(records("customers", profiles), vouched_before=start - GRACE)
    for now in range(start, end + GRACE, HOUR):
        due = []
        for topic, queue in timed.items():
            reached = now - rng.randrange(GRACE)
            taken = 0
            while offsets[topic] + taken < len(queue) and queue[offsets[topic] + taken].occurred_ms <= reached:
                taken += 1
            due += records(topic, queue[offsets[topic]:offsets[topic] + taken])
        batch(due, vouched_before=now - GRACE)
    alerts += work.engine.advance_to(end, table.get, table.__setitem__)

    applied = sum(len(queue) for queue in timed.values())
    assert work.gate.holds < applied * 0.4, f"{work.gate.holds} of {applied} events were held"
    assert work.engine.behind == 0, "an evaluation at a midnight missed events before it"
    assert len(expected) > 20 and keys(alerts) == keys(expected)
    for cid, state in reference.items():
        got = table[cid].to_dict()
        got.pop("rt", None)
        assert got == state.to_dict(), cid


def _gate_in_day(day: int, profiles_unread: bool = False) -> EventTimeGate:
    gate = EventTimeGate()
    gate.advance(["customers"] if profiles_unread else [], None)
    gate.watermark_ms = day * DAY + 6 * HOUR
    return gate


def test_only_events_before_the_next_midnight_pass_early():
    gate, state = _gate_in_day(10), CustomerState("A", has_profile=True)
    assert not gate.admit(_order("A", 0, 10), "orders", 0, state), "behind the watermark"
    late_evening = replace(_order("A", 1, 10), occurred_ms=10 * DAY + 23 * HOUR)
    assert not gate.admit(late_evening, "orders", 1, state), "before the next evaluation: applied at once"
    assert gate.admit(_order("A", 2, 11), "orders", 2, state), "after the next midnight: held"
    assert [h[0] for h in state.held] == [11 * DAY]


def test_an_invoice_waits_for_the_profile_that_sets_its_due_date():
    gate = _gate_in_day(10)
    dated = replace(_invoice("A", 0, 10), occurred_ms=10 * DAY + 7 * HOUR)
    undated = replace(dated, due_ms=None)
    assert gate.admit(undated, "payments", 0, CustomerState("A")), "no profile yet: held"
    assert not gate.admit(undated, "payments", 1, CustomerState("B", has_profile=True))
    assert not gate.admit(dated, "payments", 2, CustomerState("C")), "its own due date: nothing to wait for"


def test_nothing_passes_early_while_the_profiles_are_unread():
    gate = _gate_in_day(10, profiles_unread=True)
    order = replace(_order("A", 0, 10), occurred_ms=10 * DAY + 7 * HOUR)
    assert gate.admit(order, "orders", 0, CustomerState("A", has_profile=True))
    gate.advance([], None)
    assert not gate.admit(order, "orders", 1, CustomerState("B", has_profile=True))


def test_the_clock_reaches_the_events_that_passed_within_the_day_once_they_are_vouched_for():
    """The partition's clock (the cards' `as_of`) follows the newest event read, held or not.
    When the last events of a stream all passed within their day, it stayed at the last held
    one: a partition's cards two hours behind the reference at the end of a history."""
    gate, state = _gate_in_day(10), CustomerState("A", has_profile=True)
    evening = replace(_order("A", 0, 10), occurred_ms=10 * DAY + 19 * HOUR)
    assert not gate.admit(evening, "orders", 0, state, produced_ms=2_000), "passes within the day"
    assert not gate.awaiting_vouch, "nothing held: no wake-up needed, the next batch or tick moves the clock"
    assert gate.advance([], vouched_before_ms=1_999) == 10 * DAY + 6 * HOUR, "not vouched for yet"
    assert gate.advance([], vouched_before_ms=2_000) == 10 * DAY + 19 * HOUR
