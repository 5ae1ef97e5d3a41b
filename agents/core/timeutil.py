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
from typing import overload

DAY_MS = 86_400_000
"""One day of event time in milliseconds."""

_EPOCH_DAY = date(1970, 1, 1)


@lru_cache(maxsize=4096)
def _date_text(day: int) -> str:
    return (_EPOCH_DAY + timedelta(days=day)).isoformat()


@overload
def format_ms(ms: int, always_millis: bool = False) -> str: ...
@overload
def format_ms(ms: None, always_millis: bool = False) -> None: ...
def format_ms(ms: int | None, always_millis: bool = False) -> str | None:
    """RFC 3339 UTC text of an epoch-millisecond time; ``None`` stays ``None``. The ``.mmm``
    fraction is printed when it is not zero, or always with ``always_millis`` (the wire format
    of the input events, see `schemas.wire_types.format_rfc3339_ms`).

    Integer arithmetic and a cached date per day: a card prints three times, and
    `datetime.strftime` made that a tenth of building it; every event a producer encodes
    prints one or two."""
    if ms is None:
        return None
    day, millis = divmod(ms, DAY_MS)
    seconds, millis = divmod(millis, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{_date_text(day)}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{millis:03d}Z" if millis or always_millis else f"{text}Z"
