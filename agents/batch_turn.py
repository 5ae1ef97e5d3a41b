"""A batch runs to its end in the batch turn, even when whoever started it is cancelled.

Why: a stop cancels the consumer's fetch loop and the timers, the callers of a batch. A batch
cancelled between its steps left its customers' states half-applied (the gate had released
events the engine had not applied yet, while the read positions counted them as read), and
those states, staged for the next commit, were then written by the stop's commit: the next
owner took the events for duplicates (found by the join-and-leave test with rocksdb: payments
lost, nothing dead-lettered). Run here, the batch is its own task, holding the turn until it
is done, so nothing that takes the turn to write states sees it half-way; the cancelled caller
does not go on to acknowledge the batch's records, which are read again after the stop.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable


async def run_in_turn(turn: asyncio.Lock, batch: Callable[[], Awaitable[None]],
                      on_turn: Callable[[], None] | None = None) -> None:
    """Await `batch()` holding `turn`; if this is cancelled, the batch still runs to its end.
    `on_turn()` runs first, once the turn is held (the consumer's records count as read from
    then on: `streams.batch_consumer.BatchHandler`)."""
    async def in_turn() -> None:
        async with turn:
            if on_turn is not None:
                on_turn()
            await batch()
    await asyncio.shield(asyncio.ensure_future(in_turn()))
