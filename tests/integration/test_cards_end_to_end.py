"""Issue 4's acceptance: a multi-year simulated history through real Kafka and a real worker
gives, for every customer, exactly the card an independent pandas computation gives - also
when the worker is SIGKILLed mid-replay, and when two workers share the partitions."""

from __future__ import annotations

import threading
import time

import orjson
import pytest
import redis

from churnwatch.simulation.spec import SimulationSpec
from streams.topics import ensure_topics
from tests.integration.card_truth import expected_cards, produce_simulation, wait_for_cards
from tests.stack_fixtures import dead_letter_reasons, free_port, isolated_settings, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _fetcher(workers):
    def fetch(cid: str):
        for worker in workers:
            response = worker.get(f"/customers/{cid}")
            if response.status_code == 200:
                return response.json()
        return None
    return fetch


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
        wait_until(lambda: worker.processed() >= truth.events, timeout=900, interval=2,
                   what="every simulated event to be processed")
        elapsed = time.monotonic() - started
        print(f"\n{truth.events} events produced and processed in {elapsed:.1f}s "
              f"({truth.events / elapsed:.0f} events/s end to end)")
        wait_for_cards(truth, _fetcher([worker]), timeout=60, workers=[worker])
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
    wait_until(lambda: first.processed() >= truth.events * 0.4, timeout=600, interval=0.5,
               what="the worker to be in the middle of the history")
    first.kill()
    second = start_worker(settings, tmp_path, "successor")
    try:
        second.wait_ready(timeout=180)
        wait_for_cards(truth, _fetcher([second]), timeout=600, workers=[second])
        assert dead_letter_reasons(settings) == {}, "copies re-read after the crash are duplicates, not late events"
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
        wait_for_cards(truth, _fetcher(workers), timeout=600, workers=workers)
        owned = [sum(1 for line in w.get("/metrics").text.splitlines()
                     if line.startswith("churnwatch_events_total{") and 'outcome="processed"' in line) for w in workers]
        assert all(owned), f"both workers must process events: {owned}"
    finally:
        for worker in workers:
            worker.stop()


@pytest.mark.timeout(900)
def test_a_rocksdb_worker_fed_while_the_history_is_produced_gives_the_reference_cards(test_stack, tmp_path):
    """The rocksdb store decodes a new state object per read. A batch that changed two copies of
    one customer (the gate's release took held events out of one, the engine applied them to the
    other, which was saved) lost held events: a worker fed while the history was being produced
    stopped applying with most of it unapplied (`agents.batch`). One rocksdb worker, the history
    produced as fast as the client can while it runs: every card equals the pandas reference,
    and nothing is dead-lettered."""
    spec = SimulationSpec(customers=1000, months=24, seed=19)
    settings = isolated_settings().with_overrides(store="rocksdb://")
    ensure_topics(settings)
    truth = expected_cards(spec, settings)
    worker = start_worker(settings, tmp_path, "rocksdb")
    try:
        worker.wait_ready(timeout=180)
        produce_simulation(spec, settings)
        wait_for_cards(truth, _fetcher([worker]), timeout=300, workers=[worker])
        assert dead_letter_reasons(settings) == {}
    finally:
        worker.stop()


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_a_worker_joining_and_leaving_while_events_flow_changes_no_card(test_stack, tmp_path, store):
    """Rebalances under load: the history is produced as fast as the client can while one
    worker works through it; a second worker joins, takes partitions, processes some of them and
    leaves (SIGTERM). Each rebalance seeks every partition back to its committed offset. The
    cards the remaining worker serves, and the ones in Redis, equal the pandas reference, and no
    event was dead-lettered. With rocksdb too: its store decodes a new state object per read,
    which lost held events until a batch kept one object per customer (`agents.batch`), and the states
    staged for the next commit are written before a revocation drops the revoked partitions'
    stores (`streams/state_writer.py`)."""
    spec = SimulationSpec(customers=1000, months=24, seed=17)
    settings = isolated_settings().with_overrides(store=store)
    ensure_topics(settings)
    truth = expected_cards(spec, settings)
    first = start_worker(settings, tmp_path, "stays")
    joiner = None
    producer = threading.Thread(target=produce_simulation, args=(spec, settings), daemon=True)
    try:
        first.wait_ready(timeout=180)
        producer.start()
        wait_until(lambda: first.processed() >= truth.events * 0.2, timeout=300, interval=0.2,
                   what="a fifth of the history processed")
        joiner = start_worker(settings.with_overrides(web_port=free_port()), tmp_path, "joins")
        joiner.wait_ready(timeout=180)
        wait_until(lambda: joiner.processed() > 0, timeout=120, interval=0.2,
                   what="the joiner to process events of its partitions")
        joiner_dead = joiner.dead_letters()
        stopped_by_itself = joiner.stop()  # leaves the group: its partitions go back to the first worker
        assert stopped_by_itself, "the leaving worker ignored SIGTERM for 60 s:\n" + joiner.log_tail()
        producer.join(timeout=600)
        assert not producer.is_alive()
        wait_for_cards(truth, _fetcher([first]), timeout=300, workers=[first, joiner])
        served, client = _fetcher([first]), redis.Redis.from_url(settings.redis)

        def published(cid: str) -> dict | None:
            card = client.hget(f"{settings.app_id}:card:{cid}", "card")
            return orjson.loads(card) if card is not None else None

        def stale_in_redis() -> list[str]:
            return [cid for cid in truth.cards if (published(cid) or {}).get("version") != served(cid)["version"]]
        wait_until(lambda: not stale_in_redis(), timeout=60, what="Redis to hold every card's latest version")
        assert joiner_dead == 0, "no event dead-lettered as late while the joiner owned partitions"
        assert dead_letter_reasons(settings) == {}, "copies re-read after the rebalances are duplicates, not late events"
    finally:
        first.stop()
        if joiner is not None:
            joiner.stop()
