"""RFM: recency, frequency, monetary, their 1-5 scores and the named segments.

Values, at an event-time clock ``C`` (for customers with at least one order ever):
- ``recency_days`` = whole days since the last order: ``floor((C - last_order) / 1 day)``.
- ``frequency`` = number of orders with ``occurred_at`` in ``(C - trailing_days, C]``.
- ``monetary`` = order value of those same orders (the card shows it in currency units).
A customer who never ordered has no RFM values (``recency_days`` null, frequency and monetary 0)
and is not part of the scoring population.

Scores 1-5 by quintile against the population (all customers with at least one order):
the four cut points of a metric are ``c_k = v[floor(k * (n - 1) / 5)]`` for ``k = 1..4`` over
the population's values sorted ascending (numpy's ``quantile(..., method="lower")``).
``F = 1 + #{k : frequency > c_k}`` and ``M = 1 + #{k : monetary > c_k}``, so 5 is best;
recency is reversed, ``R = 5 - #{k : recency_days > c_k}``, so a recent buyer scores 5.
Ties all get the same score; a metric where everybody is equal scores everybody 1 (5 for R).

Segments from the classic R x F map (M is shown but not used for the name):

    R\\F    1               2                    3                    4               5
    5     New             Potential Loyalists  Potential Loyalists  Champions       Champions
    4     Promising       Potential Loyalists  Potential Loyalists  Loyal           Loyal
    3     About to Sleep  About to Sleep       Need Attention       Loyal           Loyal
    2     Hibernating     Hibernating          At Risk              At Risk         Can't Lose Them
    1     Hibernating     Hibernating          At Risk              At Risk         Can't Lose Them

Typical gap (for recency lapses and the health score): the median gap, in days, between the
customer's last ``gap_history`` distinct order days (several orders on one day are one buying
occasion). Unknown (None) with fewer than two order days.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from statistics import median
from typing import Sequence

from agents.core.config import CoreConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS

RfmValues = tuple[int, int, int]
"""(recency_days, frequency, monetary_cents)."""

_SEGMENT_ROWS: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalists", "Potential Loyalists", "Loyal", "Loyal"),
    3: ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
}
SEGMENTS: tuple[str, ...] = ("Champions", "Loyal", "Potential Loyalists", "New", "Promising",
                             "Need Attention", "About to Sleep", "At Risk", "Can't Lose Them",
                             "Hibernating")


def rfm_values(state: CustomerState, clock_ms: int, config: CoreConfig) -> RfmValues | None:
    """The customer's (recency_days, frequency, monetary_cents) at ``clock_ms``; None without orders."""
    if state.last_order_ms is None:
        return None
    times = state.order_ms
    low = bisect_right(times, clock_ms - config.trailing_days * DAY_MS)
    high = bisect_right(times, clock_ms)
    return (clock_ms - state.last_order_ms) // DAY_MS, high - low, sum(state.order_cents[low:high])


_NEVER = 1 << 62
"""An `RfmWindow` end for figures no clock can change (every order already in the window)."""


@dataclass(frozen=True, slots=True)
class RfmWindow:
    """A customer's RFM figures as `rfm_values` gives them at every clock in
    ``[from_ms, until_ms)``: until an order leaves the trailing window or a newer one enters it,
    only recency moves, and it follows from the last order alone.

    Why: every partition summary needs every customer's values at the partition's clock, and
    reading a million states from rocksdb every few seconds to compute them stalled the
    worker. A window per customer is computed once and read again only when it ends or the
    customer changes."""

    last_order_ms: int
    frequency: int
    monetary_cents: int
    from_ms: int
    until_ms: int

    def values(self, clock_ms: int) -> RfmValues | None:
        """The values at ``clock_ms``; None outside the window (compute a new one)."""
        if not self.from_ms <= clock_ms < self.until_ms:
            return None
        return (clock_ms - self.last_order_ms) // DAY_MS, self.frequency, self.monetary_cents


def rfm_window(state: CustomerState, clock_ms: int, config: CoreConfig) -> RfmWindow | None:
    """The `RfmWindow` that holds ``clock_ms``; None without orders."""
    if state.last_order_ms is None:
        return None
    times = state.order_ms
    horizon = config.trailing_days * DAY_MS
    low = bisect_right(times, clock_ms - horizon)
    high = bisect_right(times, clock_ms)
    leaves = times[low] + horizon if low < len(times) else _NEVER
    enters = times[high] if high < len(times) else _NEVER
    return RfmWindow(state.last_order_ms, high - low, sum(state.order_cents[low:high]), clock_ms,
                     min(leaves, enters))


def score_higher_better(value: int, cuts: Sequence[int]) -> int:
    """F and M: 1 + the number of cut points the value exceeds."""
    return 1 + (value > cuts[0]) + (value > cuts[1]) + (value > cuts[2]) + (value > cuts[3])


def score_recency(days: int, cuts: Sequence[int]) -> int:
    """R: 5 - the number of cut points the recency exceeds (fewer days is better)."""
    return 5 - (days > cuts[0]) - (days > cuts[1]) - (days > cuts[2]) - (days > cuts[3])


def segment(r: int, f: int) -> str:
    """The named segment of an (R, F) score pair, each 1-5."""
    return _SEGMENT_ROWS[r][f - 1]


def typical_gap_days(state: CustomerState) -> float | None:
    """Median gap in days between the last distinct order days; None with fewer than two."""
    days = state.order_days
    if len(days) < 2:
        return None
    return float(median(b - a for a, b in zip(days, days[1:])))
