"""The scoring population across partitions: RFM quintile cut points and tier thresholds.

Why summaries: RFM scores and tiers compare a customer with *all* customers, but each worker only
holds the customers of its partitions. Each partition therefore publishes a small
``PartitionSummary`` of its population at its clock, and ``merge_summaries`` turns any set of
them into one ``PopulationThresholds`` that every worker scores with.

The population is every customer with at least one order ever. Per metric (recency_days,
frequency, monetary) a summary holds groups ``(value, count, total)`` sorted by value:
- exact: one group per distinct value (``count`` customers had exactly ``value``); used while
  the metric has at most ``exact_limit`` distinct values in the partition, which is always the
  case for recency and frequency in practice;
- sketch: otherwise the sorted values are cut into ``sketch_size`` runs of equal size, each kept
  as (smallest value, count, sum).
Merging sorts the groups of all partitions by value. When every group is exact, the cut points
and thresholds are exactly those of the pooled population (the definitions in
`agents.core.rfm` and `agents.core.tiers`). With sketches, a group stands for ``count``
customers all at its smallest value: a quintile cut point can be off in rank by at most one
group per sketched partition (1/sketch_size of that partition's customers) and is always a value
some customer really has; tier thresholds use the true sums, so only the boundary group is
coarse.

``as_of`` of merged thresholds is the *oldest* partition clock: every partition's figures are at
least that recent. Scores are always applied to a customer's values at the card's own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from agents.core.config import CoreConfig
from agents.core.rfm import RfmValues, rfm_values, score_higher_better, score_recency, segment
from agents.core.state import CustomerState
from agents.core.tiers import Tier, revenue_tier, tier_thresholds

Group = tuple[int, int, int]
"""(value, count, total): ``count`` customers, ``total`` the sum of their values."""
METRICS = ("recency", "frequency", "monetary")


@dataclass(frozen=True)
class PartitionSummary:
    as_of_ms: int
    population: int
    recency: tuple[Group, ...]
    frequency: tuple[Group, ...]
    monetary: tuple[Group, ...]
    exact: bool

    @classmethod
    def from_states(cls, states: Iterable[CustomerState], clock_ms: int, config: CoreConfig) -> PartitionSummary:
        """Summarise the customers of one partition at the partition's clock."""
        return cls.from_values((rfm_values(state, clock_ms, config) for state in states), clock_ms, config)

    @classmethod
    def from_values(cls, values: Iterable[RfmValues | None], clock_ms: int, config: CoreConfig) -> PartitionSummary:
        """`from_states` from the customers' values at ``clock_ms`` (None: no orders)."""
        columns: tuple[list[int], list[int], list[int]] = ([], [], [])
        for customer in values:
            if customer is not None:
                for column, value in zip(columns, customer):
                    column.append(value)
        grouped = [_groups(sorted(column), config) for column in columns]
        return cls(clock_ms, len(columns[0]), grouped[0][0], grouped[1][0], grouped[2][0],
                   all(exact for _, exact in grouped))

    def to_dict(self) -> dict[str, Any]:
        return {"as_of_ms": self.as_of_ms, "population": self.population, "exact": self.exact,
                **{m: [list(g) for g in getattr(self, m)] for m in METRICS}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PartitionSummary:
        return cls(d["as_of_ms"], d["population"], *(tuple(tuple(g) for g in d[m]) for m in METRICS),
                   d["exact"])


@dataclass(frozen=True)
class PopulationThresholds:
    """What a card needs to score a customer against the whole population."""

    as_of_ms: int
    population: int
    exact: bool
    recency_cuts: tuple[int, int, int, int] | None
    frequency_cuts: tuple[int, int, int, int] | None
    monetary_cuts: tuple[int, int, int, int] | None
    tier_a_cents: int | None
    tier_b_cents: int | None

    def scores(self, recency_days: int, frequency: int, monetary_cents: int) -> tuple[int, int, int, str] | None:
        """(R, F, M, segment) of one customer's values; None for an empty population."""
        if self.recency_cuts is None or self.frequency_cuts is None or self.monetary_cuts is None:
            return None
        r = score_recency(recency_days, self.recency_cuts)
        f = score_higher_better(frequency, self.frequency_cuts)
        return r, f, score_higher_better(monetary_cents, self.monetary_cuts), segment(r, f)

    def tier(self, monetary_cents: int) -> Tier:
        return revenue_tier(monetary_cents, self.tier_a_cents, self.tier_b_cents)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of_ms": self.as_of_ms, "population": self.population, "exact": self.exact,
                "recency_cuts": _list(self.recency_cuts), "frequency_cuts": _list(self.frequency_cuts),
                "monetary_cuts": _list(self.monetary_cuts), "tier_a_cents": self.tier_a_cents,
                "tier_b_cents": self.tier_b_cents}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PopulationThresholds:
        return cls(d["as_of_ms"], d["population"], d["exact"], _tuple(d["recency_cuts"]),
                   _tuple(d["frequency_cuts"]), _tuple(d["monetary_cuts"]), d["tier_a_cents"],
                   d["tier_b_cents"])


