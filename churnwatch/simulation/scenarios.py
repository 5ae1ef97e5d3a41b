"""Scripted customer stories with a known onset: the ground truth a backtest scores against.

Why scripted and not random noise: precision, recall and lead time need to know *which*
customers really slip and *when* it started. Churn stories are what the rules must catch;
the "bait" stories (a short dip, a one-month gap, order consolidation) look alarming for a
moment but are harmless, and a good rule set stays quiet on them.

Onsets fall in the second half of the history so that every customer has a baseline.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Mapping, Sequence

from churnwatch.simulation.spec import DAY_MS, HOUR_MS


class Scenario(StrEnum):
    STEADY = "steady"
    VOLUME_DECLINE = "volume_decline"
    RANGE_NARROWING = "range_narrowing"
    SILENT_LAPSE = "silent_lapse"
    LATE_PAYER = "late_payer"
    UNRESOLVED_COMPLAINT = "unresolved_complaint"
    SEASONAL_DIP = "seasonal_dip"
    ONE_MONTH_GAP = "one_month_gap"
    CONSOLIDATION = "consolidation"


CHURN: frozenset[Scenario] = frozenset({
    Scenario.VOLUME_DECLINE, Scenario.RANGE_NARROWING, Scenario.SILENT_LAPSE,
    Scenario.LATE_PAYER, Scenario.UNRESOLVED_COMPLAINT,
})
"""Stories a warning system should flag; the others are steady customers or false-alarm bait."""

KEY_ACCOUNT_SHARES: Mapping[Scenario, float] = {
    Scenario.VOLUME_DECLINE: 0.07, Scenario.RANGE_NARROWING: 0.06, Scenario.SILENT_LAPSE: 0.05,
    Scenario.LATE_PAYER: 0.06, Scenario.UNRESOLVED_COMPLAINT: 0.05,
    Scenario.SEASONAL_DIP: 0.05, Scenario.ONE_MONTH_GAP: 0.05, Scenario.CONSOLIDATION: 0.04,
}
"""Share of key accounts per story (the rest are steady): the stories concentrate where alerts matter."""

OTHER_SHARES: Mapping[Scenario, float] = {
    scenario: 0.02 for scenario in KEY_ACCOUNT_SHARES
}

TAIL_MONTHS: Mapping[Scenario, int] = {
    Scenario.VOLUME_DECLINE: 4, Scenario.RANGE_NARROWING: 4, Scenario.SILENT_LAPSE: 4,
    Scenario.LATE_PAYER: 5, Scenario.UNRESOLVED_COMPLAINT: 3,
    Scenario.SEASONAL_DIP: 4, Scenario.ONE_MONTH_GAP: 3, Scenario.CONSOLIDATION: 4,
}
"""Months of history a story needs after its onset to play out (a late payment needs terms + 45 days)."""

MONTH_ALIGNED: frozenset[Scenario] = frozenset({
    Scenario.VOLUME_DECLINE, Scenario.RANGE_NARROWING, Scenario.SEASONAL_DIP,
    Scenario.ONE_MONTH_GAP, Scenario.CONSOLIDATION,
})
"""Stories shaped per calendar month start on the first day of the onset month; the others
(a last order, a first late invoice, a complaint) start at an instant inside it."""


@dataclass(frozen=True, slots=True)
class Needs:
    """What a customer's baseline must look like for a story to be visible at all."""

    categories: int = 2
    orders_per_month: float = 1.0


NEEDS: Mapping[Scenario, Needs] = {
    Scenario.RANGE_NARROWING: Needs(categories=5, orders_per_month=2.5),
    Scenario.CONSOLIDATION: Needs(orders_per_month=3.5),
}


@dataclass(frozen=True, slots=True)
class ScenarioPlan:
    scenario: Scenario
    onset_month: int | None = None
    """Index of the month (0 = first month of the history) in which the story starts."""
    onset_ms: int | None = None
    strength: float = 0.0
    """Story-specific: monthly decline rate, dip depth; 0 where unused."""
    duration: int = 0
    """Months a seasonal dip lasts."""


