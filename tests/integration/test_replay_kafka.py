"""Replay into the real local broker and read back exactly the valid events (own topic per run)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from churnwatch.replay.command import replay_command
from churnwatch.replay.pipeline import Accepted, Replay
from streams.codec import decode
from tests.stack_fixtures import TEST_KAFKA
from tests.unit.replay.conftest import broken_payments, write  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.integration
BROKER = TEST_KAFKA


@pytest.fixture
def topic_prefix(test_stack):
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    yield prefix
    admin = KafkaAdminClient(bootstrap_servers=BROKER)
    try:
        admin.delete_topics([name for name in admin.list_topics() if name.startswith(prefix)])
    finally:
        admin.close()


def consume(topic: str, partitions: int, expected: int, timeout: float = 30.0) -> list:
    consumer = KafkaConsumer(bootstrap_servers=BROKER, group_id=None, enable_auto_commit=False)
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        consumer.seek_to_beginning()
        records, deadline = [], time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        # One more poll: anything beyond the expected count would be a duplicate or a leak.
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(batch)
        return records
    finally:
        consumer.close()


def test_replay_produces_exactly_the_valid_rows(topic_prefix: str, write, broken_payments, tmp_path: Path) -> None:
    text, expected_rejects = broken_payments
    path = write("payments.csv", text)
    result = CliRunner().invoke(replay_command, [
        str(path), "--topic", "payments", "--bootstrap", BROKER, "--topic-prefix", topic_prefix, "--partitions", "2"])
    assert result.exit_code == 2, result.output  # rows were rejected, nothing failed to produce
    assert "events produced:  3" in result.output and f"rows rejected:    {len(expected_rejects)} " in result.output
    expected = [r for r in Replay(path, "payments").outcomes() if isinstance(r, Accepted)]

    records = consume(topic_prefix + "payments", 2, len(expected))

    assert sorted((r.key, r.value) for r in records) == sorted((a.key.encode(), a.value) for a in expected)
    by_key = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key[record.key].append(decode("payments", record.key, record.value, now_ms=int(time.time() * 1000)))
    assert by_key[b"C1"] == [a.event for a in expected if a.key == "C1"]  # a customer's order is kept
