"""Population statistics across workers: per-partition summaries in, thresholds out.

How it works (and why not a GlobalTable, which has an open recovery bug with several
workers): every worker periodically summarises each partition it actively owns
(`agents.core.population.PartitionSummary`) and sends it to the compacted topic
``churnwatch-population`` keyed by partition number. Every worker also reads that whole topic
with a plain aiokafka consumer (no consumer group: everybody sees every partition's latest
summary) and merges the latest summary of each partition into `PopulationThresholds`.

Staleness: a threshold is at most `publish_interval` + the topic round trip (a few ms) behind
the partitions' own state, plus the time until a partition whose owner changed is summarised
by its new owner (one interval after its recovery). `age_seconds` exposes it as a metric.
"""

from __future__ import annotations

import time

import orjson

from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary, PopulationThresholds, merge_summaries


class PopulationBoard:
    """The latest summary of every partition, and their merge (recomputed when asked for after
    one changed: the summaries of all partitions arrive together every interval, and merging
    after each of them cost 2.4% of a busy worker's time in a profile)."""

    def __init__(self, config: CoreConfig, partitions: int) -> None:
        self._config = config
        self._partitions = partitions
        self._summaries: dict[int, tuple[PartitionSummary, float]] = {}
        self._thresholds: PopulationThresholds | None = None
        self._merged = True

    def update(self, partition: int, summary: PartitionSummary, published_at: float) -> None:
        self._summaries[partition] = (summary, published_at)
        self._merged = False

    def thresholds(self) -> PopulationThresholds | None:
        if not self._merged:
            self._thresholds = merge_summaries([s for s, _ in self._summaries.values()], self._config)
            self._merged = True
        return self._thresholds

    def reported_partitions(self) -> set[int]:
        return set(self._summaries)

    @property
    def complete(self) -> bool:
        """True once every partition has published a summary."""
        return len(self._summaries) >= self._partitions

    def age_seconds(self, now: float | None = None) -> float | None:
        if not self._summaries:
            return None
        now = time.time() if now is None else now
        return now - min(at for _, at in self._summaries.values())

    def describe(self) -> dict:
        return {
            "partitions_reported": sorted(self._summaries),
            "complete": self.complete,
            "age_seconds": self.age_seconds(),
            "thresholds": thresholds.to_dict() if (thresholds := self.thresholds()) else None,
            "partition_clocks": {p: s.as_of_ms for p, (s, _) in sorted(self._summaries.items())},
        }


def summary_message(summary: PartitionSummary) -> bytes:
    return orjson.dumps({"summary": summary.to_dict(), "published_at": time.time()})


def record_summary(board: PopulationBoard, message) -> None:
    """Apply one message of the population topic (key: partition number) to the board."""
    if message.key is None:
        return
    payload = orjson.loads(message.value)
    board.update(int(message.key), PartitionSummary.from_dict(payload["summary"]), payload["published_at"])
