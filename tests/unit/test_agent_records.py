"""The batch handler takes aiokafka's records; Faust's messages and events are made from them only
where Faust needs one (the stock consumer's path, and the store's partition of a write)."""

from __future__ import annotations

import faust
from aiokafka.structs import ConsumerRecord
from faust.types import TP

from agents.customer_agent import as_consumer_record, faust_event


def test_a_faust_message_becomes_the_record_aiokafka_would_have_returned():
    record = ConsumerRecord("p-orders", 3, 41, 1_764_000_000_123, 0, b"C1", b"{}", None, 2, 2, [("h", b"v")])
    message = faust.types.Message(record.topic, record.partition, record.offset, record.timestamp / 1000,
                                  record.timestamp_type, record.headers, record.key, record.value, None,
                                  serialized_key_size=2, serialized_value_size=2, tp=TP("p-orders", 3))
    assert as_consumer_record(message) == record, "the millisecond timestamp survives the seconds float"


def test_the_event_of_a_record_carries_its_partition_for_the_store():
    app = faust.App("records-test", broker="memory://", store="memory://")
    record = ConsumerRecord("p-orders", 5, 7, 1_764_000_000_000, 0, b"C2", b"{}", None, 2, 2, [])
    event = faust_event(app, record)
    assert (event.message.tp, event.message.partition, event.message.offset, event.key) == (TP("p-orders", 5), 5, 7, b"C2")
