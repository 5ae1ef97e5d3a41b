"""Issue 4's acceptance: a multi-year simulated history through real Kafka and a real worker
gives, for every customer, exactly the card an independent pandas computation gives - also
when the worker is SIGKILLed mid-replay, and when two workers share the partitions."""

from __future__ import annotations

import time

import pytest

from churnwatch.simulation.spec import SimulationSpec
from streams.topics import ensure_topics
from tests.integration.card_truth import card_differences, expected_cards, produce_simulation
from tests.stack_fixtures import free_port, isolated_settings, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _processed(worker) -> float:
    total = 0.0
    for line in worker.get("/metrics").text.splitlines():
        if line.startswith("churnwatch_events_total{") and 'outcome="processed"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def _fetcher(workers):
    def fetch(cid: str):
        for worker in workers:
            response = worker.get(f"/customers/{cid}")
            if response.status_code == 200:
                return response.json()
        return None
    return fetch


def _wait_for_cards(truth, workers, timeout: float) -> None:
    """Wait until every card equals the reference (thresholds settle a few seconds after the
    last event), then assert it, naming the first differences if it never does."""
    fetch = _fetcher(workers)
    deadline = time.monotonic() + timeout
    diffs = card_differences(truth, fetch)
    while diffs and time.monotonic() < deadline:
        time.sleep(3)
        diffs = card_differences(truth, fetch)
    assert not diffs, f"{len(diffs)} differences, first ones:\n" + "\n".join(diffs[:15])


@pytest.mark.timeout(1800)
def test_every_card_equals_the_pandas_reference(test_stack, tmp_path):
    spec = SimulationSpec(customers=2000, months=24, seed=7)
    settings = isolated_settings()
    ensure_topics(settings)
    truth = expected_cards(spec, settings)
    assert truth.events > 200_000 and len(truth.cards) == 2000
    started = time.monotonic()
    produce_simulation(spec, settings)
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        wait_until(lambda: _processed(worker) >= truth.events, timeout=900, interval=2,
                   what="every simulated event to be processed")
        elapsed = time.monotonic() - started
        print(f"\n{truth.events} events produced and processed in {elapsed:.1f}s "
              f"({truth.events / elapsed:.0f} events/s end to end)")
        _wait_for_cards(truth, [worker], timeout=60)
    finally:
        worker.stop()


@pytest.mark.timeout(1200)
def test_sigkill_mid_replay_loses_and_doubles_nothing(test_stack, tmp_path):
    spec = SimulationSpec(customers=400, months=24, seed=11)
    settings = isolated_settings()
    ensure_topics(settings)
    truth = expected_cards(spec, settings)
    produce_simulation(spec, settings)
    first = start_worker(settings, tmp_path, "victim")
    first.wait_ready()
    wait_until(lambda: _processed(first) >= truth.events * 0.4, timeout=600, interval=0.5,
               what="the worker to be in the middle of the history")
    first.kill()
    second = start_worker(settings, tmp_path, "successor")
    try:
        second.wait_ready(timeout=180)
        _wait_for_cards(truth, [second], timeout=600)
    finally:
        second.stop()


@pytest.mark.timeout(1200)
def test_two_workers_share_the_partitions_and_agree(test_stack, tmp_path):
    spec = SimulationSpec(customers=400, months=24, seed=13)
    settings = isolated_settings()
    ensure_topics(settings)
    truth = expected_cards(spec, settings)
    workers = [start_worker(settings, tmp_path, "one"),
               start_worker(settings.with_overrides(web_port=free_port()), tmp_path, "two")]
    try:
        for worker in workers:  # both in the group before the first event: both get partitions
            worker.wait_ready(timeout=180)
        produce_simulation(spec, settings)
        _wait_for_cards(truth, workers, timeout=600)
        owned = [sum(1 for line in w.get("/metrics").text.splitlines()
                     if line.startswith("churnwatch_events_total{") and 'outcome="processed"' in line) for w in workers]
        assert all(owned), f"both workers must process events: {owned}"
    finally:
        for worker in workers:
            worker.stop()
