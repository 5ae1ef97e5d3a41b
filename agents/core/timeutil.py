"""Event-time arithmetic on epoch milliseconds (UTC).

Why integers: every time in the core is an ``int`` of milliseconds since the Unix epoch, UTC, so
comparisons and window bounds are exact and cheap. Text only appears at the edge: the data card
prints times as RFC 3339 UTC strings ending in ``Z`` (``2024-03-01T08:00:00Z``), with a
``.mmm`` fraction only when the millisecond part is non-zero.

"Days" in the definitions are 24-hour spans of event time: ``recency_days``, days overdue and
complaint ages are ``floor((clock_ms - then_ms) / DAY_MS)``.
"""

from __future__ import annotations

from datetime import datetime, timezone

DAY_MS = 86_400_000
"""One day of event time in milliseconds."""


def format_ms(ms: int | None) -> str | None:
    """RFC 3339 UTC text of an epoch-millisecond time; ``None`` stays ``None``."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"
