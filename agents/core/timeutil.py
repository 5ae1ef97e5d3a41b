"""Event-time arithmetic on epoch milliseconds (UTC).

Why integers: every time in the core is an ``int`` of milliseconds since the Unix epoch, UTC, so
comparisons and window bounds are exact and cheap. Text only appears at the edge: the data card
prints times as RFC 3339 UTC strings ending in ``Z`` (``2024-03-01T08:00:00Z``), with a
``.mmm`` fraction only when the millisecond part is non-zero.

"Days" in the definitions are 24-hour spans of event time: ``recency_days``, days overdue and
complaint ages are ``floor((clock_ms - then_ms) / DAY_MS)``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

DAY_MS = 86_400_000
"""One day of event time in milliseconds."""

_EPOCH_DAY = date(1970, 1, 1)


@lru_cache(maxsize=4096)
def _date_text(day: int) -> str:
    return (_EPOCH_DAY + timedelta(days=day)).isoformat()


def format_ms(ms: int | None) -> str | None:
    """RFC 3339 UTC text of an epoch-millisecond time; ``None`` stays ``None``.

    Integer arithmetic and a cached date per day: a card prints three times, and
    `datetime.strftime` made that a tenth of building it."""
    if ms is None:
        return None
    day, millis = divmod(ms, DAY_MS)
    seconds, millis = divmod(millis, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{_date_text(day)}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"
