"""A long stream for a fixed set of customers: the worker's memory and Redis stay flat.

Six years of history for 200 customers (about 70,000 events) go through one worker. Per
customer, the state keeps a bounded window (`max_periods` months of aggregates, de-duplication
ids of the lateness window), so once every customer exists, more events must not mean more
memory: the worker's RSS after the last event is compared with its RSS at 40% of the stream,
and Redis holds one card per customer however many times each card was rewritten.
"""

from __future__ import annotations

from datetime import date

import pytest
import redis

from churnwatch.bench.measure import rss_bytes
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import SimulationSpec
from streams.topics import ensure_topics
from tests.integration.card_truth import produce_simulation
from tests.stack_fixtures import isolated_settings, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GROWTH_ALLOWED = 40 * 2**20
"""A leak of 1 KB per event would add about 40 MB between the two samples."""


@pytest.mark.timeout(900)
def test_memory_and_redis_stay_flat_over_a_long_stream(test_stack, tmp_path):
    spec = SimulationSpec(customers=200, months=72, seed=31, start=date(2019, 1, 1))
    settings = isolated_settings()
    ensure_topics(settings)
    produce_simulation(spec, settings)
    total = sum(1 for _ in simulate(spec))
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready(timeout=180)
        wait_until(lambda: worker.processed() >= total * 0.4, timeout=600, interval=0.2, what="40% of the stream")
        early = rss_bytes(worker.proc.pid)
        wait_until(lambda: worker.processed() >= total, timeout=600, interval=0.5, what="the whole stream")
        late = rss_bytes(worker.proc.pid)
        print(f"\n{total} events; RSS at 40%: {early / 2**20:.0f} MiB, at the end: {late / 2**20:.0f} MiB")
        assert late - early < GROWTH_ALLOWED, f"RSS grew by {(late - early) / 2**20:.0f} MiB over 60% of the stream"
        client = redis.Redis.from_url(settings.redis)
        wait_until(lambda: len(client.keys(f"{settings.app_id}:card:*")) == spec.customers, timeout=30,
                   what="one card key per customer in Redis")
        assert worker.dead_letters() == 0
    finally:
        worker.stop()
