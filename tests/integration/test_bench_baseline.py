"""The bench's baseline consumer on the real broker: it reads every record of the topic in each
pass, keeps one entry per customer, and reports the median pass's rate."""

from __future__ import annotations

import uuid

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from churnwatch.bench.baseline import MAX_PASSES, MIN_PASSES, MIN_SECONDS, run_baseline
from tests.stack_fixtures import isolated_settings

pytestmark = [pytest.mark.integration]


@pytest.mark.timeout(120)
def test_the_baseline_reads_every_record_in_each_pass_and_reports_the_median_pass(test_stack):
    settings = isolated_settings()
    topic = f"baseline-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    try:
        producer = KafkaProducer(bootstrap_servers=settings.kafka, acks="all")
        for n in range(3000):
            customer = f"C{n % 70}"
            producer.send(topic, key=customer.encode(), value=orjson.dumps({"customer_id": customer, "amount": 1.5}))
        producer.flush(timeout=60)
        producer.close()
        result = run_baseline(settings.kafka, topic, 3, 3000, timeout=90)
    finally:
        admin.delete_topics([topic])
        admin.close()
    assert result.passes >= MIN_PASSES and (result.seconds >= MIN_SECONDS or result.passes == MAX_PASSES)
    assert result.events == 3000 * result.passes and result.customers == 70
    slowest, fastest = max(result.pass_seconds), min(result.pass_seconds)
    assert 3000 / slowest <= result.events_per_s <= 3000 / fastest
