"""The baseline: the least a Python Kafka consumer must do with the same orders.

A plain aiokafka consumer (no group, every partition assigned, from the beginning) that decodes
each value with orjson and keeps ``[orders, amount]`` per customer in a dict. No validation,
no state beyond two numbers, no changelog, no output: the ratio churnwatch/baseline says what
the pipeline's work costs on top of reading Kafka from Python on this machine.

Timed from the first record received to the last (connection and metadata set-up excluded),
like the worker, which is timed from its first processed event.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition


@dataclass(frozen=True)
class BaselineResult:
    events: int
    seconds: float
    customers: int
    amount: float


async def _consume(bootstrap: str, topic: str, partitions: int, expected: int, timeout: float) -> BaselineResult:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        per_customer: dict[str, list] = {}
        seen = 0
        first: float | None = None
        deadline = time.monotonic() + timeout
        while seen < expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"baseline read {seen} of {expected} records in {timeout:.0f} s")
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for records in batches.values():
                if first is None and records:
                    first = time.monotonic()
                for record in records:
                    event = orjson.loads(record.value)
                    totals = per_customer.get(event["customer_id"])
                    if totals is None:
                        totals = per_customer[event["customer_id"]] = [0, 0.0]
                    totals[0] += 1
                    totals[1] += event["amount"]
                seen += len(records)
        last = time.monotonic()
    finally:
        await consumer.stop()
    return BaselineResult(seen, last - (first or last), len(per_customer),
                          sum(amount for _, amount in per_customer.values()))


def run_baseline(bootstrap: str, topic: str, partitions: int, expected: int,
                 timeout: float = 300.0) -> BaselineResult:
    """Read ``expected`` records of ``topic`` (partitions 0 to ``partitions`` - 1) from the beginning."""
    return asyncio.run(_consume(bootstrap, topic, partitions, expected, timeout))
