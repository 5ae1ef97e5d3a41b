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
from streams.state_writer import PAUSE_EVERY, StateWriter


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


def _staged_writer(app: faust.App) -> tuple[StateWriter, RecordingProducer]:
    producer = app.producer = RecordingProducer()
    return StateWriter(app.churnwatch.state, encode, lambda error: None), producer


async def _flush(app: faust.App, writer: StateWriter, between_chunks=None) -> int:
    """What the worker's `write_staged` does; `between_chunks()` (awaited) is what runs in
    between (batches, other flushes)."""
    written = 0
    for partition, chunk in writer.unsent_chunks():
        message = Message("orders", partition, 0, 0.0, 0, None, b"k", b"v", None, tp=TP("orders", partition))
        with event_context(faust.Event(app, b"k", b"v", None, message)):
            written += await writer.write_unsent(partition, chunk)
        if between_chunks is not None:
            await between_chunks()
    return written


def _write_staged(app: faust.App, writer: StateWriter, between_chunks=None) -> int:
    return asyncio.run(_flush(app, writer, between_chunks))


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_staged_states_are_served_at_once_and_written_once_each_at_the_flush(tmp_path, store):
    """A customer staged by several batches before a commit reaches the changelog once, with
    its newest state; until then lookups get the staged state (rocksdb has not got it yet)."""
    app = create_app(Settings(data_dir=tmp_path, store=store))
    table = app.churnwatch.state
    writer, producer = _staged_writer(app)
    first, newer = _state("C1", 1), _state("C1", 2)
    writer.stage(3, [("C1", first), ("C2", _state("C2", 5))])
    writer.stage(3, [("C1", newer)])
    writer.stage(4, [("C3", _state("C3", 7))])

    assert producer.sent == [] and writer.unsent_count == 3
    assert writer.unsent_state("C1") is newer and writer.unsent_state("C9") is None
    assert ("C1" in table.data) == (store == "memory://"), "only the memory store holds it before the write"

    assert _write_staged(app, writer) == 3
    assert sorted((key, partition) for _, key, _, partition in producer.sent) == [(b"C1", 3), (b"C2", 3), (b"C3", 4)]
    assert _sent_value(producer, b"C1") == encode(newer)
    assert writer.unsent_count == 0 and writer.unsent_state("C1") is None
    assert table.data["C1"].orders == 2


def _sent_value(producer: RecordingProducer, key: bytes) -> bytes:
    return next(value for _, k, value, _ in producer.sent if k == key)


def test_a_state_staged_again_between_the_chunks_is_written_as_it_is_then():
    """Batches run between a flush's chunks: a later chunk writes the state staged for each of
    its customers when it runs, not the one staged when the chunks were listed."""
    app = create_app(Settings(store="memory://"))
    writer, producer = _staged_writer(app)
    writer.stage(0, [(f"C{n}", _state(f"C{n}", n)) for n in range(PAUSE_EVERY + 1)])  # two chunks
    last = f"C{PAUSE_EVERY}"  # in the second chunk
    restaged = _state(last, 99)
    assert [len(chunk) for _, chunk in writer.unsent_chunks()] == [PAUSE_EVERY, 1]
    batches = [lambda: writer.stage(0, [(last, restaged)])]

    async def a_batch_runs() -> None:
        if batches:
            batches.pop()()

    _write_staged(app, writer, between_chunks=a_batch_runs)

    assert len(producer.sent) == PAUSE_EVERY + 1
    assert _sent_value(producer, last.encode()) == encode(restaged)
    assert writer.unsent_count == 0


def test_a_chunk_never_writes_an_older_state_over_one_written_in_between():
    """Between two chunks of one flush, another flush (a rebuild's, a full batch's) wrote a
    customer of the second chunk, and a batch changed it and had it written again. The first
    flush's second chunk must not then write the state it listed: that older state, last in the
    changelog, lost the batch's events, whose offsets were committed."""
    app = create_app(Settings(store="memory://"))
    writer, producer = _staged_writer(app)
    writer.stage(0, [(f"C{n}", _state(f"C{n}", n)) for n in range(PAUSE_EVERY + 1)])  # two chunks
    last = f"C{PAUSE_EVERY}"
    newest = _state(last, 99)
    interleaved = [True]

    async def another_flush_and_a_batch() -> None:
        if interleaved:
            interleaved.pop()
            await _flush(app, writer)
            writer.stage(0, [(last, newest)])
            await _flush(app, writer)

    _write_staged(app, writer, between_chunks=another_flush_and_a_batch)

    sent_last = [value for _, key, value, _ in producer.sent if key == last.encode()]
    assert sent_last[-1] == encode(newest), "an older state was written after the newest"
    assert len(sent_last) == 2 and writer.unsent_count == 0


def test_dropping_the_staged_states_of_revoked_partitions():
    app = create_app(Settings(store="memory://"))
    writer, _ = _staged_writer(app)
    writer.stage(1, [("A", _state("A", 1)), ("B", _state("B", 1))])
    writer.stage(2, [("C", _state("C", 1))])
    assert writer.unsent_partitions() == {1, 2}
    assert writer.drop_unsent({1}) == 2 and writer.drop_unsent(()) == 0
    assert writer.unsent_partitions() == {2} and writer.unsent_state("C") is not None
