"""`observe_all`: a batch's latencies into a histogram at once, exactly as `observe` one by one."""

from __future__ import annotations

import random

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from streams.metrics import LATENCY_BUCKETS, observe_all


def _exposed(registry: CollectorRegistry) -> list[str]:
    """The exposition without its `_created` line (the time each histogram was made)."""
    return [line for line in generate_latest(registry).decode().splitlines() if "_created" not in line]


def _histogram() -> tuple[CollectorRegistry, Histogram]:
    registry = CollectorRegistry()
    return registry, Histogram("latency_seconds", "test", buckets=LATENCY_BUCKETS, registry=registry)


def test_the_exposition_equals_that_of_observing_one_by_one():
    rng = random.Random(3)
    bounds = [b for b in LATENCY_BUCKETS]
    amounts = [rng.choice(bounds) for _ in range(200)] + [rng.uniform(0, 20) for _ in range(2000)] + [0.0, 1e9]
    (one_by_one, single), (batched, many) = _histogram(), _histogram()
    for amount in amounts:
        single.observe(amount)
    observe_all(many, amounts[:1000])
    observe_all(many, amounts[1000:])
    assert _exposed(batched) == _exposed(one_by_one)
    assert 'latency_seconds_count 2202.0' in _exposed(batched)


def test_nothing_observed_leaves_the_histogram_as_it_was():
    registry, histogram = _histogram()
    before = _exposed(registry)
    observe_all(histogram, [])
    assert _exposed(registry) == before
