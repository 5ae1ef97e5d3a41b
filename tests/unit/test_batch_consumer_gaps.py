"""The batch consumer notices records its fetch loop skipped instead of taking them for a gap."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace

from faust.types import TP

from streams.batch_consumer import BatchingConsumer

ORDERS, PROFILES = TP("orders", 0), TP("customers", 0)


def _consumer(committed: int) -> BatchingConsumer:
    consumer = object.__new__(BatchingConsumer)  # only the bookkeeping is exercised, no broker
    consumer.app = SimpleNamespace(consumer_generation_id=4)
    consumer._batch_topics = frozenset({"orders", "customers"})
    consumer._contiguous_topics = frozenset({"orders"})
    consumer._confirmed_gaps = {}
    consumer._committed_offset = {ORDERS: committed, PROFILES: committed}
    consumer._delivered, consumer._delivered_generation = None, None
    return consumer


def test_a_jump_past_the_committed_offset_is_read_again_once_and_then_taken_for_a_gap():
    consumer = _consumer(committed=5414)
    assert consumer._skipped_to(ORDERS, 6059, {}) == 5414, "the dropped records are sought back"
    assert consumer._skipped_to(ORDERS, 6059, {}) is None, "the same jump again: a real gap"
    assert consumer._skipped_to(ORDERS, 5414, {}) is None


def test_contiguous_records_and_compacted_topics_pass():
    consumer = _consumer(committed=10)
    assert consumer._skipped_to(ORDERS, 11, {ORDERS: 10}) is None
    assert consumer._skipped_to(ORDERS, 13, {ORDERS: 10}) == 11
    assert consumer._skipped_to(PROFILES, 500, {}) is None, "compaction leaves gaps by design"


def test_what_was_handed_out_in_this_generation_sets_the_next_offset_expected():
    consumer = _consumer(committed=10)
    consumer._delivered, consumer._delivered_generation = {ORDERS: 20}, 4
    assert consumer._skipped_to(ORDERS, 21, {}) is None
    assert consumer._skipped_to(ORDERS, 30, {}) == 21
    consumer._delivered_generation = 3  # a rebalance since: the committed offset counts again
    assert consumer._skipped_to(ORDERS, 11, {}) == 10


class _OneFetch(BatchingConsumer):
    """`_read_one_fetch` over a scripted fetch; the batch handed on is kept, not handled."""

    should_stop, flow_active = False, True

    def __init__(self, fetch):
        self.app = SimpleNamespace(consumer_generation_id=4, topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
                                   tables=None, monitor=SimpleNamespace(track_tp_end_offset=lambda tp, offset: None))
        self._batch_topics = self._contiguous_topics = frozenset({"orders"})
        self._confirmed_gaps, self._committed_offset = {}, {ORDERS: 10}
        self._read_offset = defaultdict(lambda: None, {ORDERS: 10})
        self._seeked_generation, self._delivered, self._delivered_generation = 4, None, None
        self._buffered_partitions = set()
        self._fetch, self.handed_on, self.sought, self.gaps = fetch, [], [], []

    async def _wait_next_records(self, timeout):
        return await self._fetch(self), None

    def highwater(self, tp):
        return None

    async def sleep(self, seconds):
        return None

    async def seek(self, tp, offset):
        self.sought.append((tp, offset))

    async def _add_gap(self, tp, start, end):
        self.gaps.append((start, end))

    async def _handle_batch(self, batch, generation, delivered):
        self.handed_on.append((generation, [(tp, [r.offset for r in records]) for tp, records in batch]))
        for tp, records in batch:  # as the real one does once the batch counts as read
            delivered[tp] = records[-1].offset


def _records(*offsets):
    return [SimpleNamespace(offset=offset, topic="orders") for offset in offsets]


def test_records_fetched_after_a_rebalance_and_its_seek_during_the_wait_are_handed_on():
    """The successor of a killed worker is assigned twice within seconds: the second rebalance
    and its seek can both complete while `getmany` waits. Its records belong to the new
    generation; taking them for the old one dropped them with nothing to read them again."""
    async def rebalanced_while_waiting(consumer):
        consumer.app.consumer_generation_id = consumer._seeked_generation = 5
        return {ORDERS: _records(10, 11)}

    consumer = _OneFetch(rebalanced_while_waiting)
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on == [(5, [(ORDERS, [10, 11])])]


def test_records_fetched_before_the_generations_seek_are_held_back_for_it():
    async def fetched_before_the_seek(consumer):
        consumer.app.consumer_generation_id = 5
        return {ORDERS: _records(30)}

    consumer = _OneFetch(fetched_before_the_seek)
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on == [], "the seek to the committed offset reads them again"


def test_a_partitions_contiguous_records_are_handed_on_at_once_and_count_as_read():
    async def fetch(consumer):
        return {ORDERS: _records(9, 10, 11, 12)}

    consumer = _OneFetch(fetch)
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on == [(4, [(ORDERS, [10, 11, 12])])], "9 was read before"
    assert consumer._read_offset[ORDERS] == 12 and consumer.sought == consumer.gaps == []


def test_records_skipped_by_the_fetch_loop_in_the_middle_of_a_fetch_are_read_again():
    """Only the records before the jump are handed on, and the partition is sought back to the
    first one skipped; the same jump seen again is a real gap (transaction markers)."""
    async def fetch(consumer):
        return {ORDERS: _records(10, 11, 15, 16)}

    consumer = _OneFetch(fetch)
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on == [(4, [(ORDERS, [10, 11])])]
    assert consumer.sought == [(ORDERS, 12)] and consumer._read_offset[ORDERS] == 11

    async def after_the_seek(consumer):  # 12..14 are not in the log
        return {ORDERS: _records(15, 16)}
    consumer._fetch = after_the_seek
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on[-1] == (4, [(ORDERS, [15, 16])]) and consumer.sought == [(ORDERS, 12)]
    assert consumer.gaps == [(12, 15)], "acknowledged as a gap, so that the commit can pass it"


def test_the_first_record_of_a_fetch_past_the_next_offset_is_sought_back_to():
    async def fetch(consumer):
        return {ORDERS: _records(20, 21)}

    consumer = _OneFetch(fetch)
    consumer._delivered, consumer._delivered_generation = {ORDERS: 14}, 4
    asyncio.run(consumer._read_one_fetch())
    assert consumer.handed_on == [] and consumer.sought == [(ORDERS, 15)]


class _Handing(BatchingConsumer):
    """`_handle_batch` with the broker-side waits stubbed out; handled and acked records kept."""

    flow_active, should_stop = True, False

    def __init__(self, ready):
        self.flow = {"active": True}
        self.buffer = SimpleNamespace(size=0, max_messages=100)

        async def acquire():  # Faust's: wait until the flow is resumed
            while not self.flow["active"]:
                await asyncio.sleep(0.01)
        self.app = SimpleNamespace(consumer_generation_id=5, in_recovery=False,
                                   flow_control=SimpleNamespace(is_active=lambda: self.flow["active"], acquire=acquire),
                                   producer=SimpleNamespace(buffer=self.buffer),
                                   conf=SimpleNamespace(broker_max_poll_records=1000))
        self._commit_every, self._ready, self.handled, self.acked = None, ready, [], []

        async def handler(batch, count_as_read):
            count_as_read()
            self.handled += [r.offset for r in batch]
        self._batch_handler = handler

    async def sleep(self, seconds):
        await asyncio.sleep(0)

    def _ack_records(self, tp, records):
        self.acked += [r.offset for r in records]


def test_a_batch_waits_until_the_indexes_of_its_generation_are_rebuilt():
    """Faust resumes the flow before the tables' recovery callbacks run: a batch handled with
    the indexes of before the rebuild left held events no gate knew of (cards stuck behind)."""
    indexed = {"generation": 4}
    consumer = _Handing(lambda generation: indexed["generation"] == generation)
    batch = [(ORDERS, _records(10))]

    async def run():
        waiting = asyncio.ensure_future(consumer._handle_batch(batch, 5, {}))
        for _ in range(5):
            await asyncio.sleep(0)
        assert consumer.handled == [], "not before the rebuild"
        indexed["generation"] = 5
        await waiting

    asyncio.run(run())
    assert consumer.handled == consumer.acked == [10]


def test_a_batch_counts_as_read_only_when_its_handler_says_so():
    """The handler says so once it holds its turn (`agents.batch_turn.run_in_turn`): counted
    before, while it waited behind a batch of the release timer, its partitions looked read to
    their end to that batch before the gate had its records (CI: payments dead-lettered as late)."""
    consumer = _Handing(lambda generation: True)
    delivered: dict = {}
    turn_held = asyncio.Event()

    async def handler(batch, count_as_read):
        await turn_held.wait()
        count_as_read()
        consumer.handled += [r.offset for r in batch]
    consumer._batch_handler = handler

    async def run():
        waiting = asyncio.ensure_future(consumer._handle_batch([(ORDERS, _records(10, 11))], 5, delivered))
        for _ in range(5):
            await asyncio.sleep(0)
        assert delivered == {}, "not read while the handler waits for its turn"
        turn_held.set()
        await waiting

    asyncio.run(run())
    assert delivered == {ORDERS: 11} and consumer.handled == consumer.acked == [10, 11]


def test_a_batch_whose_generation_ends_while_it_waits_is_dropped_unacked():
    consumer = _Handing(lambda generation: False)
    batch = [(ORDERS, _records(10))]

    async def run():
        waiting = asyncio.ensure_future(consumer._handle_batch(batch, 5, {}))
        await asyncio.sleep(0)
        consumer.app.consumer_generation_id = 6
        await waiting

    asyncio.run(run())
    assert consumer.handled == consumer.acked == []


def test_a_batch_fetched_while_the_changelog_is_read_is_dropped_unacked_instead_of_waiting():
    """Its indexes come after the recovery, and the recovery needs the fetch loop the batch
    holds while it waits: a joining worker of the bench's scale-out phase never became ready.
    The seek that ends the recovery reads the records again."""
    consumer = _Handing(lambda generation: False)
    consumer.app.in_recovery = True
    asyncio.run(asyncio.wait_for(consumer._handle_batch([(ORDERS, _records(10))], 5, {}), 5))
    assert consumer.handled == consumer.acked == []


def test_a_batch_fetched_when_a_stop_or_rebalance_suspended_the_flow_is_dropped_unacked():
    """A stop suspends the flow and never resumes it: a batch that waited for the flow kept
    the stopping worker alive until it was SIGKILLed."""
    consumer = _Handing(lambda generation: True)
    consumer.flow["active"] = False
    asyncio.run(asyncio.wait_for(consumer._handle_batch([(ORDERS, _records(10))], 5, {}), 5))
    assert consumer.handled == consumer.acked == []


def test_the_seek_rewinds_input_partitions_that_have_no_committed_offset():
    """Faust seeks only partitions with a committed offset; the others kept the fetcher's
    position, past the records held back before the seek, and were never read."""
    consumer = _consumer(committed=10)
    consumer._committed_offset = {ORDERS: 10}
    rewound = []

    async def seek_to_beginning(*partitions):
        rewound.extend(partitions)
    consumer._thread = SimpleNamespace(seek_to_beginning=seek_to_beginning)
    consumer.assignment = lambda: {ORDERS, PROFILES, TP("churnwatch-customer-state-changelog", 0)}
    asyncio.run(consumer._rewind_never_committed())
    assert [(tp.topic, tp.partition) for tp in rewound] == [("customers", 0)]


def test_input_partitions_are_paused_while_they_are_sought(monkeypatch):
    """The fetch loop runs during the seek: a record drained from a partition already sought,
    before the consumer counted the seek as done, was held back while the position moved past
    it, and a partition's last records were never read."""
    from faust.transport.drivers import aiokafka as faust_aiokafka

    consumer = _consumer(committed=10)
    changelog = TP("churnwatch-customer-state-changelog", 0)
    consumer.assignment = lambda: {ORDERS, PROFILES, changelog}
    consumer._active_partitions, consumer._paused_partitions = {ORDERS, PROFILES, changelog}, set()
    drainable_during_seek = []

    async def seek_to_committed(self):
        drainable_during_seek.append(set(self._active_partitions))
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", seek_to_committed)

    async def nothing_to_rewind():
        return None
    consumer._rewind_never_committed = nothing_to_rewind
    asyncio.run(consumer.perform_seek())
    assert drainable_during_seek == [{changelog}]
    assert consumer._active_partitions == {ORDERS, PROFILES, changelog}, "read again once sought"
    assert consumer._seeked_generation == 4


