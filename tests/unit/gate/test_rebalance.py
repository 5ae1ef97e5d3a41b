"""After a rebalance the worker's per-partition memory starts again from the recovered table.

Faust seeks every assigned partition (kept ones too) back to its committed offset after each
rebalance. A gate that remembered how far it had read before would let its watermark run ahead
of a topic that is about to be re-read, and that topic's events would be applied out of order.
"""

from __future__ import annotations

from agents.batch import Record, process_batch
from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.rules.config import RulesConfig
from agents.customer_agent import CustomerPipeline, partition_of
from streams.codec import encode_event
from streams.population import PopulationBoard
from streams.settings import Settings
from tests.unit.gate.test_gate import DAY, _invoice, _order


def _customer_on(partition: int, partitions: int) -> str:
    return next(cid for n in range(1000) if partition_of(cid := f"C{n}", partitions) == partition)


def _pipeline(table: dict) -> CustomerPipeline:
    settings, core = Settings(), CoreConfig()
    return CustomerPipeline(settings=settings, core=core, state=table, metrics=None,
                            board=PopulationBoard(core, settings.partitions), redis=None, alerts=None,
                            rules=RulesConfig())


def test_rebuild_forgets_read_positions_and_partitions_no_longer_owned():
    settings = Settings()
    kept, revoked = _customer_on(0, settings.partitions), _customer_on(1, settings.partitions)
    table = {cid: apply_event(None, _order(cid, 0, 100), CoreConfig())[0] for cid in (kept, revoked)}
    pipeline = _pipeline(table)
    for partition in (0, 1):  # what the previous generation had read, ahead of its commits
        gate = pipeline.work_for(partition).gate
        gate.newest_read.update(orders=300 * DAY, payments=290 * DAY)
        gate.watermark_ms = 290 * DAY

    pipeline.rebuild_indexes(owned={0})

    assert set(pipeline.work) == {0}
    gate = pipeline.work[0].gate
    assert (gate.watermark_ms, gate.newest_read) == (None, {})
    assert gate.clock_ms == 100 * DAY, "the clock restarts from the recovered states"
    assert list(pipeline.cards_pending) == [kept], "a revoked customer's card is its new owner's"
    assert pipeline.customers_by_partition == {0: {kept}}

    # Re-reading from the committed offsets: payments is behind orders, so the order waits.
    cid = kept
    late_order = Record("orders", 0, 5, cid.encode(), encode_event(_order(cid, 1, 200)))
    result = process_batch([late_order], table.get, now_ms=400 * DAY, work_for=pipeline.work_for,
                           read_horizon=lambda p: (["payments"], None))
    assert result.outcomes == {}, "held until payments has been re-read past day 200"
    table.update(result.changed)
    invoice = Record("payments", 0, 3, cid.encode(), encode_event(_invoice(cid, 0, 150)))
    result = process_batch([invoice], table.get, now_ms=400 * DAY, work_for=pipeline.work_for,
                           read_horizon=lambda p: ([], None))
    assert result.outcomes == {("payments", "processed"): 1, ("orders", "processed"): 1}
    assert not result.dead_letters


def test_a_rebuild_pauses_and_shows_the_new_indexes_only_when_it_is_complete(monkeypatch):
    """A million states take ~20 s to read: the rebuild pauses so that the event loop runs, and
    what runs between its pauses (lookups, card publication) sees the old indexes, not half of
    the new ones."""
    import agents.customer_agent as customer_agent

    monkeypatch.setattr(customer_agent, "REBUILD_CHUNK", 2)
    settings = Settings()
    customers = [_customer_on(0, settings.partitions) + suffix for suffix in ("", "x", "y", "z", "w")]
    owned = {partition_of(cid, settings.partitions) for cid in customers}
    table = {cid: apply_event(None, _order(cid, 0, 100 + n), CoreConfig())[0] for n, cid in enumerate(customers)}
    pipeline = _pipeline(table)
    before = pipeline.work_for(0)
    pipeline.cards_pending["old"] = 0

    steps = pipeline.rebuild_index_steps(owned)
    pauses = 0
    for _ in steps:
        pauses += 1
        assert pipeline.work_for(0) is before and list(pipeline.cards_pending) == ["old"]
    assert pauses == len(customers) // 2
    assert pipeline.work_for(0) is not before
    assert pipeline.cards_pending == {cid: partition_of(cid, settings.partitions) for cid in customers}
    assert {cid for members in pipeline.customers_by_partition.values() for cid in members} == set(customers)
