"""The worker against the real stack: orders in through Kafka, cards out over HTTP, state
recovered from the changelog after a restart, and changelog partition == source partition."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2

from churnwatch.bench.run import changelog_topic
from churnwatch.bench.worker_log import replayed_records
from tests.stack_fixtures import isolated_settings, produce_json, start_worker, wait_until
from streams.topics import ensure_topics

pytestmark = pytest.mark.integration


def _orders(n_customers: int, per_customer: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    events = []
    for c in range(n_customers):
        cid = f"C{c:05d}"
        for k in range(per_customer):
            qty = rng.randint(1, 9)
            price = Decimal(rng.randint(100, 99999)) / 100
            amount = price * qty
            events.append({
                "event_id": f"{cid}-o-{k}", "customer_id": cid, "order_id": f"{cid}-{k}",
                "occurred_at": f"2025-{1 + k % 12:02d}-{1 + k % 27:02d}T10:00:00+02:00",
                "amount": float(amount), "quantity": qty,
                "lines": [{"sku": f"SKU{k % 5}", "category": f"cat{k % 4}", "quantity": qty, "amount": float(amount)}],
            })
    events.sort(key=lambda e: e["occurred_at"])
    return events


def _expected(events: list[dict]) -> dict[str, tuple[int, Decimal]]:
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for e in events:
        totals[e["customer_id"]][0] += 1
        totals[e["customer_id"]][1] += Decimal(str(e["amount"]))
    return {cid: (n, amount) for cid, (n, amount) in totals.items()}


def _card_matches(worker, cid: str, expected: tuple[int, Decimal]) -> bool:
    response = worker.get(f"/customers/{cid}")
    if response.status_code != 200:
        return False
    lifetime = response.json()["lifetime"]
    return lifetime["orders"] == expected[0] and Decimal(str(lifetime["amount"])) == expected[1]


def _worker_with_cards(settings, tmp_path, name: str, events: list[dict]):
    """A worker started on `settings` that has turned the produced `events` into cards (stopped
    again if it does not)."""
    expected = _expected(events)
    worker = start_worker(settings, tmp_path, name)
    try:
        worker.wait_ready()
        produce_json(settings, "orders", events)
        wait_until(lambda: all(_card_matches(worker, cid, exp) for cid, exp in expected.items()),
                   timeout=90, what="every card to show the produced orders")
    except BaseException:
        worker.stop()
        raise
    return worker


def test_orders_become_cards_and_survive_a_restart(test_stack, tmp_path):
    settings = isolated_settings()
    ensure_topics(settings)
    events = _orders(n_customers=40, per_customer=6, seed=1)
    expected = _expected(events)
    worker = _worker_with_cards(settings, tmp_path, "first", events)
    try:
        missing = worker.get("/customers/NOPE")
        assert missing.status_code == 404
        assert missing.json()["error"] == "unknown customer"
        assert worker.get("/healthz").json() == {"status": "ok"}
        assert worker.get("/table").status_code == 404, "Faust's debug endpoints must be off"
        assert worker.get("/router").status_code == 404
    finally:
        worker.stop()

    # A new worker process in the same group, with no local state: everything must come back
    # from the changelog, counted once.
    restarted = start_worker(settings, tmp_path, "second")
    try:
        restarted.wait_ready()
        for cid, exp in expected.items():
            assert _card_matches(restarted, cid, exp), restarted.get(f"/customers/{cid}").text
        # Delivering the same orders again (a producer retry) changes nothing.
        produce_json(settings, "orders", events[:50])
        produce_json(settings, "orders", [events[-1] | {"event_id": "fresh-1", "order_id": "fresh-1"}])
        last = events[-1]["customer_id"]
        bumped = (expected[last][0] + 1, expected[last][1] + Decimal(str(events[-1]["amount"])))
        wait_until(lambda: _card_matches(restarted, last, bumped), timeout=60, what="the fresh order")
        for cid, exp in expected.items():
            if cid != last:
                assert _card_matches(restarted, cid, exp)
    finally:
        restarted.stop()


def test_changelog_partition_equals_source_partition(test_stack, tmp_path):
    settings = isolated_settings()
    ensure_topics(settings)
    events = _orders(n_customers=30, per_customer=1, seed=2)
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        produce_json(settings, "orders", events)
        wait_until(lambda: all(worker.get(f"/customers/{e['customer_id']}").status_code == 200 for e in events),
                   timeout=90, what="all customers to have state")
    finally:
        worker.stop()
    changelog = f"{settings.app_id}-customer-state-changelog"
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka, auto_offset_reset="earliest",
                             consumer_timeout_ms=3000, enable_auto_commit=False)
    source_partition = {}
    for tp in [TopicPartition(settings.orders_topic, p) for p in range(settings.partitions)]:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        for msg in consumer:
            source_partition[msg.key.decode()] = msg.partition
    changelog_partition = {}
    for tp in [TopicPartition(changelog, p) for p in range(settings.partitions)]:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        for msg in consumer:
            changelog_partition[msg.key.decode()] = msg.partition
    consumer.close()
    assert set(changelog_partition) == set(source_partition) == {e["customer_id"] for e in events}
    assert changelog_partition == source_partition
    assert all(p == (murmur2(cid.encode()) & 0x7FFFFFFF) % settings.partitions
               for cid, p in source_partition.items())
    assert len(set(source_partition.values())) > 1, "the test needs customers on several partitions"


def test_a_rocksdb_worker_restarts_from_its_own_store_and_reads_only_the_changelog_tail(test_stack, tmp_path):
    """The states a rocksdb worker writes (`streams/state_writer.py`: the store gets the bytes the
    changelog gets, and the persisted changelog offset follows the acknowledged sends) bring
    every card back after a restart on the same data directory, without reading the changelog
    again (a wrong or missing persisted offset reads it all)."""
    settings = isolated_settings().with_overrides(store="rocksdb://")
    ensure_topics(settings)
    events = _orders(n_customers=40, per_customer=6, seed=3)
    expected = _expected(events)
    worker = _worker_with_cards(settings, tmp_path, "rocks", events)
    assert worker.stop(), "the first worker stops by itself on SIGTERM (its last commit and flush)"
    first_log_size = worker.log_path.stat().st_size

    restarted = start_worker(settings, tmp_path, "rocks")  # the same name: the same data directory
    try:
        restarted.wait_ready()
        for cid, exp in expected.items():
            assert _card_matches(restarted, cid, exp), restarted.get(f"/customers/{cid}").text
        restart_log = restarted.log_path.read_bytes()[first_log_size:].decode(errors="replace")
        assert replayed_records(restart_log, changelog_topic(settings)) == 0, \
            "the restarted worker found every state in its own store"
    finally:
        restarted.stop()