def test_a_seek_leaves_the_partitions_a_recovery_paused_paused(monkeypatch):
    """Faust also seeks from `getmany` when it finds the flow stopped, in the middle of a
    recovery that keeps the input partitions paused until the changelog is read: resuming them
    after that seek handed out input records before their generation's indexes existed."""
    from faust.transport.drivers import aiokafka as faust_aiokafka

    consumer = _consumer(committed=10)
    changelog = TP("churnwatch-customer-state-changelog", 0)
    consumer.assignment = lambda: {ORDERS, PROFILES, changelog}
    consumer._active_partitions, consumer._paused_partitions = {changelog}, {ORDERS, PROFILES}

    async def seek_to_committed(self):
        return None
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", seek_to_committed)

    async def nothing_to_rewind():
        return None
    consumer._rewind_never_committed = nothing_to_rewind
    asyncio.run(consumer.perform_seek())
    assert consumer._paused_partitions == {ORDERS, PROFILES}
    assert consumer._active_partitions == {changelog}


def test_a_batch_waits_while_the_producer_buffer_holds_more_than_a_batch():
    """Back-pressure without Faust's `wait_until_ebb` (a warning per fetch, a wait per message):
    a new batch is handled only once the changelog writes before it have drained below a batch."""
    consumer = _Handing(lambda generation: True)
    consumer.buffer.size = 1001

    async def run():
        waiting = asyncio.ensure_future(consumer._handle_batch([(ORDERS, _records(10))], 5, {}))
        for _ in range(5):
            await asyncio.sleep(0.01)
        held = list(consumer.handled)
        consumer.buffer.size = 1000
        await asyncio.wait_for(waiting, 1.0)
        return held

    assert asyncio.run(run()) == []
    assert consumer.handled == consumer.acked == [10]


