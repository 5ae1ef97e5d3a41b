"""Recency lapse: a customer who stops ordering sends no events, so silence itself is the signal.

The customer's own rhythm sets the bar: silence (event time since the last order) longer than
``gap_multiple`` times its typical inter-order gap (`agents.core.rfm.typical_gap_days`, the median
gap between its last order days) and longer than ``min_days``. Guard: the typical gap needs at
least ``min_order_days`` distinct order days. Severity grows with silence / threshold.

Nothing arrives while a customer is silent, so the rule tells the engine when to look again
(``due``): the instant the silence crosses the threshold, then each severity step.
"""

from __future__ import annotations

from agents.core.rules.base import Rule, RuleInput, Signal, severity_at_least
from agents.core.timeutil import DAY_MS, format_ms

KIND = "recency_lapse"


def _threshold_days(inp: RuleInput) -> float | None:
    cfg = inp.config.recency_lapse
    state = inp.state
    if state.last_order_ms is None or len(state.order_days) < cfg.min_order_days:
        return None
    return max(cfg.gap_multiple * inp.typical_gap, float(cfg.min_days))


def check(inp: RuleInput) -> Signal | None:
    threshold = _threshold_days(inp)
    if threshold is None:
        return None
    cfg = inp.config.recency_lapse
    last = inp.state.last_order_ms
    silence_ms = inp.clock_ms - last
    if silence_ms <= threshold * DAY_MS:
        return None
    days = silence_ms // DAY_MS
    gap = inp.typical_gap
    multiple = silence_ms / (threshold * DAY_MS)
    evidence = {
        "rule": KIND,
        "days_silent": days,
        "last_order_at": format_ms(last),
        "typical_gap_days": gap,
        "threshold_days": round(threshold, 2),
        "order_days_used": len(inp.state.order_days),
        "thresholds": {"gap_multiple": cfg.gap_multiple, "min_days": cfg.min_days,
                       "min_order_days": cfg.min_order_days},
    }
    message = (f"No order for {days} days (last {format_ms(last)[:10]}), {days / gap:.1f}x the typical "
               f"gap of {gap:g} days; alert threshold {threshold:.0f} days")
    return Signal(KIND, severity_at_least(multiple, cfg.severity_multiples), evidence, message,
                  round(min(1.0, (multiple - 1) / 2), 4))


def due(inp: RuleInput) -> int | None:
    """When the silence crosses the threshold, or the next severity step if it already has."""
    threshold = _threshold_days(inp)
    if threshold is None:
        return None
    last = inp.state.last_order_ms
    for step in (1.0, *inp.config.recency_lapse.severity_multiples):
        at = last + int(threshold * step * DAY_MS) + 1
        if at > inp.clock_ms:
            return at
    return None


RULE = Rule(KIND, check, due)
