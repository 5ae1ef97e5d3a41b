"""What a simulation run is asked for, and the calendar it runs on.

Why calendar months (not 30-day blocks): the rules compare complete calendar periods, and the
scenarios are scripted per month ("volume falls month after month"), so the simulator must cut
its history on the same boundaries the worker will.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    customers: int = 2000
    months: int = 24
    seed: int = 7
    start: date = date(2024, 1, 1)
    managers: int = 6

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be >= 1")
        if self.months < 2:
            raise ValueError("months must be >= 2 (a baseline half and a scenario half)")
        if self.managers < 1:
            raise ValueError("managers must be >= 1")

    def month_starts_ms(self) -> tuple[int, ...]:
        """Epoch ms of the first instant of each month, plus the end of the history (``months + 1`` values).

        The history starts at the first day of the start date's month.
        """
        starts = []
        year, month = self.start.year, self.start.month
        for _ in range(self.months + 1):
            starts.append(int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(starts)