def merge_summaries(summaries: Sequence[PartitionSummary], config: CoreConfig) -> PopulationThresholds:
    """Pool partition summaries into the population's cut points and tier thresholds."""
    if not summaries:
        raise ValueError("merge_summaries needs at least one partition summary")
    pooled = {m: sorted(g for s in summaries for g in getattr(s, m)) for m in METRICS}
    cuts = {m: _quintile_cuts(pooled[m]) for m in METRICS}
    tier_a, tier_b = tier_thresholds(reversed(pooled["monetary"]), config.tier_shares)
    return PopulationThresholds(
        as_of_ms=min(s.as_of_ms for s in summaries),
        population=sum(s.population for s in summaries),
        exact=all(s.exact for s in summaries),
        recency_cuts=cuts["recency"], frequency_cuts=cuts["frequency"], monetary_cuts=cuts["monetary"],
        tier_a_cents=tier_a, tier_b_cents=tier_b,
    )


def thresholds_from_states(states: Iterable[CustomerState], clock_ms: int, config: CoreConfig) -> PopulationThresholds:
    """Single-process shortcut (backtest, tests): one summary of everybody, merged."""
    return merge_summaries([PartitionSummary.from_states(states, clock_ms, config)], config)


def _groups(ascending: list[int], config: CoreConfig) -> tuple[tuple[Group, ...], bool]:
    """Run-length groups of a sorted column while small enough, else an equal-count sketch."""
    runs: list[list[int]] = []
    for value in ascending:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
            runs[-1][2] += value
        elif len(runs) == config.exact_limit:
            break
        else:
            runs.append([value, 1, value])
    else:
        return tuple(tuple(run) for run in runs), True  # type: ignore[misc]
    n, size = len(ascending), config.sketch_size
    bounds = [j * n // size for j in range(size + 1)]
    sketch = tuple((ascending[lo], hi - lo, sum(ascending[lo:hi])) for lo, hi in zip(bounds, bounds[1:]) if hi > lo)
    return sketch, False


def _quintile_cuts(groups: list[Group]) -> tuple[int, int, int, int] | None:
    """Quintile cut points of pooled groups (exact when every group holds a single value)."""
    n = sum(g[1] for g in groups)
    if n == 0:
        return None
    wanted = [k * (n - 1) // 5 for k in (1, 2, 3, 4)]
    cuts: list[int] = []
    seen = 0
    for value, count, _total in groups:
        seen += count
        while len(cuts) < 4 and wanted[len(cuts)] < seen:
            cuts.append(value)
    return tuple(cuts)  # type: ignore[return-value]


def _list(cuts: tuple[int, ...] | None) -> list[int] | None:
    return list(cuts) if cuts is not None else None


def _tuple(cuts: list[int] | None) -> tuple[int, int, int, int] | None:
    return tuple(cuts) if cuts is not None else None  # type: ignore[return-value]
