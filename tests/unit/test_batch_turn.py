"""A batch whose caller is cancelled (a stop cancels the fetch loop and the timers) runs to its
end in the batch turn: a state writer waiting for the turn never sees it half-way."""

import asyncio

from agents.batch_turn import run_in_turn


def test_a_cancelled_caller_leaves_the_batch_to_finish_in_the_turn():
    steps: list[str] = []

    async def batch() -> None:
        steps.append("released from the gate")
        await asyncio.sleep(0.05)  # the step boundary where a stop's cancellation lands
        steps.append("applied")

    async def write_staged(turn: asyncio.Lock) -> None:
        async with turn:
            steps.append("written")

    async def run() -> bool:
        turn = asyncio.Lock()
        caller = asyncio.ensure_future(run_in_turn(turn, batch))
        await asyncio.sleep(0.01)
        caller.cancel()
        writer = asyncio.ensure_future(write_staged(turn))
        await asyncio.sleep(0)
        try:
            await caller
        except asyncio.CancelledError:
            pass
        await asyncio.wait_for(writer, 1.0)
        return caller.cancelled()

    assert asyncio.run(run()) is True, "the caller itself is cancelled (it does not acknowledge the records)"
    assert steps == ["released from the gate", "applied", "written"]


def test_the_records_count_as_read_only_once_the_turn_is_held():
    """While a release batch of the timer holds the turn, a fetched batch waiting for it must
    not count as read: the timer's batch would take its topics for read to their end before
    the gate had its records (CI: 2,837 payments dead-lettered as late)."""
    steps: list[str] = []

    async def timer_batch(turn: asyncio.Lock, go: asyncio.Event) -> None:
        async with turn:
            await go.wait()
            steps.append("timer batch looks at the read positions")

    async def run() -> None:
        turn, go = asyncio.Lock(), asyncio.Event()
        timer = asyncio.ensure_future(timer_batch(turn, go))
        await asyncio.sleep(0)

        async def fetched_batch() -> None:
            steps.append("fetched batch applied")
        waiting = asyncio.ensure_future(run_in_turn(turn, fetched_batch, on_turn=lambda: steps.append("counted as read")))
        await asyncio.sleep(0.01)
        go.set()
        await asyncio.wait_for(asyncio.gather(timer, waiting), 1.0)

    asyncio.run(run())
    assert steps == ["timer batch looks at the read positions", "counted as read", "fetched batch applied"]