@dataclass(frozen=True, slots=True)
class MonthShape:
    """How a story bends one calendar month of a customer's ordering."""

    volume: float = 1.0
    """Multiplier of the month's order value (and so of its quantities)."""
    orders: float = 1.0
    """Multiplier of the number of orders."""
    max_orders: int | None = None
    categories: int | None = None
    """Buy only from the customer's top-n categories."""
    stop_ms: int | None = None
    """No orders at or after this instant."""
    at_most_previous: float | None = None
    """Cap of the month's value as a share of the month before: a decline that never wavers."""


STEADY_MONTH = MonthShape()


def month_shape(plan: ScenarioPlan, month: int) -> MonthShape:
    """The shape of month ``month`` (0-based) under ``plan``; before the onset every month is steady."""
    if plan.onset_month is None or month < plan.onset_month:
        return STEADY_MONTH
    k = month - plan.onset_month
    match plan.scenario:
        case Scenario.VOLUME_DECLINE:
            volume = max(0.08, (1.0 - plan.strength) ** (k + 1))
            return MonthShape(volume=volume, orders=math.sqrt(volume), at_most_previous=0.9)
        case Scenario.RANGE_NARROWING:
            return MonthShape(categories=3 if k == 0 else 2)
        case Scenario.SILENT_LAPSE:
            return MonthShape(stop_ms=plan.onset_ms)
        case Scenario.SEASONAL_DIP:
            return MonthShape(volume=plan.strength, orders=0.7) if k < plan.duration else STEADY_MONTH
        case Scenario.ONE_MONTH_GAP:
            if k == 0:
                return MonthShape(volume=0.0)
            return MonthShape(volume=1.25) if k == 1 else STEADY_MONTH
        case Scenario.CONSOLIDATION:
            return MonthShape(max_orders=1)
    return STEADY_MONTH


def pays_late(plan: ScenarioPlan, invoiced_ms: int) -> bool:
    """Whether an invoice issued at ``invoiced_ms`` falls under a late-payer story."""
    return (plan.scenario is Scenario.LATE_PAYER and plan.onset_ms is not None
            and invoiced_ms >= plan.onset_ms)


def allocate(members: Sequence[str], shares: Mapping[Scenario, float], rng: random.Random) -> dict[str, Scenario]:
    """Exact story counts for a group (largest remainder), spread over a shuffled member list.

    Why exact counts instead of a coin flip per customer: a backtest over 2000 customers should
    always find the same number of each story, whatever the seed.
    """
    n = len(members)
    raw = {scenario: share * n for scenario, share in shares.items()}
    counts = {scenario: int(value) for scenario, value in raw.items()}
    spare = min(n, round(sum(raw.values()))) - sum(counts.values())
    for scenario in sorted(raw, key=lambda s: (counts[s] - raw[s], list(shares).index(s)))[:max(0, spare)]:
        counts[scenario] += 1
    shuffled = list(members)
    rng.shuffle(shuffled)
    assigned: dict[str, Scenario] = {}
    cursor = 0
    for scenario in shares:
        for member in shuffled[cursor:cursor + counts[scenario]]:
            assigned[member] = scenario
        cursor += counts[scenario]
    for member in shuffled[cursor:]:
        assigned[member] = Scenario.STEADY
    return assigned


def plan(scenario: Scenario, month_starts_ms: Sequence[int], rng: random.Random) -> ScenarioPlan:
    """Place the onset of ``scenario`` in the second half of the history and draw its strength."""
    if scenario is Scenario.STEADY:
        return ScenarioPlan(scenario)
    months = len(month_starts_ms) - 1
    first = months // 2
    onset_month = rng.randint(first, max(first, months - TAIL_MONTHS[scenario]))
    month_start = month_starts_ms[onset_month]
    if scenario in MONTH_ALIGNED:
        onset_ms = month_start
    else:
        onset_ms = month_start + rng.randrange(1, 20) * DAY_MS + rng.randrange(8, 17) * HOUR_MS
    strength = {
        Scenario.VOLUME_DECLINE: rng.uniform(0.25, 0.4),
        Scenario.SEASONAL_DIP: rng.uniform(0.4, 0.6),
    }.get(scenario, 0.0)
    duration = rng.randint(1, 2) if scenario is Scenario.SEASONAL_DIP else 0
    return ScenarioPlan(scenario, onset_month, onset_ms, strength, duration)
