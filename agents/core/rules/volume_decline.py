"""Volume decline (seed 004: a dealer whose orders fell month after month for three months).

Compares complete periods (calendar months by default; the clock's own period is still open).
For each watched measure (order value, optionally quantity):
- trend trigger: the last ``trend_periods`` complete periods fall strictly, each at least
  ``min_drop`` below the one before, every one after the first at most ``trend_below_ratio`` of
  the baseline and the last at most ``trend_max_ratio`` of it;
- level trigger: the last ``level_periods`` complete periods are each below ``level_ratio`` of
  the baseline.
The baseline is the customer's own: the mean per period of the ``baseline_periods`` complete
periods right before the compared ones (counting from its first order). Guards: at least
``min_baseline_periods`` baseline periods with orders and a baseline of ``min_baseline_amount``
per period. The last period must have orders: a customer who stopped buying is silent, which
is the recency-lapse rule's business (a one-month gap is not a decline).

Once an episode is open it lasts while the last complete period stays below
``recovered_ratio`` of the baseline the alert was raised against, so "volume recovers" means
back near the old level, not merely "this month was not lower than the last".
"""

from __future__ import annotations

from agents.core.events import QUANTITY_SCALE
from agents.core.periods import period_index, period_label
from agents.core.rules.base import Rule, RuleInput, Signal, money, severity_at_most
from agents.core.rules.config import VolumeDeclineConfig

KIND = "volume_decline"
_COLUMN = {"quantity": 1, "amount": 2}
"""Measure -> position in a period aggregate [orders, quantity_milli, amount_cents, categories]."""
_SCALE = {"quantity": QUANTITY_SCALE, "amount": 100}
_NOUN = {"quantity": "quantity", "amount": "value"}


def check(inp: RuleInput) -> Signal | None:
    state = inp.state
    if state.first_order_ms is None:
        return None
    cfg = inp.config.volume_decline
    kind = inp.core.period
    last = period_index(inp.clock_ms, kind) - 1
    first = period_index(state.first_order_ms, kind)
    for measure in cfg.measures:
        signal = (_trend(inp, cfg, measure, last, first) or _level(inp, cfg, measure, last, first))
        if signal is not None:
            return signal
    if inp.episode is not None:
        return _sustained(inp, cfg, last)
    return None


def _series(inp: RuleInput, measure: str, start: int, stop: int) -> list[int]:
    """The measure per period for periods ``start .. stop - 1`` (zero without orders)."""
    column = _COLUMN[measure]
    periods = inp.state.periods
    return [periods[i][column] if i in periods else 0 for i in range(start, stop)]


def _baseline(inp: RuleInput, cfg: VolumeDeclineConfig, measure: str, before: int,
              first: int) -> tuple[float, list[str]] | None:
    """(mean per period, [first, last] label) of the baseline ending before period ``before``;
    None when a guard fails. Periods before the customer's first order do not count."""
    start = max(first, before - cfg.baseline_periods)
    periods = inp.state.periods
    with_orders = [i for i in range(start, before) if i in periods]
    if len(with_orders) < cfg.min_baseline_periods:
        return None
    span = before - start
    if sum(periods[i][2] for i in with_orders) / span < cfg.min_baseline_amount * 100:
        return None
    mean = sum(periods[i][_COLUMN[measure]] for i in with_orders) / span
    ends = [period_label(start, inp.core.period), period_label(before - 1, inp.core.period)]
    return (mean, ends) if mean > 0 else None


