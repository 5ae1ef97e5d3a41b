"""churnwatch's Prometheus metrics: one registry per app, bounded labels only.

Why a registry per app (not the global default): tests build several apps in one process and
a worker can be rebuilt after a restart; a private `CollectorRegistry` makes both safe from
"Duplicated timeseries" errors. Labels are small closed sets (topic, outcome, reason, kind,
severity, tier): never a customer id, manager name or amount.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable

from prometheus_client import GC_COLLECTOR, PROCESS_COLLECTOR, CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    events: Counter
    dead_letters: Counter
    batch_latency: Histogram
    event_latency: Histogram
    apply_latency: Histogram
    event_time_lag: Histogram
    alerts: Counter
    open_alerts: Gauge
    customers_by_tier: Gauge
    redis_errors: Counter
    redis_write_seconds: Histogram
    redis_pending: Gauge
    population_age: Gauge
    consumer_lag: Gauge
    cards_published: Counter
    state_writes: Counter
    unsent_states: Gauge

    @classmethod
    def create(cls) -> "Metrics":
        r = CollectorRegistry(auto_describe=True)
        # The process's memory and CPU (process_*) and Python's collections (python_gc_*): what
        # a sizing or a GC threshold change (CHURNWATCH_GC_THRESHOLD) is judged by.
        r.register(PROCESS_COLLECTOR)
        r.register(GC_COLLECTOR)
        return cls(
            registry=r,
            events=Counter("churnwatch_events", "Input events by topic and outcome "
                           "(processed, invalid, duplicate, late).", ["topic", "outcome"], registry=r),
            dead_letters=Counter("churnwatch_dead_letters", "Messages sent to the dead-letter topic, by reason.",
                                 ["reason"], registry=r),
            batch_latency=Histogram("churnwatch_batch_seconds", "Wall time to process one batch from the stream.",
                                    buckets=LATENCY_BUCKETS, registry=r),
            event_latency=Histogram("churnwatch_processing_latency_seconds",
                                    "From the record's Kafka timestamp to the end of its batch's processing.",
                                    buckets=LATENCY_BUCKETS, registry=r),
            apply_latency=Histogram("churnwatch_apply_latency_seconds",
                                    "From an order's, payment's or complaint's Kafka timestamp to the end of the "
                                    "batch that applied it to the customer's state (the event-time gate's hold "
                                    "included).", buckets=LATENCY_BUCKETS, registry=r),
            event_time_lag=Histogram("churnwatch_event_time_lag_seconds",
                                     "Wall clock minus the partition's event-time clock after each batch.",
                                     buckets=LAG_BUCKETS, registry=r),
            alerts=Counter("churnwatch_alerts", "Alert lifecycle events emitted, by kind, severity, tier and state.",
                           ["kind", "severity", "tier", "state"], registry=r),
            open_alerts=Gauge("churnwatch_open_alerts", "Alerts currently open or escalated, by kind.",
                              ["kind"], registry=r),
            customers_by_tier=Gauge("churnwatch_customers", "Customers owned by this worker, by tier.",
                                    ["tier"], registry=r),
            redis_errors=Counter("churnwatch_redis_errors", "Failed Redis writes (retried later).", registry=r),
            redis_write_seconds=Histogram("churnwatch_redis_write_seconds", "Latency of one Redis write batch.",
                                          buckets=LATENCY_BUCKETS, registry=r),
            redis_pending=Gauge("churnwatch_redis_pending_cards", "Cards waiting to be written to Redis.", registry=r),
            population_age=Gauge("churnwatch_population_threshold_age_seconds",
                                 "Age of the oldest per-partition summary behind the RFM/tier thresholds.",
                                 registry=r),
            consumer_lag=Gauge("churnwatch_consumer_lag", "Messages not yet consumed, by input topic.",
                               ["topic"], registry=r),
            cards_published=Counter("churnwatch_cards_published", "Cards sent to the customer-cards topic.",
                                    registry=r),
            state_writes=Counter("churnwatch_state_writes", "Customer states written to the table's changelog "
                                 "(each changed customer's newest state, before a commit).", registry=r),
            unsent_states=Gauge("churnwatch_unsent_states", "Changed customer states waiting for the write "
                                "before the next commit.", registry=r),
        )


def observe_all(histogram: Histogram, amounts: Iterable[float]) -> None:
    """`histogram.observe(amount)` for every amount, with one update per bucket.

    Why: the worker observes two latencies per event, 20,000 `observe` calls for a batch of
    10,000 (two locked updates each), 4% of a worker reading a backlog in a py-spy profile. This
    counts the amounts per bucket first. It uses prometheus_client's own bucket values, as
    `observe` does (`_upper_bounds`, `_buckets`, `_sum`; `tests/unit/test_metrics.py` checks
    that the exposition equals `observe`'s). Exemplars are not supported (churnwatch sets none)."""
    bounds = histogram._upper_bounds
    counts = [0] * len(bounds)
    total = 0.0
    for amount in amounts:
        counts[bisect_left(bounds, amount)] += 1  # the first bound >= amount, as `observe` picks
        total += amount
    if not any(counts):
        return
    histogram._sum.inc(total)
    for bucket, count in zip(histogram._buckets, counts):
        if count:
            bucket.inc(count)
