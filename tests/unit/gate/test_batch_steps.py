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
