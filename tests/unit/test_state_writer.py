"""`StateWriter`: a batch's states into a real app's table store (memory and rocksdb) and one
changelog send each, on the source partition (no broker: a recording stand-in takes the sends;
the integration suite writes through the real Kafka producer, e.g. `test_worker_state.py`)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError
from faust.types import TP, Message

from agents.core.state import CustomerState
from agents.faust_context import event_context
from agents.state_codec import StateCodec, encode
from streams.app import create_app
from streams.settings import Settings
from streams.state_writer import StateWriter


class RecordingProducer:
    """Takes sends as Faust's producer does (an awaitable future per record) and acknowledges
    them with consecutive offsets per partition, or fails the ones whose key is in `failing`."""

    def __init__(self, failing: frozenset[bytes] = frozenset()) -> None:
        self.sent: list[tuple[str, bytes, bytes, int]] = []
        self.failing = failing

    async def send(self, topic, key, value, partition, timestamp, headers):
        offset = sum(1 for s in self.sent if s[3] == partition) + 100
        self.sent.append((topic, key, value, partition))
        future = asyncio.get_running_loop().create_future()
        if key in self.failing:
            future.set_exception(KafkaTimeoutError(f"no acknowledgement for {key!r}"))
        else:
            future.set_result(SimpleNamespace(offset=offset))
        return future


def _state(customer_id: str, orders: int) -> CustomerState:
    state = CustomerState(customer_id)
    state.orders = orders
    return state


def _write(app: faust.App, partition: int, states: list[tuple[str, CustomerState]],
           producer: RecordingProducer | None = None, failures: list | None = None) -> RecordingProducer:
    table = app.churnwatch.state
    producer = app.producer = producer or RecordingProducer()
    message = Message("orders", partition, 0, 0.0, 0, None, b"k", b"v", None, tp=TP("orders", partition))
    reported: list = [] if failures is None else failures

    async def write() -> int:
        with event_context(faust.Event(app, b"k", b"v", None, message)):
            written = await StateWriter(table, encode, reported.append).write(partition, states)
        await asyncio.sleep(0)  # the acknowledgement callbacks
        return written

    assert asyncio.run(write()) == len(states)
    if failures is None:
        assert reported == [], "no send fails here"
    return producer


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_each_state_is_stored_and_sent_once_to_its_source_partition(tmp_path, store):
    app = create_app(Settings(data_dir=tmp_path, store=store))
    table = app.churnwatch.state
    topic = table.changelog_topic.get_topic_name()
    states = [("C1", _state("C1", 1)), ("C2", _state("C2", 2)), ("C1", _state("C1", 3))]

    producer = _write(app, 4, states)

    assert producer.sent == [(topic, cid.encode(), StateCodec().dumps(state), 4) for cid, state in states]
    assert {cid: table.data[cid].orders for cid in ("C1", "C2")} == {"C1": 3, "C2": 2}
    assert app.monitor.messages_sent_by_topic[topic] == 3
    sent_counter = app.monitor._metrics.topic_messages_sent.labels(topic=f"topic.{topic}")
    assert sent_counter._value.get() == 3


def test_rocksdb_gets_the_changelog_bytes_and_the_last_acknowledged_offset(tmp_path):
    """The store holds what the changelog got (one encoding per state), and a restart reads the
    changelog from after the newest acknowledged record of the partition."""
    app = create_app(Settings(data_dir=tmp_path, store="rocksdb://"))
    table = app.churnwatch.state
    tp = TP(table.changelog_topic.get_topic_name(), 2)

    producer = _write(app, 2, [("C1", _state("C1", 1)), ("C2", _state("C2", 5))])

    assert table.data._dbs[2].get(b"C2") == producer.sent[-1][2]
    assert table.data.persisted_offset(tp) == 101


def test_a_send_that_fails_for_good_reports_the_failure():
    """The flush before a commit does not look at the sends' outcomes: without the report, the
    source offsets would be committed over a state that never reached the changelog."""
    app = create_app(Settings(store="memory://"))
    failures: list = []

    _write(app, 1, [("C1", _state("C1", 1)), ("C2", _state("C2", 2))],
           producer=RecordingProducer(failing=frozenset({b"C2"})), failures=failures)

    assert [str(error) for error in failures] == [str(KafkaTimeoutError("no acknowledgement for b'C2'"))]
