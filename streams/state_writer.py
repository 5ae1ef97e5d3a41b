"""Changed customer states into the table's store and its changelog: staged by each batch,
written before each commit, one send per customer.

Why staged: live, a customer's state changes with nearly every event, twice in fact (an event
is held at the event-time gate, then applied by a later batch), and each write encodes the
whole state (about 2 KB) and sends it: 1.9 changelog records per event at 5,000 orders/s, and
a third of the worker's time. What at-least-once needs is only that a state reaches the
changelog before the source offsets of the records it holds are committed; the states in
between are never read. So a batch `stage`s what it changed (the memory store gets it at once;
for rocksdb `unsent_state` serves it to lookups), and the worker writes the newest state of
each staged customer just before every commit (`BatchingConsumer._commit_tps`, after it has
chosen the offsets) and before it lets partitions go. Kafka Streams' record cache makes the
same bargain. With the 10 s commit interval (`Settings.commit_interval`) the bench's live
phase at 5,000 orders/s wrote 0.2 changelog records per event.

Why not `table[customer_id] = state`: Faust's table write goes through `on_key_set`,
`send_changelog`, `Topic.send_soon` (a `FutureMessage`, the table's codec looked up through its
serializer registry, a sensor call), its producer buffer, and a background task that takes the
message out again and calls `Topic.publish_message` (another sensor call) and finally the Kafka
producer. A py-spy profile of `churnwatch bench --workers 1` put that path at about a quarter of
the worker's time (table set 10%, the buffer's sending task 10%, the buffer flushed at commits
5%), for one changelog record per changed customer and batch. The rocksdb store also encoded
each state a second time for its own write.

`StateWriter.write` does what that path does, directly: the state is encoded once (the table's
codec), stored (the memory store keeps the object; rocksdb the same bytes the changelog gets),
and sent to the changelog partition of the customer's source partition with Faust's producer.

What still holds:
- At-least-once: the staged states are sent before Faust's commit flushes its producer and
  commits the source offsets (`Consumer._commit_offsets` -> `Producer.flush` -> the Kafka
  producer's flush), which waits for these sends as it waited for its buffer's. A crash loses
  the staged states and the offsets they cover alike: the records are read again.
- The rocksdb store's persisted changelog offset (from which a restart reads the changelog) is
  set from each partition's last acknowledged send of a write, as Faust's `_on_changelog_sent`
  sets it from every one; the store holds every state the worker sent, so the newest offset is
  the one that matters.
- Memory: at most one staged state per customer, and at most `MAX_UNSENT` in all.
- Faust's per-topic sent counter (`faust_topic_messages_sent_total`) counts these records.
- A send that fails for good (a broker away longer than the producer's request timeout, a
  rejected record) calls `on_failure`, which stops the worker: the flush before the commit
  waits for the send but does not look at its outcome, so the source offsets would be
  committed over states that never reached the changelog. The callback runs as soon as the
  send fails, before the flush that waits for it resumes, so nothing of that batch is committed.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Collection, Iterable

import faust
from faust.stores.rocksdb import Store as RocksStore
from faust.types import TP

from agents.core.state import CustomerState

PAUSE_EVERY = 500
"""States written between two pauses (the event loop runs lookups and timers in between)."""

MAX_UNSENT = 20_000
"""Staged states beyond which the worker writes them without waiting for the commit: with
rocksdb a staged state is held decoded (a few KB of Python objects), and a million customers
changing within a commit interval would otherwise all be held at once."""


class StateWriter:
    """Writes customer states of one table straight to its store and changelog (see the module)."""

    def __init__(self, table: faust.Table, encode: Callable[[CustomerState], bytes],
                 on_failure: Callable[[BaseException], None]) -> None:
        self.table = table
        self.encode = encode
        self.topic = table.changelog_topic.get_topic_name()
        self._check_sent = _failure_check(on_failure)
        self._unsent: dict[str, tuple[int, CustomerState, int]] = {}
        """Customer id -> (partition, state, stamp) of the states staged and not yet written."""
        self._stamp = 0

    def stage(self, partition: int, states: Iterable[tuple[str, CustomerState]]) -> None:
        """Keep `states` of source partition `partition` until the next `write_unsent` (why: see
        the module). The memory store gets the state at once; rocksdb only at the write (the
        state would have to be encoded now): `unsent_state` serves it until then."""
        self._stamp += 1
        stamp, unsent = self._stamp, self._unsent
        memory = None if isinstance(self.table.data, RocksStore) else self.table.data
        for customer_id, state in states:
            unsent[customer_id] = (partition, state, stamp)
            if memory is not None:
                memory[customer_id] = state

    def unsent_state(self, customer_id: str) -> CustomerState | None:
        entry = self._unsent.get(customer_id)
        return entry[1] if entry is not None else None

    @property
    def unsent_count(self) -> int:
        return len(self._unsent)

    def unsent_partitions(self) -> set[int]:
        return {partition for partition, _, _ in self._unsent.values()}

    def drop_unsent(self, partitions: Collection[int]) -> int:
        """Forget the staged states of `partitions` (revoked: their new owner reads them again
        from the last committed offsets, which every write before a commit has covered); how many."""
        if not partitions:
            return 0
        dropped = [cid for cid, (partition, _, _) in self._unsent.items() if partition in partitions]
        for customer_id in dropped:
            del self._unsent[customer_id]
        return len(dropped)

    def unsent_chunks(self) -> list[tuple[int, list[str]]]:
        """The customers staged now, by partition, in chunks of at most `PAUSE_EVERY`: the caller
        writes each chunk with `write_unsent` in the event context of its partition."""
        by_partition: dict[int, list[str]] = {}
        for customer_id, (partition, _, _) in self._unsent.items():
            by_partition.setdefault(partition, []).append(customer_id)
        return [(partition, customers[i:i + PAUSE_EVERY])
                for partition, customers in by_partition.items() for i in range(0, len(customers), PAUSE_EVERY)]

    async def write_unsent(self, partition: int, chunk: list[str]) -> int:
        """`write` the customers of a chunk of `unsent_chunks` with the state staged for each *now*,
        skipping those no longer staged; how many were written.

        Why now and not the state the chunk was listed with: batches (and other writes) run
        between the chunks. A customer written by another write in between, then changed by a
        batch that read the new state back (rocksdb decodes a new object), would otherwise get
        the listed, older object written over the newer one, losing the batch's events while
        their offsets are committed. A state staged again during this write stays staged."""
        unsent = self._unsent
        entries = [(customer_id, unsent[customer_id]) for customer_id in chunk if customer_id in unsent]
        written = await self.write(partition, [(customer_id, state) for customer_id, (_, state, _) in entries])
        for customer_id, (_, _, stamp) in entries:
            entry = unsent.get(customer_id)
            if entry is not None and entry[2] == stamp:
                del unsent[customer_id]
        return written

    async def write(self, partition: int, states: Iterable[tuple[str, CustomerState]]) -> int:
        """Store and send `states` (customer id, state) of source partition `partition`, in that
        order; return how many. The caller holds the event context of `partition` (the rocksdb
        store picks its partition database from it, as for Faust's own writes)."""
        store = self.table.data
        rocks = isinstance(store, RocksStore)
        send = self.table.app.producer.send
        topic, encode = self.topic, self.encode
        last: asyncio.Future | None = None
        written = 0
        for customer_id, state in states:
            key = customer_id.encode()
            value = encode(state)
            if rocks:
                store._set(key, value)
            else:
                store[customer_id] = state
            last = await send(topic, key, value, partition, None, None)
            last.add_done_callback(self._check_sent)
            written += 1
            if written % PAUSE_EVERY == 0:
                await asyncio.sleep(0)
        if rocks and last is not None:
            last.add_done_callback(_persist_offset(store, TP(topic, partition)))
        self.table.app.monitor.count_sent(topic, written)  # the `LeanPrometheusMonitor` of every app
        return written


def _failure_check(on_failure: Callable[[BaseException], None]) -> Callable[[asyncio.Future], None]:
    def check(sent: asyncio.Future) -> None:
        if not sent.cancelled() and sent.exception() is not None:
            on_failure(sent.exception())
    return check


def _persist_offset(store: RocksStore, tp: TP) -> Callable[[asyncio.Future], None]:
    def persist(sent: asyncio.Future) -> None:
        if not sent.cancelled() and sent.exception() is None:
            store.set_persisted_offset(tp, sent.result().offset)
    return persist
