"""RFM values, quintile scores, segments, population summaries, tiers, relationship stage."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary, PopulationThresholds, merge_summaries, thresholds_from_states
from agents.core.rfm import SEGMENTS, rfm_values, score_higher_better, score_recency, segment, typical_gap_days
from agents.core.state import CustomerState
from agents.core.tiers import relationship_stage, revenue_tier, tier_thresholds
from tests.unit.core.builders import DAY, applied, ms, order

CONFIG = CoreConfig()


def test_rfm_values_use_a_half_open_trailing_window() -> None:
    clock = ms("2024-06-01")
    state = applied([order(clock - 365 * DAY, 100), order(clock - 365 * DAY + 1, 200), order(clock - DAY - 1, 400)])
    assert rfm_values(state, clock, CONFIG) == (1, 2, 600)  # 1 day + 1 ms ago -> recency 1 (floor)
    assert rfm_values(CustomerState("C0"), clock, CONFIG) is None


def test_scores_follow_the_lower_quintile_cut_points() -> None:
    # n = 10 values 1..10: cut indices floor(k * 9 / 5) = 1, 3, 5, 7 -> cut values 2, 4, 6, 8
    cuts = (2, 4, 6, 8)
    assert [score_higher_better(v, cuts) for v in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [score_recency(v, cuts) for v in range(1, 11)] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_the_segment_map_covers_all_25_cells_as_specified() -> None:
    expected = {}
    for r in range(1, 6):
        for f in range(1, 6):
            if r <= 2:
                expected[r, f] = "Hibernating" if f <= 2 else "At Risk" if f <= 4 else "Can't Lose Them"
            elif r == 3 and f <= 2:
                expected[r, f] = "About to Sleep"
            elif (r, f) == (3, 3):
                expected[r, f] = "Need Attention"
            elif f >= 4:
                expected[r, f] = "Loyal" if r <= 4 else "Champions"
            elif f == 1:
                expected[r, f] = "Promising" if r == 4 else "New"
            else:
                expected[r, f] = "Potential Loyalists"
    assert {(r, f): segment(r, f) for r in range(1, 6) for f in range(1, 6)} == expected
    assert set(expected.values()) == set(SEGMENTS)


def test_typical_gap_is_the_median_gap_between_distinct_order_days() -> None:
    day0 = ms("2024-01-01")
    state = applied([order(day0), order(day0 + 3600_000), order(day0 + 10 * DAY), order(day0 + 30 * DAY),
                     order(day0 + 31 * DAY)])
    assert typical_gap_days(state) == 10.0  # gaps 10, 20, 1 (two orders on day 0 are one occasion)
    assert typical_gap_days(applied([order(day0), order(day0 + 5)])) is None


def _population(rnd: random.Random, n: int, clock: int) -> list[CustomerState]:
    states = []
    for c in range(n):
        times = sorted(clock - rnd.randrange(500) * DAY for _ in range(rnd.randint(1, 12)))
        events = [order(t, rnd.choice([0, 100, 5_000, rnd.randrange(10**6)]), cid=f"P{c}") for t in times]
        states.append(applied(events))
    return states + [CustomerState("no-orders")]


def test_merged_partitions_give_the_pooled_numpy_cut_points_and_scores() -> None:
    rnd = random.Random(2)
    clock = ms("2024-06-01")
    states = _population(rnd, 437, clock)
    thresholds = merge_summaries([PartitionSummary.from_states(states[p::4], clock, CONFIG) for p in range(4)], CONFIG)
    values = np.array([rfm_values(s, clock, CONFIG) for s in states if s.orders])
    for column, cuts in enumerate((thresholds.recency_cuts, thresholds.frequency_cuts, thresholds.monetary_cuts)):
        assert list(cuts) == list(np.quantile(values[:, column], [0.2, 0.4, 0.6, 0.8], method="lower"))
    assert thresholds.exact and thresholds.population == 437 and thresholds.as_of_ms == clock
    assert thresholds == thresholds_from_states(states, clock, CONFIG)


def test_a_sketch_stays_close_to_the_exact_cut_points() -> None:
    rnd = random.Random(4)
    clock = ms("2024-06-01")
    states = _population(rnd, 3000, clock)
    config = CoreConfig(exact_limit=50, sketch_size=100)
    exact = thresholds_from_states(states, clock, CONFIG)
    approx = merge_summaries([PartitionSummary.from_states(states[p::3], clock, config) for p in range(3)], config)
    assert not approx.exact and exact.exact
    monetary = np.sort(np.array([rfm_values(s, clock, CONFIG)[2] for s in states if s.orders]))
    for got, want in zip(approx.monetary_cuts, exact.monetary_cuts):
        rank_error = abs(np.searchsorted(monetary, got) - np.searchsorted(monetary, want))
        assert rank_error <= 3 * 3000 / 300  # a group per partition
    assert approx.frequency_cuts == exact.frequency_cuts  # few distinct values: still exact groups


def test_summaries_and_thresholds_round_trip_through_json() -> None:
    clock = ms("2024-06-01")
    summary = PartitionSummary.from_states(_population(random.Random(1), 30, clock), clock, CONFIG)
    assert PartitionSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    thresholds = merge_summaries([summary], CONFIG)
    assert PopulationThresholds.from_dict(json.loads(json.dumps(thresholds.to_dict()))) == thresholds


def test_an_empty_population_scores_nobody() -> None:
    thresholds = thresholds_from_states([CustomerState("x")], ms("2024-06-01"), CONFIG)
    assert thresholds.scores(3, 1, 100) is None and thresholds.tier(100) == "C"
    with pytest.raises(ValueError):
        merge_summaries([], CONFIG)


def test_tier_thresholds_by_cumulative_revenue_share() -> None:
    # total 200: A reaches 80% (160) with 100 + 50 + 30 -> T_A = 30; B reaches 95% (190) with + 10 -> T_B = 10
    groups = [(100, 1, 100), (50, 1, 50), (30, 1, 30), (10, 2, 20), (0, 3, 0)]
    t_a, t_b = tier_thresholds(groups, (0.8, 0.15, 0.05))
    assert (t_a, t_b) == (30, 10)
    assert [revenue_tier(v, t_a, t_b) for v in (100, 30, 29, 10, 9, 0)] == ["A", "A", "B", "B", "C", "C"]
    assert tier_thresholds([(0, 4, 0)], (0.8, 0.15, 0.05)) == (None, None)
    assert tier_thresholds([(7, 1, 7)], (0.8, 0.2, 0.0)) == (7, 7)


def test_relationship_stage_from_share_of_wallet() -> None:
    assert relationship_stage(0, 0.9) == "development"
    assert relationship_stage(3, None) is None
    assert [relationship_stage(3, s) for s in (0.0, 0.29, 0.3, 0.59, 0.6, 1.0)] == [
        "initial_cooperation", "initial_cooperation", "stable", "stable", "strategic_partner", "strategic_partner"]
