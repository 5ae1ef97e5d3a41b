"""A big batch is processed in steps (the worker's event loop runs between them) with exactly
the result of processing it in one go."""

from __future__ import annotations

from agents.batch import STEP_EVENTS, BatchResult, Record, batch_steps, process_batch
from agents.core.config import CoreConfig
from agents.core.rules.config import RulesConfig
from agents.customer_agent import CustomerPipeline
from streams.codec import encode_event
from streams.population import PopulationBoard
from streams.settings import Settings
from tests.unit.gate.test_gate import DAY, _order


def _pipeline() -> CustomerPipeline:
    settings, core = Settings(), CoreConfig()
    return CustomerPipeline(settings=settings, core=core, state={}, metrics=None,
                            board=PopulationBoard(core, settings.partitions), redis=None, alerts=None,
                            rules=RulesConfig())


def _records(customers: int, orders_each: int) -> list[Record]:
    records = []
    for n in range(orders_each):
        for c in range(customers):
            cid = f"C{c:03d}"
            records.append(Record("orders", 0, len(records), cid.encode(),
                                  encode_event(_order(cid, n, 100 + 9 * n + c % 5))))
    return records


def _summary(result: BatchResult) -> tuple:
    return ({cid: state.to_dict() for cid, state in result.changed.items()}, dict(result.outcomes),
            result.alerts, [(d.record.offset, d.reason) for d in result.dead_letters])


def test_a_batch_in_steps_pauses_and_equals_the_batch_in_one_go():
    records = _records(customers=60, orders_each=40)  # 2,400 records, every one applied
    whole_pipeline, stepped_pipeline = _pipeline(), _pipeline()
    whole = process_batch(records, whole_pipeline.state.get, now_ms=900 * DAY,
                          work_for=whole_pipeline.work_for, read_horizon=lambda p: ([], None))
    stepped, pauses = BatchResult(), 0
    for _ in batch_steps(stepped, records, stepped_pipeline.state.get, 900 * DAY, stepped_pipeline.work_for,
                         lambda p: ([], None)):
        pauses += 1
    assert whole.outcomes == {("orders", "processed"): len(records)}
    assert pauses >= 2 * len(records) // STEP_EVENTS - 2  # while decoding, and while applying
    assert _summary(stepped) == _summary(whole)
    assert stepped_pipeline.clock_ms(0) == whole_pipeline.clock_ms(0) > 0


def test_changed_states_are_grouped_by_partition_in_their_order():
    result = BatchResult()
    for cid, partition in (("a", 1), ("b", 0), ("c", 1)):
        result.changed[cid] = cid  # stands in for a state
        result.partition_of[cid] = partition
    assert result.changed_by_partition() == {1: [("a", "a"), ("c", "c")], 0: [("b", "b")]}


def test_held_only_customers_are_marked_and_applied_events_keep_their_kafka_timestamps():
    """The worker republishes a changed customer's card unless the batch only held its events
    (the card shows nothing of them): a live event is held for the gate's grace period and
    applied by a later batch, and both batches change the state. The latency to application
    is measured from each event's own Kafka timestamp, also after a hold."""
    pipeline, now = _pipeline(), 900 * DAY
    a_first = Record("orders", 0, 0, b"A", encode_event(_order("A", 0, 12)), produced_ms=5_000)
    b_early = Record("orders", 0, 1, b"B", encode_event(_order("B", 0, 10)), produced_ms=1_000)
    a_second = Record("orders", 0, 2, b"A", encode_event(_order("A", 1, 13)), produced_ms=5_000)

    def batch(records, vouched_before, wake=()):
        result = BatchResult()
        for _ in batch_steps(result, records, pipeline.state.get, now, pipeline.work_for,
                             lambda p: ([], vouched_before), wake=wake):
            pass
        pipeline.state.update(result.changed)
        return result

    held = batch([a_first, b_early], vouched_before=2_000)  # B was produced before the vouched time
    assert set(held.changed) == {"A", "B"} and held.only_held == {"A"}
    assert held.outcomes == {("orders", "processed"): 1}  # B applied: its card changed
    assert held.applied_produced_ms == [1_000], "the latency to application starts at the Kafka timestamp"
    both = batch([a_second], vouched_before=4_000)  # nothing new vouched: A's second order is held too
    assert both.only_held == {"A"} and len(pipeline.state["A"].held) == 2
    released = batch([], vouched_before=6_000, wake=[0])
    assert "A" in released.changed and released.only_held == set()  # (B: evaluated at the day boundaries passed)
    assert released.outcomes == {("orders", "processed"): 2} and pipeline.state["A"].orders == 2
    assert released.applied_produced_ms == [5_000, 5_000], "held events are measured from their own timestamps"
    assert pipeline.work_for(0).gate.produced_ms == {}, "nothing kept for events gone"
