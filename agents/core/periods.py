"""Purchase periods: calendar months or ISO weeks, on event time (UTC).

Definition: an order belongs to the period containing its ``occurred_at`` in UTC. With
``period = "month"`` periods are calendar months labelled ``2024-03``; with ``"week"`` they are
ISO 8601 weeks (Monday to Sunday) labelled ``2024-W09`` (the ISO week-numbering year, so
2024-12-30 is in ``2025-W01``).

Per period the state keeps: number of orders, quantity, amount, and the set of distinct
product categories bought (from the order lines). The card shows the last ``card_periods``
periods up to and including the period of the clock, oldest first, zero-filled: a month with no
order appears with zeros, because a gap in buying is exactly what the reader must see. The
clock's own period is usually incomplete; "the last complete period" is the one before it.

Internally a period is an integer index (months: ``year * 12 + month - 1``; weeks: weeks since
the Monday 1969-12-29) so that "the previous period" is ``index - 1``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Callable

from agents.core.config import CoreConfig, PeriodKind
from agents.core.timeutil import DAY_MS
from agents.core.units import amount, quantity

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=8192)
def _month_of_day(day: int) -> int:
    d = date.fromordinal(day + _EPOCH_ORDINAL)
    return d.year * 12 + d.month - 1


def _week_of_day(day: int) -> int:
    # 1970-01-01 was a Thursday: day -3 is the Monday that starts week 0.
    return (day + 3) // 7


INDEX_OF_DAY: dict[str, Callable[[int], int]] = {"month": _month_of_day, "week": _week_of_day}
"""Period kind -> function from a day number (days since 1970-01-01 UTC) to the period index."""


def period_index(ms: int, kind: PeriodKind) -> int:
    """Index of the period that contains the event time ``ms``."""
    return INDEX_OF_DAY[kind](ms // DAY_MS)


@lru_cache(maxsize=8192)
def period_label(index: int, kind: PeriodKind) -> str:
    """``2024-03`` for months, ``2024-W09`` for ISO weeks (cached: every card prints a dozen
    labels, and formatting them was a third of the cost of building a card)."""
    if kind == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    year, week, _ = date.fromordinal(index * 7 - 3 + _EPOCH_ORDINAL).isocalendar()
    return f"{year:04d}-W{week:02d}"


def card_periods(periods: dict[int, list], clock_ms: int, config: CoreConfig) -> list[dict]:
    """The card's ``periods`` section: the last ``card_periods`` periods up to the clock's period.

    ``periods`` is the state's per-period aggregate ``{index: [orders, quantity_milli,
    amount_cents, sorted list of categories]}``.
    """
    kind = config.period
    last = period_index(clock_ms, kind)
    first = last - config.card_periods + 1
    rows = []
    for index, label in zip(range(first, last + 1), _labels(first, last, kind)):
        agg = periods.get(index)
        if agg is None:
            rows.append({"period": label, "orders": 0, "quantity": 0.0, "amount": 0.0, "categories": []})
        else:
            rows.append({"period": label, "orders": agg[0], "quantity": quantity(agg[1]), "amount": amount(agg[2]),
                         "categories": list(agg[3])})
    return rows


@lru_cache(maxsize=1024)
def _labels(first: int, last: int, kind: PeriodKind) -> tuple[str, ...]:
    """The labels of periods ``first..last`` (one cache entry per card clock's period, not one
    lookup per row)."""
    return tuple(period_label(index, kind) for index in range(first, last + 1))


def amount_in(periods: dict[int, list], index: int) -> int:
    """Order value (cents) of one period, zero when nothing was bought."""
    agg = periods.get(index)
    return agg[2] if agg else 0
