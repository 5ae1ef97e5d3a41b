"""A batch's changed customer states into the table's store and its changelog, one send each.

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
- At-least-once: Faust's commit flushes its producer before it commits the source offsets
  (`Consumer._commit_offsets` -> `Producer.flush` -> the Kafka producer's flush), which waits
  for these sends as it waited for its buffer's. A revocation flushes the producer the same way.
- The rocksdb store's persisted changelog offset (from which a restart reads the changelog) is
  set from each partition's last acknowledged send of the batch, as Faust's `_on_changelog_sent`
  sets it from every one; the store holds every state the worker sent, so the newest offset is
  the one that matters.
- Back-pressure: the Kafka producer's `send` waits while the partition's batch is full (a broker
  outage holds the batch here, as `BatchingConsumer._wait_for_producer` held the next one).
- Faust's per-topic sent counter (`faust_topic_messages_sent_total`) counts these records.
- A send that fails for good (a broker away longer than the producer's request timeout, a
  rejected record) calls `on_failure`, which stops the worker: the flush before the commit
  waits for the send but does not look at its outcome, so the source offsets would be
  committed over states that never reached the changelog. The callback runs as soon as the
  send fails, before the flush that waits for it resumes, so nothing of that batch is committed.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Iterable

import faust
from faust.stores.rocksdb import Store as RocksStore
from faust.types import TP

from agents.core.state import CustomerState

PAUSE_EVERY = 500
"""States written between two pauses (the event loop runs lookups and timers in between)."""


class StateWriter:
    """Writes customer states of one table straight to its store and changelog (see the module)."""

    def __init__(self, table: faust.Table, encode: Callable[[CustomerState], bytes],
                 on_failure: Callable[[BaseException], None]) -> None:
        self.table = table
        self.encode = encode
        self.topic = table.changelog_topic.get_topic_name()
        self._check_sent = _failure_check(on_failure)

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
