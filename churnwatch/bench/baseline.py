"""The baseline: the least a Python Kafka consumer must do with the same orders.

A plain aiokafka consumer (no group, every partition assigned, from the beginning) that decodes
each value with orjson and keeps ``[orders, amount]`` per customer in a dict. No validation,
no state beyond two numbers, no changelog, no output: the ratio churnwatch/baseline says what
the pipeline's work costs on top of reading Kafka from Python on this machine.

Each pass is timed from the seek to the beginning to the last record, so fetching is included
(the connection set-up before it is not). A pass over the default 100,000 orders takes about a
second, and single passes read anywhere from 58,000 to 167,000 events/s on this machine kind
(the first one also warms the broker's caches). So at least ``MIN_PASSES`` passes and
``MIN_SECONDS`` are measured, and the figure is the median pass's rate.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

MIN_PASSES = 3
MIN_SECONDS = 3.0
MAX_PASSES = 20


@dataclass(frozen=True)
class BaselineResult:
    events: int
    """Records read over all passes."""
    pass_seconds: tuple[float, ...]
    """Duration of each pass, in order."""
    customers: int

    @property
    def passes(self) -> int:
        return len(self.pass_seconds)

    @property
    def seconds(self) -> float:
        return sum(self.pass_seconds)

    @property
    def events_per_s(self) -> float:
        """The median pass's rate: robust to a cold first pass and to a pass the machine slowed."""
        return self.events / self.passes / statistics.median(self.pass_seconds)


async def _one_pass(consumer: AIOKafkaConsumer, assigned: list[TopicPartition], expected: int,
                    deadline: float) -> tuple[float, dict[str, list]]:
    await consumer.seek_to_beginning(*assigned)
    started = time.monotonic()
    per_customer: dict[str, list] = {}
    seen = 0
    while seen < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"baseline read {seen} of {expected} records before its deadline")
        batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
        for records in batches.values():
            for record in records:
                event = orjson.loads(record.value)
                totals = per_customer.get(event["customer_id"])
                if totals is None:
                    totals = per_customer[event["customer_id"]] = [0, 0.0]
                totals[0] += 1
                totals[1] += event["amount"]
            seen += len(records)
    return time.monotonic() - started, per_customer


async def _consume(bootstrap: str, topic: str, partitions: int, expected: int, timeout: float) -> BaselineResult:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        deadline = time.monotonic() + timeout
        durations: list[float] = []
        customers = 0
        while len(durations) < MAX_PASSES and (len(durations) < MIN_PASSES or sum(durations) < MIN_SECONDS):
            elapsed, per_customer = await _one_pass(consumer, assigned, expected, deadline)
            durations.append(elapsed)
            customers = len(per_customer)
    finally:
        await consumer.stop()
    return BaselineResult(expected * len(durations), tuple(durations), customers)


def run_baseline(bootstrap: str, topic: str, partitions: int, expected: int,
                 timeout: float = 300.0) -> BaselineResult:
    """Read the ``expected`` records of ``topic`` (partitions 0 to ``partitions`` - 1); see the module docstring."""
    return asyncio.run(_consume(bootstrap, topic, partitions, expected, timeout))
