"""The core and an independent pandas implementation agree on a messy random history."""

from __future__ import annotations

import pytest

from agents.core.apply import apply_event
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary, merge_summaries
from agents.core.state import CustomerState
from tests.reference.pandas_cards import reference_cards
from tests.unit.core.history import DAY, History, random_history


def _core_cards(history: History, clock: int, config: CoreConfig, partitions: int = 3) -> tuple[dict, dict]:
    states: dict[str, CustomerState] = {}
    outcomes: dict[str, int] = {}
    for event in history.arrivals:
        state, outcome = apply_event(states.get(event.customer_id), event, config)
        states[event.customer_id] = state
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # Round-trip every state through its changelog form before building cards.
    states = {cid: CustomerState.from_dict(s.to_dict()) for cid, s in states.items()}
    groups = [[s for cid, s in sorted(states.items()) if hash(cid) % partitions == p] for p in range(partitions)]
    thresholds = merge_summaries([PartitionSummary.from_states(g, clock, config) for g in groups], config)
    assert thresholds.exact
    cards = {cid: build_card(s, clock, thresholds, config) for cid, s in states.items()}
    for card in cards.values():
        for reason in card["health"]["reasons"]:
            del reason["detail"]  # prose; the reference checks the numbers
    return cards, outcomes


def _assert_same(core: dict, reference: dict) -> None:
    assert core.keys() == reference.keys()
    for cid in sorted(core):
        for key in core[cid]:
            assert core[cid][key] == reference[cid][key], (cid, key)


@pytest.fixture(scope="module")
def history() -> History:
    return random_history(seed=7, customers=300)


@pytest.mark.parametrize("days_after", [3, 120])
def test_core_matches_reference_monthly(history: History, days_after: int) -> None:
    config = CoreConfig()
    clock = history.newest_ms + days_after * DAY
    core, outcomes = _core_cards(history, clock, config)
    assert outcomes["duplicate"] > 20 and outcomes["late"] > 20  # the history does exercise both
    orders, payments, complaints, profiles = history.frames()
    reference = reference_cards(orders, payments, complaints, profiles, {cid: clock for cid in core}, config)
    _assert_same(core, reference)
    tiers = {card["tier"] for card in core.values()}
    segments = {card["rfm"]["segment"] for card in core.values()}
    assert tiers == {"A", "B", "C"} and len(segments) >= 5


def test_core_matches_reference_weekly_short_windows() -> None:
    history = random_history(seed=11, customers=120, span_days=400)
    config = CoreConfig.from_mapping({
        "period": "week", "card_periods": 8, "max_periods": 10, "trailing_days": 120,
        "range_recent_days": 30, "range_baseline_days": 60, "lateness_days": 3,
        "complaint_recent_days": 30, "gap_history": 4, "tier_shares": [0.6, 0.3, 0.1],
        "health": {"trend_baseline_periods": 4},
    })
    clock = history.newest_ms + 10 * DAY
    core, _ = _core_cards(history, clock, config, partitions=2)
    orders, payments, complaints, profiles = history.frames()
    reference = reference_cards(orders, payments, complaints, profiles, {cid: clock for cid in core}, config)
    _assert_same(core, reference)
