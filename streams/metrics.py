"""churnwatch's Prometheus metrics: one registry per app, bounded labels only.

Why a registry per app (not the global default): tests build several apps in one process and
a worker can be rebuilt after a restart; a private `CollectorRegistry` makes both safe from
"Duplicated timeseries" errors. Labels are small closed sets (topic, outcome, reason, kind,
severity, tier): never a customer id, manager name or amount.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        )
