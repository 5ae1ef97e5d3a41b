"""What a bench run may leave behind on the shared test stack: nothing of its namespace."""

from __future__ import annotations

import redis
from kafka import KafkaAdminClient

from streams.settings import Settings


def assert_nothing_left(settings: Settings, namespace: str) -> None:
    """No topic and no Redis key of the run's namespace is left."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka)
    try:
        assert not [t for t in admin.list_topics() if t.startswith(namespace)]
    finally:
        admin.close()
    assert not list(redis.Redis.from_url(settings.redis).scan_iter(match=f"{namespace}*"))
