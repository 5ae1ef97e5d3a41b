"""One batch of raw Kafka records in, state changes and dead letters out: no I/O, no Faust.

Why a batch step outside the agent: the Faust agent stays a thin adapter (take records, call
this, write the table, send what it returns), and the same step is unit-tested and benchmarked
without a broker. State is written once per customer per batch, which is what makes the
changelog write path affordable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.events import Profile
from agents.core.state import CustomerState
from streams.codec import InvalidEvent, decode


@dataclass(frozen=True, slots=True)
class Record:
    """A Kafka record as the batch step needs it; `topic` is the contract name (no prefix)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: Record
    reason: str
    detail: str


@dataclass
class BatchResult:
    changed: dict[str, CustomerState] = field(default_factory=dict)
    """Customer id -> its new state (one table write each)."""
    last_record: dict[str, Record] = field(default_factory=dict)
    """Customer id -> the last record that touched it (its partition is the state's partition)."""
    dead_letters: list[DeadLetter] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    """(topic, outcome) -> count, outcome in processed, invalid, duplicate, late."""
    max_event_ms: dict[int, int] = field(default_factory=dict)
    """Partition -> newest event time seen in this batch (feeds the event-time clock)."""


def process_batch(
    records: list[Record],
    get_state: Callable[[str], CustomerState | None],
    config: CoreConfig,
    now_ms: int,
) -> BatchResult:
    """Decode, validate and apply a batch in arrival order (Kafka's per-customer order)."""
    result = BatchResult()
    states = result.changed
    for record in records:
        try:
            event = decode(record.topic, record.key, record.value, now_ms=now_ms)
        except InvalidEvent as exc:
            result.dead_letters.append(DeadLetter(record, exc.reason, exc.detail))
            result.outcomes[(record.topic, "invalid")] += 1
            continue
        cid = event.customer_id
        state = states.get(cid)
        if state is None:
            state = get_state(cid)
        state, outcome = apply_event(state, event, config)
        if outcome == "late":
            result.dead_letters.append(DeadLetter(record, "late", _late_detail(event, state, config)))
            result.outcomes[(record.topic, "late")] += 1
            continue
        if outcome != "applied":
            result.outcomes[(record.topic, outcome)] += 1
            continue
        result.outcomes[(record.topic, "processed")] += 1
        states[cid] = state
        result.last_record[cid] = record
        if not isinstance(event, Profile):
            newest = result.max_event_ms.get(record.partition, 0)
            if event.occurred_ms > newest:
                result.max_event_ms[record.partition] = event.occurred_ms
    return result


def _late_detail(event, state: CustomerState, config: CoreConfig) -> str:
    return (f"occurred_at is more than {config.lateness_days} days before the newest event of "
            f"customer {event.customer_id}; not applied")
