"""Every kind of bad input, through real Kafka: each lands in the dead-letter topic with its
reason and source position, the worker keeps running, and every valid event is applied."""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import examples
from streams.dead_letter import parse_dead_letter
from streams.topics import ensure_topics
from tests.stack_fixtures import isolated_settings, start_worker, wait_until

pytestmark = pytest.mark.integration


def _order(cid: str, n: int, occurred_at: str, **changes) -> dict:
    order = json.loads(json.dumps(examples.ORDER)) | {
        "event_id": f"{cid}-e{n}", "customer_id": cid, "order_id": f"{cid}-o{n}", "occurred_at": occurred_at}
    return order | changes


def _bad_messages(now_ms: int) -> list[tuple[str, bytes | None, bytes | None, str]]:
    """(topic, key, value, expected reason) - one or more per rejection reason."""
    far_future = now_ms + 30 * 86_400_000
    good = _order("B1", 1, "2024-03-01T09:30:00+08:00")
    dump = lambda d: json.dumps(d, allow_nan=True).encode()  # noqa: E731
    return [
        ("orders", b"B1", b'{"event_id": "x", ', "malformed_json"),
        ("orders", b"B1", dump({k: v for k, v in good.items() if k != "order_id"}), "missing_field"),
        ("orders", b"B1", dump(good | {"amount": "1250.50"}), "wrong_type"),
        ("orders", b"B1", dump(good | {"amount": -5, "lines": []}), "negative_amount"),
        ("orders", b"B1", b'{"event_id":"n","customer_id":"B1","order_id":"n","occurred_at":1709000000000,'
                          b'"amount":NaN,"quantity":1,"lines":[]}', "non_finite"),
        ("payments", b"B1", dump(examples.PAYMENT | {"customer_id": "B1", "kind": "refund"}), "unknown_enum"),
        ("complaints", b"B1", dump(examples.COMPLAINT | {"customer_id": "B1", "occurred_at": "1969-12-31T00:00:00Z"}),
         "bad_timestamp"),
        ("orders", b"B1", dump(good | {"occurred_at": "2024-03-01 09:30"}), "bad_timestamp"),
        ("orders", b"B1", dump(good | {"occurred_at": far_future}), "future_timestamp"),
        ("orders", b"SOMEONE-ELSE", dump(good), "key_mismatch"),
        ("orders", b"B1", dump(good | {"padding": "x" * 70_000}), "oversized"),
        ("orders", b"B1", dump(good | {"amount": 1.0}), "amount_mismatch"),
        ("customers", b"B1", None, "empty_value"),
    ]


def test_bad_input_goes_to_the_dlq_and_valid_input_is_kept(test_stack, tmp_path):
    settings = isolated_settings()
    ensure_topics(settings)
    now_ms = int(time.time() * 1000)
    bad = _bad_messages(now_ms)
    valid = [_order(f"G{c}", n, f"2024-0{1 + n}-1{c}T10:00:00Z") for c in range(5) for n in range(3)]
    late = [_order("L1", 1, "2024-06-01T00:00:00Z"), _order("L1", 2, "2024-04-01T00:00:00Z")]  # 61 days older

    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        producer = KafkaProducer(bootstrap_servers=settings.kafka, acks="all", max_request_size=2_000_000)
        sent = {}
        for i, event in enumerate(valid):
            if i < len(bad):
                topic, key, value, reason = bad[i]
                meta = producer.send(settings.topic_prefix + topic, key=key, value=value).get(timeout=10)
                sent[(meta.topic, meta.partition, meta.offset)] = reason
            producer.send(settings.orders_topic, key=event["customer_id"].encode(), value=json.dumps(event).encode())
        for topic, key, value, reason in bad[len(valid):]:
            meta = producer.send(settings.topic_prefix + topic, key=key, value=value).get(timeout=10)
            sent[(meta.topic, meta.partition, meta.offset)] = reason
        producer.send(settings.orders_topic, key=b"L1", value=json.dumps(late[0]).encode())
        producer.flush()

        def cards_complete() -> bool:
            for c in range(5):
                response = worker.get(f"/customers/G{c}")
                if response.status_code != 200 or response.json()["lifetime"]["orders"] != 3:
                    return False
            card = worker.get("/customers/L1")
            return card.status_code == 200 and card.json()["lifetime"]["orders"] == 1

        wait_until(cards_complete, timeout=90, what="every valid order to be applied")
        # Only once the clock has passed it is an old event late (before, the gate reorders it).
        meta = producer.send(settings.orders_topic, key=b"L1", value=json.dumps(late[1]).encode()).get(timeout=10)
        sent[(meta.topic, meta.partition, meta.offset)] = "late"
        producer.close()
        assert worker.proc.poll() is None, "the worker must survive bad input"

        letters = _read_all(settings.kafka, settings.dlq_topic, settings.partitions, expected=len(sent))
        found = {(d["source"]["topic"], d["source"]["partition"], d["source"]["offset"]): d for d in letters}
        assert set(found) == set(sent), "every bad message once in the DLQ, nothing else"
        for position, reason in sent.items():
            letter = found[position]
            assert letter["reason"] == reason, (position, letter["reason"], letter["detail"])
            assert letter["detail"]
        originals = {p: v for (t, k, v, r), p in zip(bad, [p for p in sent if sent[p] != "late"])}
        assert all(found[p]["value_bytes"] == v for p, v in originals.items()), "original bytes preserved"
        metrics = worker.get("/metrics").text
        assert 'churnwatch_dead_letters_total{reason="oversized"} 1.0' in metrics
        assert 'churnwatch_dead_letters_total{reason="late"} 1.0' in metrics
        late_letter = next(letter for letter in found.values() if letter["reason"] == "late")
        assert "2024-04-01T00:00:00Z" in late_letter["detail"] and "2024-06-01T00:00:00Z" in late_letter["detail"]
        explained = [line for line in worker.notable_log_lines() if "dead-lettered as late" in line]
        assert len(explained) == 1 and "gate: watermark 2024-06-01T00:00:00Z" in explained[0] \
            and "'orders': {'position'" in explained[0], worker.notable_log_lines()
    finally:
        worker.stop()


