"""Complaints: what is still open, for how long, and how many came in lately.

At an event-time clock ``C``:
- ``open``: complaints opened and not resolved;
- ``oldest_open_age_days``: ``floor((C - opened) / 1 day)`` of the oldest open one, null when
  none is open;
- ``last_90_days``: distinct complaints opened in ``(C - complaint_recent_days, C]``
  (default 90 days, hence the name), resolved or not.
"""

from __future__ import annotations

from agents.core.config import CoreConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS


def complaints_section(state: CustomerState, clock_ms: int, config: CoreConfig) -> dict:
    oldest = min((opened for opened, _severity in state.open_complaints.values()), default=None)
    since = clock_ms - config.complaint_recent_days * DAY_MS
    return {
        "open": len(state.open_complaints),
        "oldest_open_age_days": None if oldest is None else (clock_ms - oldest) // DAY_MS,
        "last_90_days": sum(1 for opened in state.complaint_opens.values() if since < opened <= clock_ms),
    }
