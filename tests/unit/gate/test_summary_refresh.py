"""A partition is summarised again when its clock moves, even if no customer changed."""

from __future__ import annotations

from tests.unit.gate.test_gate import DAY
from tests.unit.gate.test_rebalance import _pipeline


def test_a_clock_step_without_a_changed_customer_makes_the_summary_due():
    pipeline = _pipeline({})
    for partition in (0, 1):
        pipeline.work_for(partition).gate.watermark_ms = 100 * DAY
    assert pipeline.partitions_to_summarise({0, 1}, reported=set()) == [0, 1]
    pipeline.summarised_clock.update({0: 100 * DAY, 1: 100 * DAY})
    assert pipeline.partitions_to_summarise({0, 1}, reported={0, 1}) == [], "nothing moved"

    pipeline.work[1].gate.watermark_ms = 101 * DAY  # e.g. the last events were duplicates
    assert pipeline.partitions_to_summarise({0, 1}, reported={0, 1}) == [1]

    pipeline.summaries_pending.update({0, 5})
    assert pipeline.partitions_to_summarise({0, 1}, reported={0, 1}) == [0, 1], "only owned partitions"
    assert pipeline.summaries_pending == set()
