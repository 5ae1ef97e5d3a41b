"""Issue 3 and 4 acceptance: a CSV of orders with broken rows replays through `churnwatch
replay` with exact produced/rejected counts; replaying it again changes no customer's card; and
the card is the same over HTTP, in Redis and on the compacted customer-cards topic."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time

import pytest
import redis
from kafka import KafkaConsumer, TopicPartition

from streams.topics import ensure_topics
from tests.stack_fixtures import isolated_settings, settings_env, start_worker, wait_until

pytestmark = pytest.mark.integration

BROKEN_ROWS = [
    # order_id, sku, category, quantity, amount, customer_id, occurred_at  -> why it is rejected
    ["X1", "A", "valves", "two", "10", "C00001", "2025-01-05T09:00:00Z"],        # quantity not a number
    ["X2", "A", "valves", "1", "-4", "C00002", "2025-01-05T09:00:00Z"],          # negative amount
    ["X3", "A", "valves", "1", "4", "", "2025-01-05T09:00:00Z"],                 # no customer
    ["X4", "A", "valves", "1", "4", "C00003", "2025-01-05 09:00"],               # no offset
]


def _replay(settings, path, tmp_path):
    return subprocess.run(
        [sys.executable, "-m", "churnwatch", "replay", str(path), "--topic", "orders", "--bootstrap", settings.kafka,
         "--topic-prefix", settings.topic_prefix, "--rejects", str(tmp_path / "rejects.csv")],
        env=settings_env(settings), capture_output=True, text=True, timeout=600)


def _topic_count(settings, topic) -> int:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka)
    tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
    total = sum(consumer.end_offsets(tps).values())
    consumer.close()
    return total


def _latest_cards_on_topic(settings) -> dict[str, dict]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka, enable_auto_commit=False, consumer_timeout_ms=3000)
    consumer.assign([TopicPartition(settings.cards_topic, p) for p in range(settings.partitions)])
    consumer.seek_to_beginning()
    latest = {m.key.decode(): json.loads(m.value) for m in consumer}
    consumer.close()
    return latest


@pytest.mark.timeout(900)
def test_replay_counts_idempotence_and_card_copies(test_stack, tmp_path):
    settings = isolated_settings()
    ensure_topics(settings)
    subprocess.run([sys.executable, "-m", "churnwatch", "simulate", "--customers", "60", "--months", "12",
                    "--seed", "3", "--start", "2024-06-01", "--out", str(tmp_path / "sim")],
                   env=settings_env(settings), check=True, capture_output=True, timeout=300)
    path = tmp_path / "orders.csv"
    with open(tmp_path / "sim" / "orders.csv", newline="") as source:
        rows = list(csv.DictReader(source))
    good_orders = len({r["order_id"] for r in rows})
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "sku", "category", "quantity", "amount", "customer_id", "occurred_at"])
        for r in rows:
            writer.writerow([r["order_id"], r["sku"], r["category"], r["quantity"], r["amount"], r["customer_id"],
                             r["occurred_at"]])
        writer.writerows(BROKEN_ROWS)

    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        first = _replay(settings, path, tmp_path)
        assert first.returncode == 2, first.stdout + first.stderr  # 2: rows were rejected
        with open(tmp_path / "rejects.csv", newline="") as rejects:
            rejected = list(csv.DictReader(rejects))
        assert sorted(int(r["rows"]) for r in rejected) == list(range(len(rows) + 1, len(rows) + 5))
        assert _topic_count(settings, settings.orders_topic) == good_orders

        customers = sorted({r["customer_id"] for r in rows})

        def cards() -> dict[str, dict]:
            return {cid: worker.get(f"/customers/{cid}").json() for cid in customers}

        def settled(previous={}):  # noqa: B006 - a small memo between polls
            now = cards()
            stable = now == previous.get("cards") and all(c.get("lifetime") for c in now.values())
            previous["cards"] = now
            return stable and now

        before = wait_until(settled, timeout=180, interval=3, what="the cards to settle after the first replay")
        assert sum(c["lifetime"]["orders"] for c in before.values()) == good_orders

        second = _replay(settings, path, tmp_path)
        assert second.returncode == 2
        assert _topic_count(settings, settings.orders_topic) == 2 * good_orders
        wait_until(lambda: worker.metric("churnwatch_events_total", outcome="duplicate") + worker.metric("churnwatch_events_total", outcome="late") >= good_orders,
                   timeout=180, what="the second replay to be read")
        time.sleep(2 * settings.publish_interval)
        assert cards() == before, "replaying the same file again must change no card"

        # The same card in Redis and on the compacted topic: cards are republished when the
        # population thresholds move (at most every card_refresh_interval, 5 s in tests).
        client = redis.Redis.from_url(settings.redis)

        def copies_agree() -> bool:
            for cid in customers:
                stored = client.hgetall(f"{settings.app_id}:card:{cid}")
                if not stored or json.loads(stored[b"card"]) != before[cid] \
                        or int(stored[b"version"]) != before[cid]["version"]:
                    return False
            on_topic = _latest_cards_on_topic(settings)
            return {cid: on_topic.get(cid) for cid in customers} == before

        wait_until(copies_agree, timeout=60, interval=3, what="Redis and the cards topic to hold the same cards")
    finally:
        worker.stop()
