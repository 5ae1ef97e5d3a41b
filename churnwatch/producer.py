"""A small kafka-python producer for the CLI tools (simulate, replay).

Why not fire-and-forget: a tool that imports history must say how many events reached Kafka.
The producer waits for all in-sync replicas (``acks=all``, idempotent, so retries neither
duplicate nor reorder a customer's events), batches with a short linger for throughput, and
collects every delivery error instead of raising from the I/O thread; ``flush()`` makes the
collected failures final.

Keys are the raw UTF-8 customer id: that is what the Faust worker expects (``key_serializer
="raw"``) and what makes the default murmur2 partitioner co-partition all input topics.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from threading import Lock
from types import TracebackType
from typing import Callable, Collection, Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import DefaultPartitioner, murmur2

from agents.core.events import Event, Profile
from agents.core.timeutil import DAY_MS
from streams.kafka_security import client_options
from streams.settings import Settings
from streams.topics import TopicLayoutError, TopicSpec
from streams.topics import ensure_topics as ensure_topic_specs


class KeyHashCachingPartitioner(DefaultPartitioner):
    """kafka-python's default partitioner with the murmur2 hash of each key memoised.

    Same partition as the default (and as Java clients and Faust): ``(murmur2(key) & 0x7fffffff)
    % partitions``. A history holds a few thousand customers but hundreds of thousands of
    events, and the pure-Python hash was a fifth of the cost of ``send``.
    """

    def __init__(self, cache_size: int = 1 << 16) -> None:
        self._hash = functools.lru_cache(maxsize=cache_size)(murmur2)

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):  # type: ignore[no-untyped-def]
        known = cluster.partitions_for_topic(topic)
        if serialized_key is None or not known:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        partitions = sorted(known)
        return partitions[(self._hash(serialized_key) & 0x7FFFFFFF) % len(partitions)]


@dataclass(frozen=True, slots=True)
class ProduceFailure:
    topic: str
    key: str
    error: str


class EventProducer:
    """Send ``(topic, customer_id, value bytes)``; count what was sent and what failed."""

    def __init__(self, bootstrap: str, *, linger_ms: int = 50, batch_size: int = 512 * 1024,
                 client_id: str = "churnwatch-tools") -> None:
        """Authentication and TLS come from the CHURNWATCH_KAFKA_SECURITY_* settings."""
        self._producer = KafkaProducer(
            bootstrap_servers=[server.strip() for server in bootstrap.split(",")],
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            batch_size=batch_size,
            partitioner=KeyHashCachingPartitioner(),
            **client_options(Settings.from_env()),
        )
        self.sent = 0
        self._failures: list[ProduceFailure] = []
        self._lock = Lock()

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Queue one message; a failure (now or at delivery) is recorded, never raised."""
        self.sent += 1
        try:
            future = self._producer.send(topic, key=key.encode("utf-8"), value=value)
        except KafkaError as error:
            self._record(topic, key, error)
            return
        future.add_errback(self._record, topic, key)

    def _record(self, topic: str, key: str, error: BaseException) -> None:
        with self._lock:
            self._failures.append(ProduceFailure(topic, key, f"{type(error).__name__}: {error}"))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued is acknowledged or has failed."""
        self._producer.flush(timeout=timeout)

    @property
    def failures(self) -> list[ProduceFailure]:
        with self._lock:
            return list(self._failures)

    @property
    def delivered(self) -> int:
        """Messages acknowledged by the broker; exact after ``flush()``."""
        return self.sent - len(self.failures)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._producer.close()

    def __enter__(self) -> "EventProducer":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int, *,
                  compacted: Collection[str] = ()) -> list[str]:
    """Create the missing topics among ``names`` with ``partitions`` partitions; return the created ones.

    Existing topics are checked, not altered: a partition count that differs raises
    ``streams.topics.TopicLayoutError``, because co-partitioning by customer is what the worker
    relies on. Names in ``compacted`` get ``cleanup.policy=compact`` (the ``customers`` topic).
    """
    specs = [
        TopicSpec(name, partitions, {"cleanup.policy": "compact"} if name in compacted else {})
        for name in names
    ]
    return ensure_topic_specs(Settings.from_env().with_overrides(kafka=bootstrap, partitions=partitions), specs)


def default_bootstrap() -> str:
    """``CHURNWATCH_KAFKA`` if set, else the local stack's broker."""
    return os.environ.get("CHURNWATCH_KAFKA") or Settings.kafka


class DayByDay:
    """Call `before(event)` ahead of each send: the first event of a new event-time day first
    waits (`flush`) until every earlier day is in Kafka.

    Why: Kafka keeps no order across topics, and a producer's batches for orders and payments
    reach the log at different moments. A worker reading while a history is produced must find
    a day's payments in the log once it sees the next day's orders (see agents/core/gate.py).
    Cost: one flush per simulated day."""

    def __init__(self, flush: Callable[[], object]) -> None:
        self._flush = flush
        self._day: int | None = None

    def before(self, event: Event) -> None:
        if isinstance(event, Profile):
            return
        day = event.occurred_ms // DAY_MS
        if day != self._day:
            self._flush()
            self._day = day


class ProducerSetupError(RuntimeError):
    """Kafka cannot be reached, or its topics do not fit (the message says which)."""


def open_producer(bootstrap: str, topics: Iterable[str], partitions: int, *,
                  compacted: Collection[str] = ()) -> EventProducer:
    """Make sure ``topics`` exist (see ``ensure_topics``) and return a producer for them."""
    try:
        ensure_topics(bootstrap, topics, partitions, compacted=compacted)
        return EventProducer(bootstrap)
    except (KafkaError, TopicLayoutError) as error:
        raise ProducerSetupError(f"Kafka at {bootstrap}: {type(error).__name__}: {error}") from None
