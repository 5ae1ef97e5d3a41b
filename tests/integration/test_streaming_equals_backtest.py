"""Issue 5's acceptance: a real worker over a simulated history raises exactly the alerts the
backtest raises over the same events (ids, kinds, states, event times); and a worker killed
mid-stream and restarted raises no alert with a new id."""

from __future__ import annotations

import json
import random
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from agents.core.config import load_core_config
from agents.core.events import Profile
from agents.core.rules.config import load_rules_config
from agents.customer_agent import partition_of
from churnwatch.backtest.runner import event_order, run_backtest
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import SimulationSpec
from streams.topics import ensure_topics
from tests.integration.card_truth import expected_cards, produce_simulation, wait_for_cards
from tests.stack_fixtures import dead_letter_reasons, isolated_settings, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAY = 86_400_000
POPULATION_FREE_KINDS = {"volume_decline", "range_narrowing", "recency_lapse", "payment_overdue",
                         "complaint_unresolved"}
"""Kinds whose decision never reads the population thresholds; tier_downgrade and
segment_transition compare with the population, which the worker refreshes every few seconds of
wall time and the backtest every week of event time, so they are compared only by existence."""


def _streamed_alerts(settings, timeout: float = 20.0) -> list[dict]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka, enable_auto_commit=False)
    consumer.assign([TopicPartition(settings.alerts_topic, p) for p in range(settings.partitions)])
    consumer.seek_to_beginning()
    alerts, quiet_since = [], time.monotonic()
    while time.monotonic() - quiet_since < 3 and time.monotonic() - quiet_since < timeout:
        batch = consumer.poll(timeout_ms=500)
        for messages in batch.values():
            alerts += [json.loads(m.value) for m in messages]
            quiet_since = time.monotonic()
    consumer.close()
    return alerts


def _wait_for_end(worker, partition_end: dict[int, int]) -> None:
    """Until every partition's watermark has reached its newest event (the whole history applied)."""
    def done() -> bool:
        parts = worker.get("/status").json()["partitions"]
        return all(parts.get(str(p), {}).get("watermark") == end for p, end in partition_end.items())
    wait_until(done, timeout=1200, interval=2, what="every partition's clock to reach its last event")


def _key(alert: dict) -> tuple:
    return alert["alert_id"], alert["kind"], alert["state"], alert["occurred_at"]


def _comparable(alerts, flagged: set[str], horizon_iso: str) -> set[tuple]:
    return {_key(a) for a in alerts
            if a["customer_id"] in flagged and a["kind"] in POPULATION_FREE_KINDS and a["occurred_at"] < horizon_iso}


def _backtest(spec: SimulationSpec, settings):
    from agents.core.timeutil import format_ms

    events = list(simulate(spec))
    flagged = {e.customer_id for e in events if isinstance(e, Profile) and e.key_account}
    partition_end: dict[int, int] = {}
    for e in events:
        if not isinstance(e, Profile):
            p = partition_of(e.customer_id, settings.partitions)
            partition_end[p] = max(partition_end.get(p, 0), e.occurred_ms)
    # Every partition has evaluated every day boundary up to its own newest event.
    horizon = min(partition_end.values()) // DAY * DAY
    core = load_core_config(settings.config_dir / "core.toml")
    rules = load_rules_config(settings.config_dir / "rules.toml")
    run = run_backtest(sorted(events, key=event_order), core, rules, until_ms=horizon)
    return run.alerts, flagged, format_ms(horizon), partition_end


@pytest.mark.timeout(1500)
def test_worker_and_backtest_raise_the_same_alerts(test_stack, tmp_path):
    spec = SimulationSpec(customers=600, months=24, seed=5)
    settings = isolated_settings()
    ensure_topics(settings)
    expected, flagged, horizon, partition_end = _backtest(spec, settings)
    want = _comparable(expected, flagged, horizon)
    assert len(want) > 30, "the history must raise a fair number of alerts"
    produce_simulation(spec, settings)
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        _wait_for_end(worker, partition_end)
        time.sleep(3)
        got = _comparable(_streamed_alerts(settings), flagged, horizon)
    finally:
        worker.stop()
    assert got == want, (f"{len(got - want)} only in streaming, {len(want - got)} only in the backtest: "
                         f"{sorted(got ^ want)[:10]}")


@pytest.mark.timeout(1500)
def test_a_worker_killed_three_times_raises_no_new_alert_ids(test_stack, tmp_path):
    """SIGKILL at three random points of the history (seeded, so a failure can be replayed),
    a new worker each time: the alert ids are those of the undisturbed run (the backtest), and
    every card equals the pandas reference."""
    spec = SimulationSpec(customers=400, months=24, seed=23)
    settings = isolated_settings()
    ensure_topics(settings)
    expected, flagged, horizon, partition_end = _backtest(spec, settings)
    truth = expected_cards(spec, settings)
    produce_simulation(spec, settings)
    total = sum(1 for _ in simulate(spec))
    points = sorted(random.Random(spec.seed).uniform(0.1, 0.9) for _ in range(3))
    done = 0.0
    for n, point in enumerate(points):
        victim = start_worker(settings, tmp_path, f"victim{n}")
        victim.wait_ready(timeout=180)
        wait_until(lambda: done + victim.processed() >= total * point, timeout=900, interval=0.2,
                   what=f"{point:.0%} of the history")
        processed = victim.processed()
        victim.kill()
        done += processed
    successor = start_worker(settings, tmp_path, "successor")
    try:
        successor.wait_ready(timeout=180)
        _wait_for_end(successor, partition_end)
        wait_for_cards(truth, lambda cid: successor.get(f"/customers/{cid}").json(), timeout=300, workers=[successor])
        streamed = _streamed_alerts(settings)
        assert dead_letter_reasons(settings) == {}, "copies re-read after the crashes are duplicates, not late events"
    finally:
        successor.stop()
    expected_ids = {a["alert_id"] for a in expected}
    streamed_ids = {a["alert_id"] for a in streamed if a["customer_id"] in flagged
                    and a["kind"] in POPULATION_FREE_KINDS and a["occurred_at"] < horizon}
    new_ids = streamed_ids - expected_ids
    assert not new_ids, f"ids the undisturbed run never raises: {sorted(new_ids)[:10]}"
    assert _comparable(streamed, flagged, horizon) == _comparable(expected, flagged, horizon), \
        "duplicates of an id are allowed, but the set of lifecycle events must be the same"
