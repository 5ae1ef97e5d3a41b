"""`PopulationBoard`: the thresholds always merge the latest summary of every partition, and a
round of summaries is merged once, when the thresholds are next asked for."""

from __future__ import annotations

import streams.population as population_stream
from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary, merge_summaries
from streams.population import PopulationBoard

CORE = CoreConfig()


def _summary(values: list[tuple[int, int, int]]) -> PartitionSummary:
    return PartitionSummary.from_values(values, 1_000 * 86_400_000, CORE)


def test_the_thresholds_merge_the_latest_summary_of_each_partition_once_per_round(monkeypatch):
    merges = []

    def counting_merge(summaries, config):
        merges.append(len(summaries))
        return merge_summaries(summaries, config)

    monkeypatch.setattr(population_stream, "merge_summaries", counting_merge)
    board = PopulationBoard(CORE, partitions=3)
    assert board.thresholds() is None and merges == []

    first = [_summary([(5, 2, 100), (40, 1, 10)]),
             _summary([(2, 9, 5_000)]), _summary([(400, 1, 1)])]
    for partition, summary in enumerate(first):
        board.update(partition, summary, published_at=0.0)
    assert board.thresholds() == merge_summaries(first, CORE)
    assert board.thresholds() == merge_summaries(first, CORE)
    assert merges == [3], "one merge for the round of three summaries, none for a second read"

    newer = _summary([(1, 30, 90_000), (3, 12, 20_000)])
    board.update(1, newer, published_at=1.0)
    assert board.thresholds() == merge_summaries([first[0], newer, first[2]], CORE)
    assert board.thresholds() != merge_summaries(first, CORE), "the newer summary of partition 1 counts"
    assert merges == [3, 3]
    assert board.describe()["thresholds"] == merge_summaries([first[0], newer, first[2]], CORE).to_dict()
