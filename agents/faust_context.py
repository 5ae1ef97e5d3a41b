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
