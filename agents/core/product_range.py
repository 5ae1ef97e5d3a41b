"""Product range: the distinct categories bought recently versus before.

At an event-time clock ``C``, with ``R = range_recent_days`` (90) and ``B =
range_baseline_days`` (180):
- recent categories: bought (an order line of that category) in ``(C - R, C]``;
- baseline categories: bought in the B days right before, ``(C - R - B, C - R]``;
- lost categories: in the baseline but not recent;
- ``ratio`` = recent count / baseline count, rounded to 4 decimals, null when the baseline is
  empty. Seed 004's example, five kinds down to two, is a ratio of 0.4.
"""

from __future__ import annotations

from bisect import bisect_right

from agents.core.config import CoreConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS


def product_range_section(state: CustomerState, clock_ms: int, config: CoreConfig) -> dict:
    recent_from = clock_ms - config.range_recent_days * DAY_MS
    baseline_from = recent_from - config.range_baseline_days * DAY_MS
    recent, baseline = [], []
    for category, times in state.category_times.items():
        if _any_in(times, recent_from, clock_ms):
            recent.append(category)
        if _any_in(times, baseline_from, recent_from):
            baseline.append(category)
    recent.sort()
    baseline.sort()
    return {
        "recent": len(recent),
        "baseline": len(baseline),
        "recent_categories": recent,
        "baseline_categories": baseline,
        "lost_categories": sorted(set(baseline) - set(recent)),
        "ratio": round(len(recent) / len(baseline), 4) if baseline else None,
    }


def _any_in(ascending: list[int], after: int, until: int) -> bool:
    """Whether some time lies in ``(after, until]``."""
    at = bisect_right(ascending, until)
    return at > 0 and ascending[at - 1] > after
