"""Remove what a bench run left on the stack: its topics and its Redis keys.

Everything a run creates is named under its namespace ``bench-<tag>-``: the topic prefix, the
app ids (so the changelog and Faust's internal topics too) and the customer ids (so the Redis
card and alert keys), which makes the clean-up a prefix match that cannot touch anything else.
"""

from __future__ import annotations

from kafka import KafkaAdminClient

"""`streams.redis_sink.RedisSink`'s default key prefix, which the worker uses."""


def delete_topics(bootstrap: str, namespace: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="churnwatch-bench-cleanup")
    try:
        doomed = sorted(t for t in admin.list_topics() if t.startswith(namespace))
        if doomed:
            admin.delete_topics(doomed, timeout_ms=30_000)
        return doomed
    finally:
        admin.close()


def delete_redis_keys(url: str, namespace: str) -> int:
    """Every Redis key of the run: the worker's keys start with its app id, which starts with
    the run's namespace (cards, alerts and the managers' inboxes alike)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        deleted = 0
        for start in range(0, len(keys), 1000):
            deleted += client.delete(*keys[start:start + 1000])
        return deleted
    finally:
        client.close()
