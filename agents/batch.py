"""One batch of raw Kafka records in, state changes and dead letters out: no I/O, no Faust.

Why a batch step outside the agent: the Faust agent stays a thin adapter (take records, call
this, write the table, send what it returns), and the same step is unit-tested and benchmarked
without a broker. A batch returns each changed customer's state once, whatever number of its
events it applied (the worker stages it; `streams.state_writer` writes it before the commit).

Order of work for each batch: decode every record (bad ones become dead letters); profiles
apply at once; timed events pass the partition's event-time gate (`agents.core.gate`), which
holds them until every input topic has caught up to their time; then each partition's gate
releases what it may, in event-time order, and the released events are applied. Ticks (one
record per partition every few seconds) make sure a quiet partition's gate is looked at, so
held events leave it as soon as the other topics are read to their end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from agents.core.apply import is_late
from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.events import Complaint, Order, Payment, Profile
from agents.core.gate import TOPIC_RANK, EventTimeGate
from agents.core.state import CustomerState
from agents.core.timeutil import format_ms
from streams.codec import InvalidEvent, decode, encode_event


class Record(NamedTuple):
    """A Kafka record as the batch step needs it; `topic` is the contract name (no prefix).

    A named tuple, not a frozen dataclass: one is built per input record, and a frozen
    dataclass's `__init__` (a `object.__setattr__` per field) cost three times as much."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    produced_ms: int = 0
    """The record's Kafka timestamp (when its producer sent it; 0: long ago)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: Record
    reason: str
    detail: str


@dataclass
class BatchResult:
    changed: dict[str, CustomerState] = field(default_factory=dict)
    """Customer id -> its new state (staged once each for the next commit's write)."""
    partition_of: dict[str, int] = field(default_factory=dict)
    """Customer id -> its partition (the table write goes to the same changelog partition)."""
    only_held: set[str] = field(default_factory=set)
    """Customers of `changed` whose only change is events held at the gate: their card is what
    it was (held events count nowhere on it), so it need not go out again. A held event is
    applied by a later batch (a backlog's, or live in the first grace period of a day);
    publishing the unchanged card at the hold as well doubled the cards sent."""
    dead_letters: list[DeadLetter] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    """(topic, outcome) -> count, outcome in processed, invalid, duplicate, late."""
    alerts: list[dict] = field(default_factory=list)
    """Alert lifecycle events raised by the evaluations this batch ran (emitted_at not set)."""
    applied_produced_ms: list[int] = field(default_factory=list)
    """Kafka record timestamps of the timed events this batch applied, whether they came with it
    or had waited at the gate: the latency to application (the gate's hold included) is
    measured from them."""

    def changed_by_partition(self) -> dict[int, list[tuple[str, CustomerState]]]:
        """The changed states grouped by partition, each group in the order of `changed`."""
        groups: dict[int, list[tuple[str, CustomerState]]] = {}
        partition_of = self.partition_of
        for cid, state in self.changed.items():
            groups.setdefault(partition_of[cid], []).append((cid, state))
        return groups


@dataclass
class PartitionWork:
    """What one partition keeps between batches: its event-time gate and its alert engine."""

    gate: EventTimeGate
    engine: PartitionEngine

    @property
    def clock_ms(self) -> int | None:
        return self.gate.clock_ms


def process_batch(records: list[Record], *args: Any, **kwargs: Any) -> BatchResult:
    """`batch_steps` in one go: the result of the whole batch (the unit tests use this)."""
    result = BatchResult()
    for _ in batch_steps(result, records, *args, **kwargs):
        pass
    return result


STEP_EVENTS = 500
"""Events decoded or applied between two pauses of `batch_steps`."""


def batch_steps(
    result: BatchResult,
    records: list[Record],
    get_state: Callable[[str], CustomerState | None],
    now_ms: int,
    work_for: Callable[[int], PartitionWork],
    read_horizon: Callable[[int], tuple[Iterable[str], int | None]],
    live_clock: bool = False,
    wake: Iterable[int] = (),
) -> Iterator[None]:
    """Decode, gate, apply and evaluate a batch into `result`, pausing (yielding) every
    `STEP_EVENTS` events.

    `work_for(p)` gives partition p's gate and engine; `read_horizon(p)` names its input topics
    that still have unread records, and the record timestamp before which the topics read to
    their end vouch for everything (None: unknown; see `agents.core.gate`). Partitions in `wake`
    are looked at without records (their held events may have been vouched for since). With
    `live_clock`, a tick's wall time moves the clock of a partition whose topics are all read to
    their end, so a quiet stream still raises lapse, overdue and SLA alerts on time.

    Why: a batch of several thousand records takes seconds of CPU, and one state and one card
    per changed customer per batch is what makes big batches cheaper per event. The worker iterates these
    steps and lets its event loop run at each pause (card lookups, timers), so a big batch does
    not freeze it. The batch stays one unit: every record is admitted to the gates before any
    partition's gate advances (the read positions already count the whole batch as read), and
    nothing of it is written before the last step."""
    states = result.changed
    loaded: dict[str, CustomerState] = {}

    def state_of(cid: str) -> CustomerState:
        """The customer's state in this batch: one object from its first read on. The gate and
        the engine change it in place (a release takes held events out of it), and a second read
        from a rocksdb store, which decodes a new object per read, returned the state without
        those changes: released events stayed held, and events were lost (found by the join-and-
        leave test with rocksdb; the memory store hands out the stored object, which hid it)."""
        state = states.get(cid)
        if state is None:
            state = loaded.get(cid)
            if state is None:
                state = loaded[cid] = get_state(cid) or CustomerState(cid)
        return state

    def put_state_on(partition: int) -> Callable[[str, CustomerState], None]:
        def put_state(cid: str, state: CustomerState) -> None:
            states[cid] = state
            result.partition_of[cid] = partition
            result.only_held.discard(cid)
        return put_state

    def apply(cid: str, event, topic: str, record: Record | None, partition: int, offset: int) -> None:
        """Apply one event; `record` is None for an event released by the gate (its record is
        rebuilt only if it turns out late and goes to the dead-letter topic)."""
        work = work_for(partition)
        outcome, alerts = work.engine.apply(event, state_of, put_state_on(partition))
        result.alerts += alerts
        produced = record.produced_ms if record is not None else work.gate.produced_ms.pop((TOPIC_RANK[topic], offset), 0)
        if outcome == "applied":
            result.outcomes[(topic, "processed")] += 1
            if produced and topic in _TIMED:
                result.applied_produced_ms.append(produced)
            if record is not None and topic in _TIMED:
                _note_read(states[cid], topic, offset)
        elif outcome == "late":
            result.outcomes[(topic, "late")] += 1
            if record is None:
                record = Record(topic, partition, offset, cid.encode(), encode_event(event))
            result.dead_letters.append(DeadLetter(record, "late", _late_detail(event, state_of(cid), work.engine.core)))
        else:
            result.outcomes[(topic, outcome)] += 1

    touched: set[int] = set(wake)
    wall_by_partition: dict[int, int] = {}
    for n, record in enumerate(records, 1):
        if n % STEP_EVENTS == 0:
            yield
        gate = work_for(record.partition).gate
        touched.add(record.partition)
        if record.topic == TICKS_TOPIC:
            if live_clock and record.value and record.value.isdigit():
                wall_by_partition[record.partition] = int(record.value)
            continue  # otherwise a tick only makes sure the partition's gate is looked at
        try:
            event = decode(record.topic, record.key, record.value, now_ms=now_ms)
        except InvalidEvent as exc:
            result.dead_letters.append(DeadLetter(record, exc.reason, exc.detail))
            result.outcomes[(record.topic, "invalid")] += 1
            continue
        cid = event.customer_id
        if isinstance(event, Profile):
            apply(cid, event, record.topic, record, record.partition, record.offset)
            continue
        state = state_of(cid)
        if redelivered(state, event, record, work_for(record.partition).engine.core):
            result.outcomes[(record.topic, "duplicate")] += 1
        elif gate.admit(event, record.topic, record.offset, state, record.produced_ms):
            _note_read(state, record.topic, record.offset)
            if cid not in states:
                result.only_held.add(cid)
            states[cid] = state
            result.partition_of[cid] = record.partition
        else:
            apply(cid, event, record.topic, record, record.partition, record.offset)

    for partition in touched:
        work = work_for(partition)
        unread, vouched_before = read_horizon(partition)
        unread = list(unread)
        watermark = work.gate.advance(unread, vouched_before)
        wall = wall_by_partition.get(partition)
        if wall is not None and vouched_before is not None:
            wall = min(wall, vouched_before)
        if wall is not None and not unread and (watermark is None or wall > watermark):
            watermark = work.gate.watermark_ms = wall
        put_released = put_state_on(partition)
        for n, (cid, event, offset) in enumerate(work.gate.release(state_of), 1):
            put_released(cid, state_of(cid))  # held events left it: saved even if none applies
            apply(cid, event, _TOPIC_OF[type(event)], None, partition, offset)
            if n % STEP_EVENTS == 0:
                yield
        if watermark is not None:
            result.alerts += work.engine.advance_to(watermark, state_of, put_state_on(partition))


def redelivered(state: CustomerState, event, record: Record, config: CoreConfig) -> bool:
    """A copy of a record that already reached this state, now too old to apply.

    Faust re-reads from the committed offsets after a crash or a rebalance. A re-read copy
    inside the lateness allowance is a duplicate by its event id; one older than that (the id
    memory has forgotten it) used to be dead-lettered as late, filling the DLQ with events that
    had been applied (found by the SIGKILL tests). Its offset tells: this customer's records
    reach its state in offset order, and `read_to` is saved with the state, so an offset at or
    below it was applied or held before. Only too-old copies are judged by offset; anything
    else takes the usual path: a topic re-created with offsets from 0 can at worst have a too-old
    event counted as a duplicate instead of dead-lettered; no event is skipped that could apply."""
    return record.offset <= state.read_to.get(record.topic, -1) and is_late(state, event.occurred_ms, config)


def _note_read(state: CustomerState, topic: str, offset: int) -> None:
    if offset > state.read_to.get(topic, -1):
        state.read_to[topic] = offset


TICKS_TOPIC = "churnwatch-ticks"
"""Contract name of the tick topic: a periodic record on every partition (see the agent)."""
_TOPIC_OF = {Order: "orders", Payment: "payments", Complaint: "complaints"}
_TIMED = frozenset(_TOPIC_OF.values())


def _late_detail(event, state: CustomerState, config: CoreConfig) -> str:
    return (f"occurred_at {format_ms(event.occurred_ms)} is more than {config.lateness_days} days before the "
            f"newest event of customer {event.customer_id} ({format_ms(state.max_event_ms) or 'none'}), or at or before its de-duplication floor; "
            "not applied")
