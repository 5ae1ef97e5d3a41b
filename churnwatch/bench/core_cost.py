"""The cost per event of the worker's pure domain work, without a broker, Redis or Faust.

Why beside `churnwatch bench`: on a shared 2-core machine a whole worker's events/s moves by
tens of percent from one run to the next (the broker, the bench's producer and the neighbours
share the cores), which hides a change of 10%. The domain work (decode and validate, gate,
apply, evaluate the rules at day boundaries, encode each changed state, build its card) is
most of a worker's time and can be timed alone in a few seconds, so two versions can be
compared by alternating short runs of this command in their checkouts.

What is timed is what the worker does per batch: `agents.batch.process_batch` over batches of
`batch_size` records of the bench's simulated orders (6 partitions, as the worker partitions
them), then `agents.state_codec.encode` of every changed state, then `build_card` (and its JSON)
of every changed customer. The rules run with population thresholds, as in a worker that has
heard its partitions' summaries: a first, untimed pass over the same orders builds the states
the thresholds are taken from; the timed pass starts from empty states again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import orjson

from agents import state_codec
from agents.batch import PartitionWork, Record, process_batch
from agents.core.alerting import open_alerts
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.gate import EventTimeGate
from agents.core.population import PopulationThresholds, thresholds_from_states
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from agents.customer_agent import partition_of
from churnwatch.bench.workload import build_workload
from streams.codec import encode_event

PARTITIONS = 6


@dataclass(frozen=True)
class CoreCost:
    events: int
    changed: int
    """State writes (and cards): one per customer changed in a batch."""
    alerts: int
    batch_us: float
    """Per event: decode, gate, apply, evaluate (`process_batch`)."""
    encode_us: float
    """Per event: encoding the changed states for the changelog."""
    cards_us: float
    """Per event: building and serialising the changed customers' cards."""

    @property
    def total_us(self) -> float:
        return self.batch_us + self.encode_us + self.cards_us

    @property
    def events_per_s(self) -> float:
        return 1e6 / self.total_us


def order_records(orders: int, customers: int, seed: int, now_ms: int) -> list[Record]:
    """The bench's simulated orders as the worker receives them (key, partition, offset)."""
    offsets = [0] * PARTITIONS
    records = []
    for order in build_workload(orders, customers, "bench-core-", now_ms, seed).orders:
        partition = partition_of(order.customer_id, PARTITIONS)
        records.append(Record("orders", partition, offsets[partition], order.customer_id.encode(),
                              encode_event(order), now_ms))
        offsets[partition] += 1
    return records


def measure(records: list[Record], core: CoreConfig, rules: RulesConfig, now_ms: int, rounds: int = 1,
            batch_size: int = 10_000) -> Iterator[CoreCost]:
    """One untimed pass for the thresholds, then `rounds` timed passes, each from empty states
    (see the module docstring); the cost of each as it ends."""
    thresholds = _thresholds(records, core, rules, now_ms, batch_size)
    for _ in range(rounds):
        _, totals, counts = _run(records, core, rules, thresholds, now_ms, batch_size)
        per_event = [seconds / len(records) * 1e6 for seconds in totals]
        yield CoreCost(len(records), counts[0], counts[1], *per_event)


def _thresholds(records: list[Record], core: CoreConfig, rules: RulesConfig, now_ms: int,
                batch_size: int) -> PopulationThresholds:
    states, _, _ = _run(records, core, rules, None, now_ms, batch_size)
    clock = max(state.max_event_ms or 0 for state in states.values())
    return thresholds_from_states(states.values(), clock, core)


def _run(records: list[Record], core: CoreConfig, rules: RulesConfig, thresholds: PopulationThresholds | None,
         now_ms: int, batch_size: int) -> tuple[dict[str, CustomerState], list[float], list[int]]:
    states: dict[str, CustomerState] = {}
    work: dict[int, PartitionWork] = {}

    def work_for(partition: int) -> PartitionWork:
        if partition not in work:
            work[partition] = PartitionWork(EventTimeGate(), PartitionEngine(core, rules, lambda: thresholds))
        return work[partition]

    totals, counts = [0.0, 0.0, 0.0], [0, 0]
    for start in range(0, len(records), batch_size):
        began = time.perf_counter()
        result = process_batch(records[start:start + batch_size], states.get, now_ms, work_for,
                               lambda partition: ((), None))
        applied = time.perf_counter()
        for customer_id, state in result.changed.items():
            states[customer_id] = state
            state_codec.encode(state)
        encoded = time.perf_counter()
        for customer_id, state in result.changed.items():
            clock = work[result.partition_of[customer_id]].clock_ms or 0
            orjson.dumps(build_card(state, clock, thresholds, core, open_alerts(state)))
        carded = time.perf_counter()
        totals[0] += applied - began
        totals[1] += encoded - applied
        totals[2] += carded - encoded
        counts[0] += len(result.changed)
        counts[1] += len(result.alerts)
    return states, totals, counts
