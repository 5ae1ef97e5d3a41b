"""The event-time engine: the same alerts whatever the partitioning, interleaving, ticks or restarts."""

from __future__ import annotations

import json
import random
import zlib
from functools import cache

import pytest

from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.events import Event, Profile
from agents.core.population import PopulationThresholds, thresholds_from_states
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS
from churnwatch.backtest.runner import event_order
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import SimulationSpec
from tests.unit.alerts.helpers import CORE, RULES
from tests.unit.core.builders import DAY, order, profile

Key = tuple[str, str, str, str]


SPEC = SimulationSpec(customers=60, months=14, seed=3)
"""A small simulated history (60 customers, 14 months)."""


@cache
def history(spec: SimulationSpec = SPEC) -> tuple[list[Event], PopulationThresholds, int]:
    """The events of `spec`'s history in time order, fixed thresholds and its end."""
    events = sorted(simulate(spec), key=event_order)
    end = (max(e.occurred_ms for e in events if not isinstance(e, Profile)) // DAY_MS + 2) * DAY_MS
    states: dict[str, CustomerState] = {}
    engine = PartitionEngine(CORE, RULES)
    for event in events:
        engine.apply(event, states.get, states.__setitem__)
    return events, thresholds_from_states(states.values(), end, CORE), end


def keys(alerts: list[dict]) -> list[Key]:
    return sorted((a["occurred_at"], a["alert_id"], a["state"], a["severity"]) for a in alerts)


def run(events: list[Event], engine: PartitionEngine, states: dict, until: int) -> list[dict]:
    alerts = []
    for event in events:
        alerts += engine.apply(event, states.get, states.__setitem__)[1]
    return alerts + engine.advance_to(until, states.get, states.__setitem__)


def one_engine(spec: SimulationSpec = SPEC, states: dict | None = None) -> list[dict]:
    """The alerts of `spec`'s history through one engine (what the backtest does); the final
    states go to `states` when given."""
    events, fixed, end = history(spec)
    return run(events, PartitionEngine(CORE, RULES, lambda: fixed), {} if states is None else states, end)


def test_the_history_raises_alerts_of_many_kinds():
    opened = [a for a in one_engine() if a["state"] == "open"]
    assert len(opened) >= 6
    assert len({a["kind"] for a in opened}) >= 5


@pytest.mark.parametrize("partitions", [2, 5])
def test_engines_split_by_customer_hash_raise_the_same_alerts_as_one(partitions):
    events, fixed, end = history()
    alerts = []
    for p in range(partitions):
        mine = [e for e in events if zlib.crc32(e.customer_id.encode()) % partitions == p]
        alerts += run(mine, PartitionEngine(CORE, RULES, lambda: fixed), {}, end)
    assert keys(alerts) == keys(one_engine())


def test_interleaving_customers_within_a_day_and_live_ticks_change_nothing():
    events, fixed, end = history()
    rng = random.Random(5)
    by_day: dict[int, list[Event]] = {}
    for event in events:
        day = -1 if isinstance(event, Profile) else event.occurred_ms // DAY_MS
        by_day.setdefault(day, []).append(event)
    engine, states, alerts = PartitionEngine(CORE, RULES, lambda: fixed), {}, []
    for day in sorted(by_day):
        batch = by_day[day]
        # Shuffle customers, keep each customer's own order (Kafka's per-key order).
        order_of = {cid: rng.random() for cid in {e.customer_id for e in batch}}
        batch = sorted(batch, key=lambda e: order_of[e.customer_id])
        for event in batch:
            alerts += engine.apply(event, states.get, states.__setitem__)[1]
            if rng.random() < 0.02 and day >= 0:  # a wall-clock tick that never overtakes the stream
                alerts += engine.advance_to(day * DAY_MS + rng.randrange(DAY_MS), states.get, states.__setitem__)
    alerts += engine.advance_to(end, states.get, states.__setitem__)
    assert keys(alerts) == keys(one_engine())


def test_a_restart_from_persisted_states_continues_with_the_same_alerts():
    events, fixed, end = history()
    cut = len(events) // 2
    states: dict[str, CustomerState] = {}
    first = PartitionEngine(CORE, RULES, lambda: fixed)
    alerts = [a for e in events[:cut] for a in first.apply(e, states.get, states.__setitem__)[1]]
    persisted = {cid: CustomerState.from_dict(json.loads(json.dumps(s.to_dict()))) for cid, s in states.items()}
    second = PartitionEngine(CORE, RULES, lambda: fixed)
    second.rebuild(persisted.values())
    assert second.clock_ms == first.clock_ms and second.dirty == first.dirty
    alerts += run(events[cut:], second, persisted, end)
    assert keys(alerts) == keys(one_engine())


def test_a_silent_stretch_costs_only_the_evaluations_that_are_due():
    last = 1_717_200_000_000 + 10 * 3_600_000  # 2024-06-01T10:00Z
    states: dict[str, CustomerState] = {}
    engine = PartitionEngine(CORE, RULES)
    engine.apply(profile(key=True), states.get, states.__setitem__)
    for k in range(10, -1, -1):
        engine.apply(order(last - 7 * k * DAY), states.get, states.__setitem__)
    alerts = engine.advance_to(last + 400 * DAY, states.get, states.__setitem__)
    opened = [a for a in alerts if a["state"] == "open"]
    assert [a["alert_id"] for a in opened] == ["C1:recency_lapse:1"]
    # The first day boundary after the deadline (last order + 60 days).
    assert opened[0]["occurred_at"] == "2024-08-01T00:00:00Z"
    # A handful of evaluations (deadlines, month starts), not one per day.
    assert engine.evaluations < 40


def test_an_evaluation_sees_only_the_events_before_its_day_boundary():
    states: dict[str, CustomerState] = {}
    engine = PartitionEngine(CORE, RULES)
    engine.apply(profile(key=True), states.get, states.__setitem__)
    start = 1_704_067_200_000  # 2024-01-01
    for k in range(11):
        engine.apply(order(start + 7 * k * DAY + 3_600_000), states.get, states.__setitem__)
    deadline_day = (start + 70 * DAY + 3_600_000 + 60 * DAY) // DAY_MS + 1
    # An order of another customer at the very boundary of the lapse day: C1 is evaluated first.
    outcome, alerts = engine.apply(order(deadline_day * DAY_MS, cid="C2"), states.get, states.__setitem__)
    assert outcome == "applied"
    assert [a["occurred_at"] for a in alerts if a["kind"] == "recency_lapse"] == ["2024-05-11T00:00:00Z"]
    # And an order of C1 itself the same day arrives after that evaluation: it will resolve it later.
    engine.apply(order(deadline_day * DAY_MS + 3_600_000), states.get, states.__setitem__)
    assert states["C1"].alerts["ep"]["recency_lapse"]["st"] == "open"


def test_rules_can_be_reloaded_but_must_fit_the_core():
    engine = PartitionEngine(CORE, RULES)
    engine.rules = RulesConfig.from_mapping({"recency_lapse": {"min_days": 90}})
    assert engine.rules.recency_lapse.min_days == 90
    with pytest.raises(ValueError, match="max_periods"):
        PartitionEngine(CoreConfig(max_periods=8, card_periods=8), RULES)


def test_a_restart_from_states_saved_unevenly_raises_the_same_alerts():
    """A worker killed while its changelog writes were in flight: some customers were saved at a
    much earlier point than the rest. The restarted engine's clock is the newest
    state's; the lagging customers' later events arrive below it and must still be evaluated at
    their own day boundaries (not at the next one the clock crosses)."""
    events, fixed, end = history()
    early, cut = len(events) * 55 // 100, len(events) * 85 // 100  # the alerts start after 60%
    states: dict[str, CustomerState] = {}
    first = PartitionEngine(CORE, RULES, lambda: fixed)

    def snapshot() -> dict[str, CustomerState]:
        return {cid: CustomerState.from_dict(json.loads(json.dumps(s.to_dict()))) for cid, s in states.items()}

    alerts = [a for e in events[:early] for a in first.apply(e, states.get, states.__setitem__)[1]]
    saved_early = snapshot()
    middle = [a for e in events[early:cut] for a in first.apply(e, states.get, states.__setitem__)[1]]
    alerts += middle
    # The customers that raised alerts in between, and a third of the others, were saved early.
    lagging = {a["customer_id"] for a in middle} | {c for c in saved_early if zlib.crc32(c.encode()) % 3 == 0}
    assert any(a["state"] == "open" for a in middle)
    persisted = {cid: saved_early[cid] if cid in lagging else state for cid, state in snapshot().items()}
    second = PartitionEngine(CORE, RULES, lambda: fixed)
    second.rebuild(persisted.values())
    assert second.clock_ms > max(s.max_event_ms or 0 for s in saved_early.values())
    # What the gate releases after the restart: the lagging customers' held events (older than
    # the clock), then everything after the cut, in time order.
    replay = [e for e in events[early:cut] if e.customer_id in lagging] + events[cut:]
    alerts += run(sorted(replay, key=event_order), second, persisted, end)
    assert set(keys(alerts)) == set(keys(one_engine()))