def _trend(inp: RuleInput, cfg: VolumeDeclineConfig, measure: str, last: int, first: int) -> Signal | None:
    start = last - cfg.trend_periods + 1
    values = _series(inp, measure, start, last + 1)
    if values[-1] <= 0 or any(b > (1 - cfg.min_drop) * a for a, b in zip(values, values[1:])):
        return None
    found = _baseline(inp, cfg, measure, start, first)
    if found is None:
        return None
    baseline, baseline_periods = found
    if values[-1] > cfg.trend_max_ratio * baseline or any(v > cfg.trend_below_ratio * baseline for v in values[1:]):
        return None
    unit = _unit(inp)
    text = " -> ".join(_fmt(v, measure) for v in values)
    message = (f"Order {_NOUN[measure]} fell {len(values)} {unit}s running: {text} "
               f"(baseline {_fmt(baseline, measure)}/{unit})")
    return _signal(inp, cfg, "trend", measure, _labels(inp, start, last), values, baseline, baseline_periods,
                   message)


def _level(inp: RuleInput, cfg: VolumeDeclineConfig, measure: str, last: int, first: int) -> Signal | None:
    start = last - cfg.level_periods + 1
    values = _series(inp, measure, start, last + 1)
    if values[-1] <= 0:
        return None
    found = _baseline(inp, cfg, measure, start, first)
    if found is None:
        return None
    baseline, baseline_periods = found
    if any(v >= cfg.level_ratio * baseline for v in values):
        return None
    labels = _labels(inp, start, last)
    text = ", ".join(f"{label}: {_fmt(v, measure)}" for label, v in zip(labels, values))
    message = (f"Order {_NOUN[measure]} {text}, {values[-1] / baseline:.0%} of the baseline "
               f"{_fmt(baseline, measure)}/{_unit(inp)}")
    return _signal(inp, cfg, "level", measure, labels, values, baseline, baseline_periods, message)


def _sustained(inp: RuleInput, cfg: VolumeDeclineConfig, last: int) -> Signal | None:
    """The open episode's problem persists: the last period is still well below the alert's baseline."""
    episode = inp.episode
    measure = episode["measure"]
    baseline = episode["baseline"] * _SCALE[measure]
    value = _series(inp, measure, last, last + 1)[0]
    if baseline <= 0 or value >= cfg.recovered_ratio * baseline:
        return None
    label = period_label(last, inp.core.period)
    message = (f"Order {_NOUN[measure]} still low: {_fmt(value, measure)} in {label}, "
               f"{value / baseline:.0%} of the baseline {_fmt(baseline, measure)}/{_unit(inp)}")
    return _signal(inp, cfg, "sustained", measure, [label], [value], baseline, episode["baseline_periods"], message)


def _signal(inp: RuleInput, cfg: VolumeDeclineConfig, trigger: str, measure: str, labels: list[str],
            values: list[int], baseline: float, baseline_periods: list[str], message: str) -> Signal:
    ratio = values[-1] / baseline
    scale = _SCALE[measure]
    evidence = {
        "rule": KIND,
        "trigger": trigger,
        "measure": measure,
        "periods": labels,
        "values": [v / scale for v in values],
        "baseline": round(baseline / scale, 3),
        "baseline_periods": baseline_periods,
        "ratio": round(ratio, 4),
        "thresholds": {
            "trend_periods": cfg.trend_periods, "min_drop": cfg.min_drop,
            "trend_max_ratio": cfg.trend_max_ratio, "trend_below_ratio": cfg.trend_below_ratio,
            "level_ratio": cfg.level_ratio, "level_periods": cfg.level_periods,
            "baseline_periods": cfg.baseline_periods, "recovered_ratio": cfg.recovered_ratio,
        },
    }
    return Signal(KIND, severity_at_most(ratio, cfg.severity_ratios), evidence, message,
                  round(max(0.0, min(1.0, 1 - ratio)), 4))


def _labels(inp: RuleInput, first: int, last: int) -> list[str]:
    """Labels of the periods ``first .. last``."""
    return [period_label(i, inp.core.period) for i in range(first, last + 1)]


def _unit(inp: RuleInput) -> str:
    return inp.core.period


def _fmt(value: float, measure: str) -> str:
    return money(value) if measure == "amount" else f"{value / QUANTITY_SCALE:,.0f}"


RULE = Rule(KIND, check)
