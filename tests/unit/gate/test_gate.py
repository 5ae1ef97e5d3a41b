"""The event-time gate releases a partition's events in event-time order across topics."""

from __future__ import annotations

import random

from agents.batch import PartitionWork, Record, process_batch
from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.rules.config import RulesConfig
from agents.core.events import Complaint, Order, OrderLine, Payment, Profile
from agents.core.gate import EventTimeGate
from agents.core.state import CustomerState
from streams.codec import encode_event

DAY = 86_400_000


def _order(cid: str, n: int, day: int) -> Order:
    return Order(f"{cid}-o{n}", cid, f"{cid}-{n}", day * DAY, 1000, 1000, (OrderLine("s", "c", 1000, 1000),))


def _invoice(cid: str, n: int, day: int) -> Payment:
    return Payment(f"{cid}-i{n}", cid, f"{cid}-inv{n}", "invoice", 1000, day * DAY, (day + 30) * DAY)


def test_holds_until_every_unread_topic_has_passed_and_releases_in_time_order():
    gate, states = EventTimeGate(), {}
    state = states.setdefault("A", CustomerState("A"))
    for n, day in enumerate([10, 20, 30]):
        assert gate.admit(_order("A", n, day), "orders", n, state)
    assert gate.advance(["orders", "payments"]) is None, "payments unseen yet: nothing may pass"
    assert gate.admit(_invoice("A", 0, 15), "payments", 0, state)
    assert gate.advance(["orders", "payments"]) == 15 * DAY
    released = gate.release(states.get)
    assert [(e.occurred_ms // DAY, off) for _, e, off in released] == [(10, 0), (15, 0)]
    assert [h[0] // DAY for h in state.held] == [20, 30]
    assert gate.advance(["orders"]) == 30 * DAY, "payments read to its end no longer holds it back"
    assert [e.occurred_ms // DAY for _, e, _ in gate.release(states.get)] == [20, 30]
    assert state.held == []
    assert not gate.admit(_order("A", 9, 25), "orders", 9, state), "behind the watermark: apply now"


def test_gate_survives_a_restart_through_the_state():
    gate, states = EventTimeGate(), {"A": CustomerState("A"), "B": CustomerState("B")}
    gate.admit(_order("A", 0, 40), "orders", 0, states["A"])
    gate.admit(_order("B", 0, 35), "orders", 1, states["B"])
    recovered = {cid: CustomerState.from_dict(s.to_dict()) for cid, s in states.items()}
    fresh = EventTimeGate()
    fresh.rebuild(recovered.values())
    assert fresh.clock_ms == 40 * DAY
    fresh.advance([])
    assert [(cid, e.occurred_ms // DAY) for cid, e, _ in fresh.release(recovered.get)] == [("B", 35), ("A", 40)]


def test_batches_out_of_step_give_the_same_states_as_time_order():
    """Orders read months ahead of payments (as a backlog is consumed) change no state and no
    alert: the same as one engine fed the history in time order (what the backtest does)."""
    config = CoreConfig()
    rng = random.Random(3)
    events = []
    for c in range(20):
        cid = f"C{c}"
        for n in range(30):
            day = 19_000 + n * 7 + rng.randint(0, 3)
            events += [("orders", _order(cid, n, day)), ("payments", _invoice(cid, n, day)),
                       ("payments", Payment(f"{cid}-p{n}", cid, f"{cid}-inv{n}", "payment", 1000, (day + 20) * DAY))]
        events.append(("complaints", Complaint(f"{cid}-x", cid, f"{cid}-x", "opened", "high", (19_000 + 50) * DAY)))
    in_time = sorted(events, key=lambda te: te[1].occurred_ms)
    profiles = [Profile(f"C{c}", f"Customer {c}", "mgr", 30, True) for c in range(20)]
    expected: dict[str, CustomerState] = {p.customer_id: apply_event(None, p, config)[0] for p in profiles}
    reference = PartitionEngine(config, RulesConfig())
    expected_alerts = []
    for _, e in in_time:
        expected_alerts += reference.apply(e, expected.get, expected.__setitem__)[1]
    expected_alerts += reference.advance_to(in_time[-1][1].occurred_ms, expected.get, expected.__setitem__)

    # Consume topic by topic in big uneven chunks: all orders first, payments later.
    by_topic = {t: [e for tt, e in in_time if tt == t] for t in ("orders", "payments", "complaints")}
    offsets = {t: 0 for t in by_topic}
    table: dict[str, CustomerState] = {p.customer_id: apply_event(None, p, config)[0] for p in profiles}
    work = PartitionWork(EventTimeGate(), PartitionEngine(config, RulesConfig()))
    alerts = []
    order = ["orders"] * 8 + ["complaints"] + ["payments"] * 20
    while any(offsets[t] < len(by_topic[t]) for t in by_topic):
        for topic in order:
            chunk = by_topic[topic][offsets[topic]:offsets[topic] + 40]
            records = [Record(topic, 0, offsets[topic] + i, e.customer_id.encode(), encode_event(e))
                       for i, e in enumerate(chunk)]
            offsets[topic] += len(chunk)
            unread = [t for t in by_topic if offsets[t] < len(by_topic[t])]
            result = process_batch(records + [Record("churnwatch-ticks", 0, 0, None, b"0")], table.get,
                                   now_ms=20_000 * DAY, work_for=lambda p: work, read_horizon=lambda p: (unread, None))
            assert not result.dead_letters
            table.update(result.changed)
            alerts += result.alerts
    assert work.gate.watermark_ms == in_time[-1][1].occurred_ms
    assert alerts == expected_alerts and any(a["kind"] == "complaint_unresolved" for a in alerts)
    for cid, state in expected.items():
        got = table[cid].to_dict()
        assert set(got.pop("rt")) == {"orders", "payments", "complaints"}, "source offsets: the worker's own"
        assert got == state.to_dict(), cid


def test_live_clock_ticks_raise_an_alert_on_a_quiet_stream():
    """No event after the complaint: only the wall clock of ticks can notice the SLA breach."""
    config = CoreConfig()
    work = PartitionWork(EventTimeGate(), PartitionEngine(config, RulesConfig()))
    table = {"K": apply_event(None, Profile("K", "Key", "mgr", 30, True), config)[0]}
    opened = Complaint("K-c1", "K", "c1", "opened", "high", 20_000 * DAY + 3_600_000)
    records = [Record("complaints", 0, 0, b"K", encode_event(opened))]

    def run(batch, live=True):
        result = process_batch(batch, table.get, now_ms=30_000 * DAY, work_for=lambda p: work,
                               read_horizon=lambda p: ([], None), live_clock=live)
        table.update(result.changed)
        return result.alerts

    assert run(records) == []
    tick = [Record("churnwatch-ticks", 0, 1, None, str(20_010 * DAY).encode())]
    assert run(tick, live=False) == [], "without the live clock, wall time means nothing"
    alerts = run(tick)
    assert [(a["kind"], a["state"]) for a in alerts] == [("complaint_unresolved", "open")]
    # opened 2024-10-04T01:00Z, high-severity SLA 7 days: due at the first midnight after the breach
    assert alerts[0]["occurred_at"] == "2024-10-12T00:00:00Z"
    assert work.clock_ms == 20_010 * DAY


def test_a_history_produced_into_a_running_worker_is_applied_in_time_order():
    """One producer sends an order (day 30) and, a moment later, an invoice of day 10 that sat in
    its payments batch. The worker finds payments read to its end in between. Blind to record
    timestamps, the gate lets the order pass and the invoice comes 20 days late; vouched for
    only by a fetch made after the order was sent (+ grace), both are applied in time order."""
    config = CoreConfig()
    order = Record("orders", 0, 0, b"A", encode_event(_order("A", 0, 30)), produced_ms=1_000)
    invoice = Record("payments", 0, 0, b"A", encode_event(_invoice("A", 0, 10)), produced_ms=990)

    def run(batches):
        work, table, outcomes = PartitionWork(EventTimeGate(), PartitionEngine(config, RulesConfig())), {}, []
        for records, vouched_before in batches:
            result = process_batch(records, table.get, now_ms=20_000 * DAY, work_for=lambda p: work,
                                   read_horizon=lambda p: ([], vouched_before))
            table.update(result.changed)
            outcomes.append(dict(result.outcomes))
        return outcomes

    assert run([([order], None), ([invoice], None)]) == [{("orders", "processed"): 1}, {("payments", "late"): 1}]
    assert run([([order], 900), ([invoice], 1_000)]) == [
        {}, {("payments", "processed"): 1, ("orders", "processed"): 1}]


def test_held_events_leave_when_a_later_fetch_vouches_for_them_without_new_records():
    gate, states = EventTimeGate(), {"A": CustomerState("A")}
    assert gate.admit(_order("A", 0, 10), "orders", 0, states["A"], produced_ms=5_000)
    assert gate.advance([], vouched_before_ms=4_000) is None and gate.awaiting_vouch
    assert gate.advance([], vouched_before_ms=5_000) == 10 * DAY and not gate.awaiting_vouch
    assert [e.occurred_ms // DAY for _, e, _ in gate.release(states.get)] == [10]


def test_no_event_leaves_the_gate_while_the_profiles_are_unread():
    """A backlog read with the profiles fetched last: the key account's order waits for its
    profile, so the rules judge it as the backtest does (profile first)."""
    config = CoreConfig()
    work, table = PartitionWork(EventTimeGate(), PartitionEngine(config, RulesConfig())), {}
    order = Record("orders", 0, 0, b"K", encode_event(_order("K", 0, 10)))
    profile = Record("customers", 0, 0, b"K", encode_event(Profile("K", "Key", "mgr", 30, True)))

    def run(records, unread):
        result = process_batch(records, table.get, now_ms=20_000 * DAY, work_for=lambda p: work,
                               read_horizon=lambda p: (unread, None))
        table.update(result.changed)
        return result

    assert run([order], ["customers"]).outcomes == {}, "held while the profiles are unread"
    assert work.gate.watermark_ms is None and table["K"].orders == 0
    result = run([profile], [])
    assert result.outcomes == {("customers", "processed"): 1, ("orders", "processed"): 1}
    assert table["K"].key_account and table["K"].orders == 1
