"""`churnwatch bench-ab` on the real broker: the two installs' workers take turns over the same
pre-produced orders, each pass handles all of them, and the run leaves no topic behind."""

from __future__ import annotations

import sys

import pytest
from kafka import KafkaAdminClient

from churnwatch.bench.ab import run_ab, summary
from churnwatch.bench.run import BenchParams
from tests.stack_fixtures import isolated_settings

pytestmark = [pytest.mark.integration]


def _bench_topics(kafka: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        return {topic for topic in admin.list_topics() if topic.startswith("bench-")}
    finally:
        admin.close()


@pytest.mark.timeout(300)
def test_each_install_handles_every_order_in_alternating_turns(test_stack):
    settings = isolated_settings()
    before = _bench_topics(settings.kafka)
    lines: list[str] = []

    # The other install is this one: what is checked is the turns, the timing and the clean-up.
    rates = run_ab(BenchParams(orders=1000, customers=40, partitions=3, workers=1), settings, sys.executable, 2,
                   lines.append)

    turns = [line.split(":")[0] for line in lines if line.startswith("round")]
    assert turns == ["round 1, this", "round 1, other", "round 2, other", "round 2, this"]
    assert {install: len(values) for install, values in rates.items()} == {"this": 2, "other": 2}
    assert all(events_per_s > 0 for values in rates.values() for events_per_s in values)
    assert summary(rates).startswith("median events/s: this ")
    assert _bench_topics(settings.kafka) <= before, "the run's topics are deleted"
