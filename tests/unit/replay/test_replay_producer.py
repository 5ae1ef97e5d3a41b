"""The tools' producer picks the same partition as kafka-python's default (and so as Faust), and
sends a history day by day."""

from __future__ import annotations

from kafka.partitioner.default import DefaultPartitioner

from agents.core.events import Order, OrderLine, Profile
from churnwatch.producer import DayByDay, KeyHashCachingPartitioner


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


def test_day_by_day_flushes_before_each_new_event_time_day_only():
    day = 86_400_000
    flushes: list[int] = []
    sent = 0
    gate = DayByDay(lambda: flushes.append(sent))
    events = [Profile("A", "A", "m", 30, True)] + [
        Order(f"o{n}", "A", f"o{n}", when, 1, 1, (OrderLine("s", "c", 1, 1),))
        for n, when in enumerate([day + 1, day + 5, 2 * day, 2 * day + 9, 5 * day])]
    for event in events:
        gate.before(event)
        sent += 1
    assert flushes == [1, 3, 5], "before the first event of days 1, 2 and 5; never for a profile"


def test_kafka_python_checksums_record_batches_in_c() -> None:
    """kafka-python computes each record batch's CRC-32C with the `crc32c` package when it is
    installed and byte by byte in Python otherwise: the bench's paced producer then took 90% of
    a core for 5,000 orders/s (61% with it), CPU taken from the worker it measures. The package
    comes with the `kafka-python[crc32c]` requirement; this fails if an install lost it."""
    from kafka.record import util

    assert util.crc32c_c is not None
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283  # the standard check value
