"""The Kafka topics churnwatch reads and writes, and their creation.

Why create topics ourselves: Faust only creates its internal topics (changelogs). The input
topics must exist with the *same* partition count before the worker starts, because the
customer agent relies on co-partitioning: partition p of every input topic, of the tick topic
and of the state changelog all hold the same customers (murmur2 of the raw customer id).
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.kafka_security import client_options
from streams.settings import Settings


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str]


def topic_specs(settings: Settings) -> list[TopicSpec]:
    n = settings.partitions
    compacted = {"cleanup.policy": "compact"}
    return [
        TopicSpec(settings.orders_topic, n, {}),
        TopicSpec(settings.payments_topic, n, {}),
        TopicSpec(settings.complaints_topic, n, {}),
        TopicSpec(settings.customers_topic, n, compacted),
        TopicSpec(settings.ticks_topic, n, {"retention.ms": str(3600_000)}),
        TopicSpec(settings.alerts_topic, n, {}),
        TopicSpec(settings.cards_topic, n, compacted),
        TopicSpec(settings.dlq_topic, n, {}),
        TopicSpec(settings.population_topic, 1, compacted),
    ]


class TopicLayoutError(RuntimeError):
    """An existing topic has a partition count that breaks co-partitioning."""


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create missing topics; verify the partition counts of existing ones. Returns created names."""
    specs = topic_specs(settings) if specs is None else specs
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka, client_id="churnwatch-admin",
                             **client_options(settings))
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            try:
                admin.create_topics(
                    [NewTopic(s.name, s.partitions, settings.replication, topic_configs=s.config) for s in missing],
                    validate_only=False,
                )
            except TopicAlreadyExistsError:
                pass
        described = {d.get("name", d.get("topic")): len(d["partitions"])
                     for d in admin.describe_topics([s.name for s in specs]) if not d.get("error_code")}
    finally:
        admin.close()
    wrong = [f"{s.name} has {described.get(s.name)} partitions, expected {s.partitions}"
             for s in specs if described.get(s.name) not in (None, s.partitions)]
    if wrong:
        raise TopicLayoutError(
            "topics are not co-partitioned: " + "; ".join(wrong)
            + " (set CHURNWATCH_PARTITIONS to the existing count, or recreate the topics)"
        )
    return [s.name for s in missing]
