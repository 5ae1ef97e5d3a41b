"""The tools' producer picks the same partition as kafka-python's default (and so as Faust)."""

from __future__ import annotations

from kafka.partitioner.default import DefaultPartitioner

from churnwatch.producer import KeyHashCachingPartitioner


class Metadata:
    """The two questions a partitioner asks the cluster metadata, for a 6-partition topic."""

    def topics(self) -> set[str]:
        return {"orders"}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return set(range(6)) if topic == "orders" else None

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(6))


def test_cached_partitioner_agrees_with_the_default() -> None:
    cached, default, metadata = KeyHashCachingPartitioner(cache_size=8), DefaultPartitioner(), Metadata()
    keys = [f"C{i:05d}".encode() for i in range(500)] + ["客户-7".encode(), b""]
    for key in keys + keys:  # the second pass is served from the cache (and evicts it)
        assert cached.partition("orders", None, key, None, None, metadata) == \
            default.partition("orders", None, key, None, None, metadata)
    assert len({cached.partition("orders", None, key, None, None, metadata) for key in keys}) == 6
