"""Product range narrowing (seed 004: from five product kinds to two).

Per complete period the core keeps the set of categories bought (`agents.core.periods`). The
recent window is the last ``recent_periods`` complete periods; the baseline is the
``baseline_periods`` complete periods right before it. The baseline range is every category bought
in the baseline (at least ``min_baseline_categories``). What a window of the recent window's
length *normally* covers is measured on the baseline itself: the mean number of distinct
categories over each ``recent_periods``-long run of baseline periods. The rule fires when the
recent window covers at most ``max_ratio`` of that, while the customer still orders (at least
``min_recent_orders`` orders in the recent window, and ``min_order_ratio`` of its baseline rate).

Why "normally covers" rather than the 6-month union: a short window never shows the whole range
of a long one, and the comparison must hold within two periods of the change to be an early
warning. Why the order-rate guard: fewer, larger orders (consolidation) touch fewer categories
by chance, and a customer who stopped ordering is a lapse, not a narrower range. The card's
`product_range` section (recent 90 days vs 180 days before) shows the same story at a slower pace.

Once open, the episode lasts while the recent categories stay below ``recovered_ratio`` of what
the baseline normally covered at the alert.
"""

from __future__ import annotations

from agents.core.periods import period_index, period_label
from agents.core.rules.base import Rule, RuleInput, Signal, severity_at_most

KIND = "range_narrowing"


def check(inp: RuleInput) -> Signal | None:
    state = inp.state
    if state.first_order_ms is None:
        return None
    cfg = inp.config.range_narrowing
    kind = inp.core.period
    last = period_index(inp.clock_ms, kind) - 1
    recent_from = last - cfg.recent_periods + 1
    baseline_from = recent_from - cfg.baseline_periods
    if period_index(state.first_order_ms, kind) > baseline_from:
        return None  # too new: no full baseline yet
    periods = state.periods
    recent, recent_orders = _union(periods, recent_from, last + 1)
    baseline, baseline_orders = _union(periods, baseline_from, recent_from)
    windows = cfg.baseline_periods - cfg.recent_periods + 1
    normal = sum(len(_union(periods, s, s + cfg.recent_periods)[0])
                 for s in range(baseline_from, baseline_from + windows)) / windows
    expected_orders = baseline_orders * cfg.recent_periods / cfg.baseline_periods
    if inp.episode is None:
        if (len(baseline) < cfg.min_baseline_categories or recent_orders < max(1, cfg.min_recent_orders)
                or recent_orders < cfg.min_order_ratio * expected_orders
                or len(recent) > cfg.max_ratio * normal):
            return None
        trigger = "narrowed"
    else:  # measured against the range and coverage the alert was raised on
        normal, baseline = inp.episode["normal"], set(inp.episode["baseline_categories"])
        if recent_orders == 0 or len(recent) >= cfg.recovered_ratio * normal:
            return None
        trigger = "sustained"
    ratio = len(recent) / normal if normal else 0.0
    lost = sorted(baseline - recent)
    labels = [period_label(i, kind) for i in (recent_from, last, baseline_from, recent_from - 1)]
    if inp.episode is not None:
        labels[2:] = inp.episode["baseline_periods"]
    window = labels[0] if cfg.recent_periods == 1 else f"{labels[0]}..{labels[1]}"
    message = (f"Bought {len(recent)} product categories in {window} where {normal:.1f} is normal "
               f"(of {len(baseline)} in {labels[2]}..{labels[3]}); not bought: {', '.join(lost) or '-'}")
    evidence = {
        "rule": KIND,
        "trigger": trigger,
        "recent_periods": labels[:2],
        "baseline_periods": labels[2:],
        "recent_categories": sorted(recent),
        "baseline_categories": sorted(baseline),
        "lost_categories": lost,
        "normal": round(normal, 3),
        "ratio": round(ratio, 4),
        "recent_orders": recent_orders,
        "expected_orders": round(expected_orders, 2),
        "thresholds": {
            "max_ratio": cfg.max_ratio, "min_baseline_categories": cfg.min_baseline_categories,
            "min_recent_orders": cfg.min_recent_orders, "min_order_ratio": cfg.min_order_ratio,
            "recent_periods": cfg.recent_periods, "baseline_periods": cfg.baseline_periods,
            "recovered_ratio": cfg.recovered_ratio,
        },
    }
    return Signal(KIND, severity_at_most(ratio, cfg.severity_ratios), evidence, message,
                  round(max(0.0, min(1.0, 1 - ratio)), 4))


def _union(periods: dict[int, list], start: int, stop: int) -> tuple[set[str], int]:
    """Categories bought and number of orders in periods ``start .. stop - 1``."""
    categories: set[str] = set()
    orders = 0
    for index in range(start, stop):
        agg = periods.get(index)
        if agg is not None:
            orders += agg[0]
            categories.update(agg[3])
    return categories, orders


RULE = Rule(KIND, check)
