"""The app factory: `create_app(settings)` builds one isolated Faust app.

Why a factory and not a module-level app: tests build several apps (own topic prefix, own
ports, own consumer group) in one process, and the CLI builds one from the environment.
"""

from __future__ import annotations

import faust

from streams import kafka_security
from streams.batch_consumer import BatchingTransport
from streams.changelog_batch import BatchTableManager
from streams.settings import Settings


COMMIT_EVERY_RECORDS = 100_000
"""Faust also commits after this many acknowledged records: high enough that under a backlog
the commit interval decides (each commit writes every state changed since the last one)."""


def faust_app(settings: Settings) -> faust.App:
    """A Faust app whose conventions match churnwatch's producers.

    - keys are the raw UTF-8 customer id (`key_serializer="raw"`), exactly what kafka-python
      and aiokafka producers send, so Faust's murmur2 partitioner agrees with theirs;
    - values are raw bytes: decoding and validation are ours (`streams.codec`), because a bad
      message must go to the dead-letter topic, not crash a Faust deserializer;
    - the `/table`, `/router`, `/graph` and `/stats` debug endpoints are off;
    - the input topics are read in batches by `streams.batch_consumer` (Faust's per-record
      path costs more than churnwatch's whole domain step), and so are the changelog records
      of a recovery (`streams.changelog_batch`).
    """
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server.strip()}" for server in settings.kafka.split(",")],
        broker_credentials=kafka_security.faust_credentials(settings),
        store=settings.store,
        datadir=str(settings.data_dir),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        key_serializer="raw",
        value_serializer="raw",
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_enabled=True,
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        web_metrics_enabled=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger=0.02,
        producer_max_batch_size=256 * 1024,
        broker_commit_interval=settings.commit_interval,
        broker_commit_every=COMMIT_EVERY_RECORDS,
        broker_max_poll_records=settings.batch_size,
        table_standby_replicas=settings.standby_replicas,
        stream_buffer_maxsize=max(4096, settings.batch_size * 4),
        table_cleanup_interval=30.0,
        autodiscover=False,
        TableManager=BatchTableManager,
    )
    app.transport = BatchingTransport(app.conf.broker_consumer, app)
    return app


def create_app(settings: Settings) -> faust.App:
    """The whole churnwatch worker app: customer agent, its table and the HTTP views."""
    from agents.core.config import load_core_config
    from agents.core.rules.config import load_rules_config
    from agents.customer_agent import register_customer_agent
    from streams.faust_sensors import setup_prometheus_metrics
    from streams.metrics import Metrics
    from streams.ui.views import register_ui
    from streams.web import register_views

    app = faust_app(settings)
    core = load_core_config(settings.config_dir / "core.toml")
    rules = load_rules_config(settings.config_dir / "rules.toml")
    metrics = Metrics.create()
    setup_prometheus_metrics(app, metrics.registry)
    pipeline = register_customer_agent(app, settings, core, rules, metrics)
    register_views(app, pipeline)
    register_ui(app, pipeline)
    app.churnwatch = pipeline  # type: ignore[attr-defined]
    return app