def _read_all(bootstrap: str, topic: str, partitions: int, expected: int, timeout: float = 30.0) -> list[dict]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
    consumer.seek_to_beginning()
    letters, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and len(letters) < expected:
        for batch in consumer.poll(timeout_ms=500).values():
            letters.extend(parse_dead_letter(m.value) for m in batch)
    for batch in consumer.poll(timeout_ms=1000).values():
        letters.extend(parse_dead_letter(m.value) for m in batch)
    consumer.close()
    return letters


POISON = {  # input topic -> (poison value, expected reason)
    "orders": (b'{"event_id": "x", ', "malformed_json"),
    "payments": (b"\xff\xfe not json", "malformed_json"),
    "complaints": (b"", "empty_value"),
    "customers": (None, "empty_value"),
}


@pytest.mark.timeout(300)
def test_poison_on_every_input_topic_at_high_rate(test_stack, tmp_path):
    """Poison on all four input topics at once, interleaved with valid orders and produced as
    fast as the client can: every poison message in the DLQ (by topic and reason), every valid
    order applied, the worker alive."""
    settings = isolated_settings()
    ensure_topics(settings)
    rounds, customers = 1500, 300
    valid = [_order(f"P{i % customers:03d}", i // customers, f"2024-01-0{1 + i // customers}T10:00:00Z")
             for i in range(rounds)]
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        producer = KafkaProducer(bootstrap_servers=settings.kafka, acks="all", linger_ms=20)
        started = time.monotonic()
        for order in valid:
            for topic, (value, _) in POISON.items():
                producer.send(settings.topic_prefix + topic, key=order["customer_id"].encode(), value=value)
            producer.send(settings.orders_topic, key=order["customer_id"].encode(), value=json.dumps(order).encode())
        producer.flush()
        producer.close()
        offered = len(valid) * (len(POISON) + 1) / (time.monotonic() - started)

        wait_until(lambda: worker.metric("churnwatch_events_total") >= len(valid) * (len(POISON) + 1), timeout=180,
                   what=f"all {len(valid) * (len(POISON) + 1)} records handled (offered at {offered:,.0f}/s)")
        assert worker.proc.poll() is None, "the worker must survive the poison"
        letters = _read_all(settings.kafka, settings.dlq_topic, settings.partitions, expected=rounds * len(POISON))
        by_topic: dict[str, set[str]] = {}
        counts: dict[str, int] = {}
        for letter in letters:
            topic = letter["source"]["topic"].removeprefix(settings.topic_prefix)
            by_topic.setdefault(topic, set()).add(letter["reason"])
            counts[topic] = counts.get(topic, 0) + 1
        assert counts == {topic: rounds for topic in POISON}
        assert by_topic == {topic: {reason} for topic, (_, reason) in POISON.items()}
        assert worker.processed() == rounds
        for c in (0, 150, 299):
            card = worker.get(f"/customers/P{c:03d}").json()
            assert card["lifetime"]["orders"] == rounds // customers
    finally:
        worker.stop()