def test_a_revocation_or_stop_waits_for_the_batch_in_processing_then_writes_what_is_staged():
    """Faust's `wait_empty` (before it revokes partitions or stops) waits only for records it
    tracks; a batch still being processed wrote its states after the partitions had moved on.
    Once it is done, the staged states are written, before Faust's commit: that batch
    acknowledges its records after the revocation began, and the commit within the revocation
    commits them (dropping its states as "revoked" lost events with rocksdb); left to that
    commit, the write could be skipped (a commit under way makes it a no-op)."""
    busy, steps = {"batch": True}, []
    consumer = _Handing(lambda generation: True)
    consumer._busy = lambda: busy["batch"]
    consumer._unacked_messages = set()
    consumer.diag = SimpleNamespace(set_flag=lambda flag: None, unset_flag=lambda flag: None)
    consumer.log = SimpleNamespace(dev=lambda *a, **k: None, info=lambda *a, **k: None)

    async def write_staged():
        steps.append(("write staged states", busy["batch"]))

    async def commit_and_end_transactions():
        steps.append(("commit", busy["batch"]))
    consumer._before_commit = write_staged
    consumer.commit_and_end_transactions = commit_and_end_transactions

    async def run():
        waiting = asyncio.ensure_future(consumer.wait_empty())
        await asyncio.sleep(0.05)
        still_waiting = not waiting.done()
        busy["batch"] = False
        await asyncio.wait_for(waiting, 1.0)
        return still_waiting

    assert asyncio.run(run()) is True
    assert steps == [("write staged states", False), ("commit", False)], "after the batch, before the commit"


