"""Health score: 100 minus explainable penalties, each with its reason.

The score is ``round(100 - sum of points)``, clamped to 0..100. Each component takes off at most
its weight from ``[health]`` in ``config/core.toml`` (defaults in brackets, adding up to 100)
times a fraction between 0 and 1; points are rounded to one decimal, and every component with
points > 0 is listed in ``reasons`` as ``{component, points, detail}`` (biggest first):

- ``recency`` [25]: silence against the customer's own rhythm. ``ratio = recency_days /
  typical gap`` (median gap between its last order days, see `agents.core.rfm`); fraction 0 up
  to ``recency_grace`` (1.5) gaps, 1 from ``recency_full`` (3) gaps, linear in between. No
  penalty without a typical gap (fewer than two order days).
- ``trend`` [20]: order value of the last complete period (the one before the clock's period)
  against the baseline, the mean of the ``trend_baseline_periods`` (6) periods before it,
  counting only periods from the customer's first order on. Fraction ``1 - last / baseline``
  when positive; none without a baseline or with a zero one.
- ``range`` [15]: product-range narrowing, fraction ``1 - ratio`` when the baseline window had
  at least ``range_min_baseline`` (3) categories (see `agents.core.product_range`).
- ``overdue`` [20]: fraction ``max_days_overdue / overdue_full_days`` (90), capped at 1, when an
  amount is overdue.
- ``complaints`` [10]: open complaints weighted by severity (low 0.5, medium 1, high 2,
  critical 3) over ``complaints_full`` (3), capped at 1.
- ``segment`` [10]: full when the RFM segment is one of ``at_risk_segments`` (At Risk, Can't
  Lose Them, About to Sleep, Hibernating); none when the segment is unknown.

Deterministic: a function of the state, the clock and the population thresholds only.
"""

from __future__ import annotations

from agents.core.config import CoreConfig
from agents.core.periods import amount_in, period_index, period_label
from agents.core.rfm import typical_gap_days
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS

COMPONENTS = ("recency", "trend", "range", "overdue", "complaints", "segment")


def health_section(state: CustomerState, clock_ms: int, config: CoreConfig, *, segment: str | None,
                   product_range: dict, receivables: dict) -> dict:
    """The card's ``health`` section; the other sections are passed in to reuse their figures."""
    weights = config.health
    found = [
        _recency(state, clock_ms, config),
        _trend(state, clock_ms, config),
        _narrowing(product_range, config),
        _overdue(receivables, config),
        _complaints(state, config),
        ("segment", 1.0, f"RFM segment {segment}") if segment in weights.at_risk_segments else None,
    ]
    reasons = []
    for item in found:
        if item is None:
            continue
        component, fraction, detail = item
        points = round(getattr(weights, component) * min(1.0, fraction), 1)
        if points > 0:
            reasons.append({"component": component, "points": points, "detail": detail})
    score = round(100 - sum(r["points"] for r in reasons))
    reasons.sort(key=lambda r: (-r["points"], COMPONENTS.index(r["component"])))
    return {"score": max(0, min(100, score)), "reasons": reasons}


Finding = tuple[str, float, str] | None
"""(component, fraction of its weight, human detail), or None when the component is fine."""


def _recency(state: CustomerState, clock_ms: int, config: CoreConfig) -> Finding:
    gap = typical_gap_days(state)
    if gap is None or state.last_order_ms is None:
        return None
    days = (clock_ms - state.last_order_ms) // DAY_MS
    ratio = days / gap
    grace, full = config.health.recency_grace, config.health.recency_full
    if ratio <= grace:
        return None
    return ("recency", (ratio - grace) / (full - grace),
            f"no order for {days} days, {ratio:.1f}x the typical gap of {gap:g} days")


def _trend(state: CustomerState, clock_ms: int, config: CoreConfig) -> Finding:
    if state.first_order_ms is None:
        return None
    last = period_index(clock_ms, config.period) - 1
    first = max(period_index(state.first_order_ms, config.period), last - config.health.trend_baseline_periods)
    baseline = [amount_in(state.periods, i) for i in range(first, last)]
    if not baseline or sum(baseline) <= 0:
        return None
    average = sum(baseline) / len(baseline)
    now = amount_in(state.periods, last)
    if now >= average:
        return None
    return ("trend", 1 - now / average,
            f"{period_label(last, config.period)} order value {now / 100:.2f} vs average "
            f"{average / 100:.2f} of the {len(baseline)} periods before")


def _narrowing(product_range: dict, config: CoreConfig) -> Finding:
    ratio = product_range["ratio"]
    if ratio is None or ratio >= 1 or product_range["baseline"] < config.range_min_baseline:
        return None
    return ("range", 1 - ratio,
            f"{product_range['recent']} categories bought in the last {config.range_recent_days} days "
            f"vs {product_range['baseline']} in the {config.range_baseline_days} days before "
            f"(lost: {', '.join(product_range['lost_categories'])})")


def _overdue(receivables: dict, config: CoreConfig) -> Finding:
    if receivables["overdue_amount"] <= 0:
        return None
    days = receivables["max_days_overdue"]
    return ("overdue", days / config.health.overdue_full_days,
            f"{receivables['overdue_amount']:.2f} overdue, oldest {days} days past due")


def _complaints(state: CustomerState, config: CoreConfig) -> Finding:
    if not state.open_complaints:
        return None
    weights = config.health.severity_weights
    weighted = sum(weights.get(severity, 1.0) for _opened, severity in state.open_complaints.values())
    severities = sorted(severity for _opened, severity in state.open_complaints.values())
    return ("complaints", weighted / config.health.complaints_full,
            f"{len(state.open_complaints)} open complaint(s): {', '.join(severities)}")
