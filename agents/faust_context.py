"""Write a Faust table from inside `stream.take_events()` on the right partition.

Why this exists: Faust decides the changelog partition (and the rocksdb partition database)
of a table write from the *current event* context variable. Inside `take_events` that variable
does not point at the event that touched the customer, so a plain write either raises
"Cannot modify table key from outside of stream iteration" or lands on the wrong partition.
We set the context to the customer's own last event for the duration of the write: the state
then goes to the changelog partition equal to the customer's source partition (a test checks
this), and no per-event table write is needed.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Iterator

from faust import streams as faust_streams
from faust.types import EventT


@contextmanager
def event_context(event: EventT) -> Iterator[None]:
    token = faust_streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        faust_streams._current_event.reset(token)


def _highwater_and_position(consumer, tp) -> tuple[int | None, int | None]:
    """The partition's highwater at its last fetch and the consumer's position in it (the next
    offset it will read); None when unknown."""
    try:
        highwater = consumer.highwater(tp)
    except Exception:  # not assigned (yet) or no fetch so far
        return None, None
    read_position = getattr(consumer, "read_position", None)
    if read_position is not None:  # streams.batch_consumer.BatchingConsumer: exact
        return highwater, read_position(tp)
    read = consumer._read_offset.get(tp)  # Faust's stock consumer: last read, or next after a seek
    return highwater, read + 1 if read is not None else consumer._committed_offset.get(tp)


def read_horizon(app, topics: dict[str, str], partition: int, grace_ms: int) -> tuple[list[str], int | None]:
    """How far a partition's gated topics (the timed ones and the profiles) are read (see
    `agents.core.gate`): the contract names of those that still have records we have not read,
    and the record timestamp before which the others vouch for everything (their oldest last
    fetch, minus `grace_ms`; None if unknown).

    `topics` maps the real (prefixed) topic name to its contract name. A partition counts as
    read up to its end when the consumer's position has reached the highwater of its last
    fetch; an unknown highwater counts as unread. The fetch time is read *before* the highwater,
    so a fetch landing in between can only make the answer more cautious. Faust exposes the
    read and committed offsets only as private attributes of its consumer, hence this helper.
    """
    from faust.types import TP

    consumer = app.consumer
    last_fetch_ms = getattr(consumer, "last_fetch_ms", None)
    unread, vouched_before = [], None
    for real, contract in topics.items():
        tp = TP(real, partition)
        fetched_at = last_fetch_ms(tp) if last_fetch_ms is not None else None
        highwater, position = _highwater_and_position(consumer, tp)
        if highwater is None or (highwater > 0 and (position is None or position < highwater)):
            unread.append(contract)
        elif fetched_at is not None:
            limit = fetched_at - grace_ms
            vouched_before = limit if vouched_before is None else min(vouched_before, limit)
    return unread, vouched_before


def input_positions(app, topics: dict[str, str], partition: int) -> dict[str, dict]:
    """Contract topic name -> where the consumer stands in the partition: the next offset it
    hands out, the highwater of its last fetch and the offset Faust last committed (or tried
    to). For the warning that explains events dead-lettered as late (see `read_horizon`: which
    topics count as read to their end)."""
    from faust.types import TP

    consumer = app.consumer
    positions = {}
    for real, contract in topics.items():
        tp = TP(real, partition)
        highwater, position = _highwater_and_position(consumer, tp)
        positions[contract] = {"position": position, "highwater": highwater,
                               "committed": consumer._committed_offset.get(tp)}
    return positions


def consumer_lag(app, topics: dict[str, str]) -> dict[str, int]:
    """Contract topic name -> records not yet read, summed over this worker's partitions."""
    lag = dict.fromkeys(topics.values(), 0)
    for tp in app.consumer.assignment():
        contract = topics.get(tp.topic)
        if contract is None:
            continue
        highwater, position = _highwater_and_position(app.consumer, tp)
        if highwater is not None:
            lag[contract] += max(0, highwater - (position or 0))
    return lag