class _Committing(BatchingConsumer):
    """Faust's commit steps recorded in order (choosing the offsets, sending what is attached
    to them, committing); `before_commit` writes the staged states."""

    def __init__(self, offsets):
        self.steps, self._offsets = [], offsets
        self._before_commit = self._write_states

    async def _write_states(self):
        self.steps.append("write staged states")

    def _filter_committable_offsets(self, tps):
        self.steps.append("choose offsets")
        return dict(self._offsets)

    async def _handle_attached(self, commit_offsets):
        self.steps.append("send attached")

    async def _commit_offsets(self, offsets, start_new_transaction=True):
        self.steps.append(("commit", offsets))
        return True


def test_the_staged_states_are_written_after_the_offsets_are_chosen_and_before_they_are_committed():
    """Written before choosing, a batch acknowledged in between would have its offsets committed
    over states still staged; a crash after that commit would lose its events for good."""
    consumer = _Committing({ORDERS: 12})
    assert asyncio.run(consumer._commit_tps([ORDERS], start_new_transaction=True)) is True
    assert consumer.steps == ["choose offsets", "write staged states", "send attached", ("commit", {ORDERS: 12})]


def test_the_staged_states_are_written_at_a_commit_with_nothing_to_commit():
    """A quiet stream: held events released by the timer change states without new offsets."""
    consumer = _Committing({})
    assert asyncio.run(consumer._commit_tps([ORDERS], start_new_transaction=True)) is False
    assert consumer.steps == ["choose offsets", "write staged states"]


def test_a_commit_due_by_count_runs_beside_the_fetch_loop():
    """Awaited, it held the fetch loop for the whole write of the staged states and the
    producer's flush (p99 1.8 s at 5,000 orders/s)."""
    started = []

    class Counting(BatchingConsumer):
        def __init__(self):
            self._commit_every, self._n_acked = 10, 10

        async def commit(self, *args, **kwargs):
            await asyncio.sleep(3600)  # a commit that takes long

        def add_future(self, coro):
            started.append(coro)
            coro.close()

    consumer = Counting()
    asyncio.run(asyncio.wait_for(consumer._maybe_commit(), timeout=5))
    assert len(started) == 1 and consumer._n_acked == 0


def test_a_handled_partitions_records_are_acknowledged_once_each_from_the_committed_offset_on():
    """What Faust's `ack` does per record, for a partition at once: the commit then passes them."""
    consumer = _consumer(committed=10)
    consumer.app.topics = SimpleNamespace(acks_enabled_for=lambda topic: True)
    consumer._acked, consumer._acked_index = defaultdict(list), defaultdict(set)
    consumer._n_acked, consumer._waiting_for_ack = 0, None
    consumer._ack_records(ORDERS, _records(9, 10, 11))
    consumer._ack_records(ORDERS, _records(11, 12))
    assert consumer._acked[ORDERS] == [10, 11, 12] and consumer._n_acked == 3
