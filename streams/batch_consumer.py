"""A Faust consumer that hands each fetch of the input topics to one batch handler.

Why: Faust's consumer loop awaits ``wait_first(callback(message), suspend_flow.wait())`` for
every record (two tasks per record), then its conductor builds an Event, queues it, and the
agent's stream iterates, acks and reports it to the sensors one by one: about 90 us a record on
these machines, more than churnwatch's whole domain step. churnwatch needs none of that for its
input topics: the batch step (`agents.batch`) decodes and validates records itself.

So for the "batch topics" this consumer collects the records of one fetch and awaits a single
handler with all of them; then it acks them, which is what lets Faust commit their offsets.
Faust's per-record sensor calls (`track_message`: four Prometheus label lookups a record,
15% of the worker's time) are skipped for these records; churnwatch counts them itself
(`churnwatch_events_total` by topic and outcome, `churnwatch_consumer_lag`).
Everything else stays Faust's: group membership and partition assignment, changelog recovery,
other topics (per-record path, unchanged), commits, offsets bookkeeping and the read-offset
checks against duplicate delivery. A batch whose consumer generation changed while it waited
(a rebalance started) is dropped unacked: its partitions were revoked and are re-read from the
committed offsets by their next owner.

Records are never skipped silently. Input records are handed out only once the generation's
seek to the committed offsets is done (see `perform_seek`). And Faust's fetch loop drops
records it fetched while the flow was stopped (between a recovery resuming the input
partitions and seeking them), and the next record then looks like a gap in the log, which Faust counts as acknowledged: its offset was
committed and the dropped records were never read again (found by the SIGKILL test: a
restarted worker lost hundreds of payments). So when a record of a contiguous topic arrives
beyond the next offset expected, the partition is sought back to that offset; only a jump seen
again after that is a real gap (transaction markers). Compacted topics (the profiles) have
gaps by design and are not checked.

The handler may keep what it changed and write it later (`streams.state_writer`): the consumer
awaits `before_commit` after it has chosen the offsets to commit and before it commits them
(and at every commit with nothing to commit), and once the batch in processing is done before
it lets partitions go or stops (`wait_empty`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, Iterable

from aiokafka.structs import ConsumerRecord, TopicPartition
from mode.utils.futures import notify

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.exceptions import ProducerSendError
from faust.types import TP, Message, ServiceT
from faust.types.tuples import ack_lock

from streams.changelog_batch import BatchRecovery, batch_recovery

BatchHandler = Callable[[list[ConsumerRecord], Callable[[], None]], Awaitable[None]]
"""`handler(records, count_as_read)` takes a fetch's input records as aiokafka returned them
(`timestamp` in ms) and calls `count_as_read()` once it holds its turn to apply them, before it
looks at any read position (see `_handle_batch`)."""
BeforeCommit = Callable[[], Awaitable[None]]

log = logging.getLogger(__name__)

FETCH_MAX_WAIT_MS = 100
"""How long the broker may hold a fetch that has no new records (Faust hard-codes 1,500 ms).

