"""Follow a whole topic on every worker: no consumer group, every partition, oldest message first.

Why: some views must be the same on every worker although each worker owns only some
partitions (the population summaries, the alert book). A plain aiokafka consumer without a
group reads everything; it runs as a Faust task until the worker stops (cancellation).
"""

from __future__ import annotations

from typing import Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from streams.kafka_security import client_options
from streams.settings import Settings


async def follow_topic(settings: Settings, topic: str, handle: Callable[[ConsumerRecord], None]) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka, enable_auto_commit=False,
                                auto_offset_reset="earliest", group_id=None, **client_options(settings))
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for messages in batches.values():
                for message in messages:
                    if message.value is not None:
                        handle(message)
    finally:
        await consumer.stop()