Measured with `churnwatch bench`: at 600 orders/s the fetch loop regularly sat a full second
in `getmany` with records waiting, and the event-to-processed p50 was 700-900 ms; with 100 ms
it is about 30 ms. The cost is at most ten empty fetch round trips a second when idle."""


PRODUCER_POLL_SECONDS = 0.005
"""How often a batch waiting for the producer buffer to drain looks at it again."""


class _PromptFetchThread(faust_aiokafka.AIOKafkaConsumerThread):
    fetch_sent_ms: dict
    """aiokafka TopicPartition -> when the fetch request was sent whose response last set its
    highwater (see `_note_fetch_times`)."""

    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by AIOKafkaConsumer.start()
        self.fetch_sent_ms = {}
        started = consumer.start

        async def start() -> None:
            await started()
            _note_fetch_times(consumer._fetcher, self.fetch_sent_ms)
        consumer.start = start
        return consumer


def _note_fetch_times(fetcher, sent_ms: dict) -> None:
    """Record, per partition, when the fetch request was *sent* whose response set its highwater.

    aiokafka stamps a partition with the time the response was *processed*; on a loaded machine
    that can be hundreds of milliseconds after the broker read its highwater (the consumer
    thread waits for the CPU and the GIL). Everything in the log when the request was sent is
    below the highwater it returns, so the send time is what the event-time gate may rely on
    when a topic is read to its end (see agents/core/gate.py)."""
    process = fetcher._proc_fetch_request

    async def timed(assignment, node_id, request):
        sent = int(time.time() * 1000)
        try:
            return await process(assignment, node_id, request)
        finally:
            for topic, partitions in request.topics:
                for partition_info in partitions:
                    tp = TopicPartition(topic, partition_info[0])
                    try:
                        stamped = assignment.state_value(tp).timestamp
                    except Exception:  # no longer assigned
                        continue
                    if stamped is not None and stamped >= sent:
                        sent_ms[tp] = sent
    fetcher._proc_fetch_request = timed


class BatchingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer with a batch path for the topics given to `route_batches`."""

    _batch_topics: frozenset[str] = frozenset()
    _batch_handler: BatchHandler | None = None
    _delivered: dict | None = None
    """TP -> the last offset handed out in `_delivered_generation` (see `read_position`)."""
    _delivered_generation: int | None = None

    def read_position(self, tp) -> int | None:
        """The next offset this member will hand out for `tp`: one past the last record handed
        out since the group's last rebalance, or else the committed offset (None: unknown).

        Not Faust's `_read_offset`: after an assignment Faust sets it to the committed offset
        (the *next* record) and after a record to that record's offset (the *last* one), so
        "last + 1" was one too far right after a rebalance, and a partition with one unread
        record looked read to its end. The event-time gate then let the other topics run ahead
        and the unread record arrived more than the lateness allowance behind: dead-lettered as
        late (found by the two-worker card test)."""
        if self._delivered is not None and self._delivered_generation == self.app.consumer_generation_id:
            last = self._delivered.get(tp)
            if last is not None:
                return last + 1
        return self._committed_offset.get(tp)

    def last_fetch_ms(self, tp) -> int | None:
        """When the fetch request was sent (wall time, ms) whose response gave `tp`'s highwater:
        every record in the log before then is below that highwater."""
        return self._thread.fetch_sent_ms.get(TopicPartition(tp.topic, tp.partition))

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _PromptFetchThread(self, loop=self.loop, beacon=self.beacon)

    _contiguous_topics: frozenset[str] = frozenset()
    _confirmed_gaps: dict
    """TP -> (expected offset, offset found) of a jump seen twice: a real gap in the log."""

    _ready: Callable[[int], bool] | None = None
    _busy: Callable[[], bool] | None = None
    _before_commit: BeforeCommit | None = None

    def route_batches(self, topics: Iterable[str], handler: BatchHandler,
                      compacted: Iterable[str] = (), ready: Callable[[int], bool] | None = None,
                      busy: Callable[[], bool] | None = None, before_commit: BeforeCommit | None = None) -> None:
        """Send the records of `topics` to `handler`, a fetch at a time; `compacted` topics may
        have gaps; a batch waits until `ready(generation)` (the handler's indexes are rebuilt
        for the generation it was fetched in); `busy()` says a batch is being processed (see
        `wait_empty`); `before_commit()` writes what the handled batches changed."""
        self._ready = ready
        self._busy = busy
        self._before_commit = before_commit
        self._batch_topics = frozenset(topics)
        self._contiguous_topics = self._batch_topics - frozenset(compacted)
        self._confirmed_gaps = {}
        self._batch_handler = handler

    _seeked_generation: int | None = None
    """The consumer generation whose seek to the committed offsets has completed."""

    async def perform_seek(self) -> None:
        """Every partition goes back to its committed offset: what was handed out before counts
        no more (`read_position`, and the next offset expected). Until this seek of a new
        generation is done, no input record is handed out: Faust resumes the partitions before
        it seeks them, and records fetched from wherever the fetcher stood (past records its
        loop had dropped) were applied, let the gate see a topic read to its end, and the
        skipped records came back after the seek as late (found by the SIGKILL test).

        While they are sought, the input partitions are paused (Faust's own pause: `getmany`
        drains none of their records). The fetch loop runs on during the seek, and records it
        drained from a partition already sought, before `_seeked_generation` said so, were held
        back as "fetched before the seek" while the position moved past them: never read again
        when they were the partition's last (found by the SIGKILL test: a successor stalled
        for good with four input partitions at their committed offsets, lag on them, and
        every fetch returning).

        Only the partitions paused here are resumed after: Faust also seeks from `getmany` when
        it finds the flow stopped, which can happen while a recovery keeps the input partitions
        paused, and resuming them then handed out input records before the changelog was read;
        their batch waited for the indexes of a recovery that waited for the fetch loop the
        batch held (found by the bench's scale-out phase: a joining worker never became ready)."""
        generation = self.app.consumer_generation_id
        self._delivered = None
        paused_already = set(self._paused_partitions)
        moving = {tp for tp in self.assignment() if tp.topic in self._batch_topics and tp not in paused_already}
        self.pause_partitions(moving)
        try:
            await super().perform_seek()
            await self._rewind_never_committed()
            self._seeked_generation = generation
            sought: dict[str, dict[int, int | None]] = {}
            for tp in sorted(self.assignment()):
                if tp.topic in self._batch_topics:
                    sought.setdefault(tp.topic, {})[tp.partition] = self._committed_offset.get(tp)
            log.info("generation %s: input partitions sought to their committed offsets %s", generation, sought)
        finally:
            if self.app.consumer_generation_id == generation:
                self.resume_partitions(moving)

    async def wait_empty(self) -> None:
        """Faust's wait for the records in processing, before it revokes partitions or stops,
        extended to the batch in processing.

        Faust waits only for the records it tracks one by one, and batch records are not
        tracked: a revocation went on while a batch was still being processed, and its state
        writes reached the changelog of partitions another worker was already recovering or
        processing, an older state after a newer one (a big batch takes seconds, processed in
        steps). Waiting here, then writing what is staged (`before_commit`), puts the batch's
        writes in the producer before Faust flushes it and lets the partitions go, and its
        offsets are committed with Faust's commit that follows.

        The write is here, not left to that commit, and nothing staged is dropped: the batch
        waited for acknowledges its records after the revocation began, and the commit that
        follows (still within the revocation) commits them; states of that batch dropped as
        "revoked" lost its events (found by the join-and-leave test with rocksdb). A commit
        already under way would also make Faust's commit a no-op whose write came before the
        batch. Here, the revoked partitions' rocksdb stores are still open: Faust drops them
        later, when it assigns the new generation."""
        busy = self._busy
        started = warned = time.monotonic()
        while busy is not None and busy() and not self.should_stop:
            if time.monotonic() - warned >= 10:
                warned = time.monotonic()
                log.warning("wait_empty: a batch has been in processing for %.0f s", warned - started)
            await asyncio.sleep(0.01)
        if self._before_commit is not None:
            await self._before_commit()
        await super().wait_empty()

    async def _commit_tps(self, tps, start_new_transaction: bool) -> bool:
        """Faust's commit of the acknowledged offsets, with `before_commit` between choosing the
        offsets and committing them: what the batches of those offsets changed is written first
        (the commit then flushes the producer, which waits for those writes). Not before choosing
        them: a batch acknowledged in between would have its offsets committed over states still
        unwritten. And also when there is nothing to commit, so that a quiet stream's held
        events, released by the timer, reach the changelog. (Faust's method, which cannot be
        wrapped: choosing the offsets takes them off the acknowledged list.)"""
        commit_offsets = self._filter_committable_offsets(tps)
        if self._before_commit is not None:
            await self._before_commit()
        if not commit_offsets:
            return False
        try:
            await self._handle_attached(commit_offsets)
        except ProducerSendError as exc:
            await self.crash(exc)
            return False
        return await self._commit_offsets(commit_offsets, start_new_transaction=start_new_transaction)

    async def _rewind_never_committed(self) -> None:
        """Input partitions without a committed offset go back to their beginning.

        Faust's seek only moves partitions that have a committed offset; the others stay where
        the fetcher stood, past records dropped before the seek. With no later record to show
        the gap, they were never read: a successor of three killed workers waited forever on
        profiles and complaints that the gate counted as unread (found by the three-SIGKILL
        test, with the consumer diagnostics of `GET /status`)."""
        never = [TopicPartition(tp.topic, tp.partition) for tp in self.assignment()
                 if tp.topic in self._batch_topics and self._committed_offset.get(tp) is None]
        if never:
            await self._thread.seek_to_beginning(*never)

    def _skipped_to(self, tp, offset: int, collected: dict) -> int | None:
        """The offset this partition should have continued from, when `offset` jumps past it
        for the first time (None: the record is the expected one, or the jump is confirmed)."""
        if tp.topic not in self._contiguous_topics:
            return None
        last = collected.get(tp)
        if last is None and self._delivered is not None and self._delivered_generation == self.app.consumer_generation_id:
            last = self._delivered.get(tp)
        expected = last + 1 if last is not None else self._committed_offset.get(tp)
        if expected is None or offset <= expected:
            return None
        gaps = self._confirmed_gaps
        if gaps.get(tp) == (expected, offset):
            return None
        gaps[tp] = (expected, offset)
        return expected

    async def _drain_messages(self, fetcher: ServiceT) -> None:  # pragma: no cover - Faust's loop
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag("FETCHING")
                await self._read_one_fetch()
                self.diag.unset_flag("FETCHING")
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise

    _fetch_returned_at: float | None = None
    _batch_started_at: float | None = None

    def diagnostics(self) -> dict:
        """Where the input path stands, for `GET /status`: a stalled worker shows whether it
        waits for a fetch, a seek, a paused partition or its batch handler."""
        now = time.monotonic()
        return {
            "generation": self.app.consumer_generation_id,
            "seeked_generation": self._seeked_generation,
            "flow_active": self.flow_active,
            "paused": sorted(f"{tp.topic}:{tp.partition}" for tp in self._paused_partitions),
            "seconds_since_fetch": None if self._fetch_returned_at is None else round(now - self._fetch_returned_at, 1),
            "batch_running_for": None if self._batch_started_at is None else round(now - self._batch_started_at, 1),
            "behind": self._partitions_behind(),
        }

    def _partitions_behind(self) -> dict:
        """Input partitions the fetcher has not read to their end, as aiokafka and Faust see
        them: a partition stuck here (paused, awaiting a reset, or a position that does not
        move) is what a stalled gate waits for."""
        consumer = getattr(self._thread, "_consumer", None)
        if consumer is None:
            return {}
        assignment = consumer._subscription.subscription.assignment if consumer._subscription.subscription else None
        behind = {}
        for tp in (assignment.tps if assignment is not None else ()):
            if tp.topic not in self._batch_topics:
                continue
            state = assignment.state_value(tp)
            position = state.position if state.has_valid_position else None
            if position is None or state.paused or state.highwater is None or position < state.highwater:
                # aiokafka's TopicPartition and Faust's TP are equal tuples: one key for both.
                behind[f"{tp.topic}:{tp.partition}"] = {
                    "position": position, "highwater": state.highwater, "paused": state.paused,
                    "status": str(state._status), "read_offset": self._read_offset.get(tp),
                    "active": tp in (self._active_partitions or ()),
                    "committed": self._committed_offset.get(tp)}
        return behind

    async def _read_one_fetch(self) -> None:
        """Faust's loop body for one `getmany`, with the batch path for the input topics.

        The input topics' records are taken a partition at a time, as aiokafka returned them:
        Faust's `getmany` makes a `Message` of every record and hands them out one by one from
        an async generator, and its `ack` takes a lock and four lookups per record; with the
        handler's own copy of each record that was about a tenth of the worker's time in the
        throughput phase of `churnwatch bench` (py-spy). A partition's records of one fetch
        have contiguous offsets except across a gap, so the checks below look at the first
        record, and record by record only at a partition whose offsets jump. Other topics
        (the changelogs, Faust's own) keep Faust's per-record path.

        The generation is the one the records were fetched in (the one when `getmany`'s wait
        returned), not the one before the wait: a rebalance and its seek can complete during
        that wait (the successor of a killed worker is assigned twice within seconds), and
        records fetched after the seek, held back or dropped as "older generation", were never
        read again: the fetcher had moved past them and no seek followed (found by the
        one-SIGKILL card test: cards stuck a dozen events behind)."""
        recovery = batch_recovery(self.app)
        changelog_topics = recovery.tables.changelog_topics if recovery is not None else frozenset()
        fetched = await self._fetch_partitions(timeout=1.0)
        await self.sleep(0)
        if fetched is None or self.should_stop:
            return
        generation, partitions = fetched
        if self._delivered is None or generation != self._delivered_generation:
            self._delivered, self._delivered_generation = {}, generation
        delivered = self._delivered
        batch: list[tuple[TP, list[ConsumerRecord]]] = []
        changelog: list[Message] = []
        collected: dict = {}
        for tp, records in partitions:
            if self._outdated(generation):
                break  # as Faust's `getmany`: the rest is read again after the rebalance's seek
            if tp.topic in self._batch_topics:
                taken = await self._take_input(tp, records, generation, collected)
                if taken:
                    batch.append((tp, taken))
                continue
            last = self._read_offset[tp]
            for record in records:
                if self._outdated(generation):
                    break
                offset = record.offset
                if last is not None and offset < last:
                    continue  # delivered before (Faust's own duplicate check)
                message = self._to_message(tp, record)
                if last and offset - last > 1 and self.app.topics.acks_enabled_for(tp.topic):
                    await self._add_gap(tp, last + 1, offset)
                if tp.topic in changelog_topics:
                    changelog.append(message)
                else:
                    await self._maybe_commit()
                    await self.wait_first(self.callback(message), self.suspend_flow.wait())
                    delivered[tp] = offset
                self._read_offset[tp] = last = offset
        self._fetch_returned_at = time.monotonic()
        if changelog:
            await self._apply_changelog(recovery, changelog, generation)
        if batch:
            await self._handle_batch(batch, generation, delivered)

    def _outdated(self, generation: int | None) -> bool:
        """A rebalance began since the fetch of `generation`, or the flow stopped: that fetch's
        records are read again after the rebalance's seek (Faust's `getmany` checks the same)."""
        return self.app.consumer_generation_id != generation or not self.flow_active

    async def _fetch_partitions(self, timeout: float) -> tuple[int, list[tuple[TP, list[ConsumerRecord]]]] | None:
        """Faust's `getmany` without the per-record messages: (generation, [(tp, records)]) of
        the partitions it would hand out records of, or None (nothing, or stopping). Like it,
        this seeks back to the committed offsets when it finds the flow stopped."""
        fetched, active = await self._wait_next_records(timeout)
        generation = self.app.consumer_generation_id
        if fetched is None or self.should_stop:
            return None
        if not self.flow_active:
            try:
                await self.perform_seek()
            except Exception as exc:  # noqa: BLE001 - as Faust's getmany: the next fetch tries again
                log.warning("exception performing seek when flow not active %r", exc)
            return None
        buffered = self._buffered_partitions
        track_end_offset = self.app.monitor.track_tp_end_offset
        partitions = []
        for tp, records in fetched.items():
            if records and (active is None or tp in active or tp in buffered):
                track_end_offset(tp, self.highwater(tp))
                partitions.append((tp, records))
        return generation, partitions

    async def _take_input(self, tp: TP, records: list[ConsumerRecord], generation: int,
                          collected: dict) -> list[ConsumerRecord]:
        """The records of an input partition to hand to the batch handler; sets `collected[tp]`
        and the read offset to the last of them. Seeks back instead when the fetch skipped
        records (see `_skipped_to`)."""
        last = self._read_offset[tp]
        if last is not None and records[0].offset < last:
            records = [r for r in records if r.offset >= last]  # delivered before (Faust's own check)
            if not records:
                return []
        if self._seeked_generation != generation:
            return []  # fetched before this generation's seek: read again after it
        if records[-1].offset - records[0].offset == len(records) - 1:
            checked = records[:1]  # contiguous: the first record is the only one that can jump
        else:
            checked = records
        acks = self.app.topics.acks_enabled_for(tp.topic)
        for n, record in enumerate(checked):
            offset = record.offset
            expected = self._skipped_to(tp, offset, collected)
            if expected is not None:
                log.warning("%s: records %d..%d were skipped by the fetch loop; reading them again",
                            tp, expected, offset - 1)
                await self.seek(tp, expected)
                records = records[:n]
                break
            if acks and last and offset - last > 1:
                await self._add_gap(tp, last + 1, offset)
            collected[tp] = last = offset
        if records:
            collected[tp] = self._read_offset[tp] = records[-1].offset
        return records

    async def _apply_changelog(self, recovery: BatchRecovery, changelog: list[Message],
                               generation: int | None) -> None:
        """A fetch's changelog records to the recovery at once (see `streams.changelog_batch`),
        unless a rebalance began since the fetch: Faust's per-record path drops them then too
        (the flow's suspension ends its wait), and the next recovery seeks its changelog
        partitions back to the last offset applied."""
        if self._outdated(generation):
            return
        if not self.app.flow_control.is_active():
            return
        await recovery.apply_fetched(changelog)

    async def _maybe_commit(self) -> None:
        """Faust's commit after every `broker_commit_every` acknowledged records, in the
        background: the commit writes the staged states first (`before_commit`), and awaited
        here it held up the fetch loop for all of them and their acknowledgement (p99 latency
        1.75 s at 5,000 orders/s, 0.47 s without the wait, both with a 2.8 s commit interval; see
        the README's Performance item 12). A commit already under way makes this one a no-op
        (Faust's `commit`)."""
        if self._commit_every is not None and self._n_acked >= self._commit_every:
            self._n_acked = 0
            self.add_future(self.commit())

    async def _wait_for_producer(self) -> None:
        """Back-pressure: no new batch while Faust's producer buffer (dead letters, population
        summaries; the changelog writes go straight to the Kafka producer, see
        `streams.state_writer`) holds more than a batch's worth of messages, e.g. while the
        broker is away. Not Faust's `wait_until_ebb`: it logs a warning and then waits for the
        sends one message at a time (an `asyncio.wait_for` each), which cost more than the
        sending when the changelog writes still went through that buffer."""
        buffer = self.app.producer.buffer
        limit = max(self.app.conf.broker_max_poll_records or 0, buffer.max_messages)
        while buffer.size > limit and not self.should_stop:
            await asyncio.sleep(PRODUCER_POLL_SECONDS)

    async def _handle_batch(self, batch: list[tuple[TP, list[ConsumerRecord]]], generation: int,
                            delivered: dict) -> None:
        await self._maybe_commit()
        if not self.app.flow_control.is_active():
            # A rebalance or a stop suspended the flow: these partitions are read again from the
            # committed offsets. Waiting for the flow to resume hung every worker stopped while
            # events flowed until it was SIGKILLed: a stop suspends the flow, never resumes it,
            # and a task dump (SIGUSR1) of the hung worker showed the fetch loop, cancelled by
            # the stop, still waiting here (found by the join-and-leave test).
            return
        await self._wait_for_producer()
        ready = self._ready
        while ready is not None and not ready(generation) and self.app.consumer_generation_id == generation:
            if self.should_stop or self.app.in_recovery:
                return  # the recovery needs this fetch loop; the seek that ends it reads these again
            await asyncio.sleep(0.02)  # not `self.sleep`: it returns at once while the consumer stops
        if self._outdated(generation):
            return  # a rebalance began: these partitions are re-read by their next owner
        assert self._batch_handler is not None

        def count_as_read() -> None:
            """The batch counts as read (`read_position`) only from here: once its handler holds
            its turn and is about to give the records to the gates. A batch of the release timer
            that ran while this one was collected, or while it waited for the turn, saw its
            partitions read to their end without their records, let the watermark run past
            them, and they came after it (found by the two-worker card test: orders dead-
            lettered as late; then, marked before the wait for the turn, by CI's join-and-leave
            test: 2,837 payments of five months dead-lettered as late)."""
            for tp, records in batch:
                delivered[tp] = records[-1].offset
        self._batch_started_at = time.monotonic()
        try:
            await self._batch_handler([record for _, records in batch for record in records], count_as_read)
        finally:
            self._batch_started_at = None
        for tp, records in batch:
            self._ack_records(tp, records)

    def _ack_records(self, tp: TP, records: list[ConsumerRecord]) -> None:
        """Faust's `ack` (which lets `commit` commit the offsets) for a partition's handled
        records at once; records at or past the committed offset that are not acked yet."""
        if not self.app.topics.acks_enabled_for(tp.topic):
            return
        with ack_lock:
            committed = self._committed_offset[tp]
            acked_index = self._acked_index[tp]
            offsets = [r.offset for r in records
                       if (committed is None or r.offset >= committed) and r.offset not in acked_index]
            acked_index.update(offsets)
            self._acked[tp].extend(offsets)
            self._n_acked += len(offsets)
            notify(self._waiting_for_ack)


class BatchingTransport(faust_aiokafka.Transport):
    Consumer = BatchingConsumer
