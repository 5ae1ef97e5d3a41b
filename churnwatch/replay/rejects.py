"""The reject file: one line per refused event, naming its row(s), the field and the reason.

It is written on every run (a header only when nothing was refused), so the file next to an
input always describes the latest replay of it and never a stale one.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType

from churnwatch.replay.pipeline import Rejected

REJECT_COLUMNS = ("rows", "field", "reason", "detail")


def default_rejects_path(source: Path) -> Path:
    return source.with_name(source.name + ".rejects.csv")


class RejectWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)

    def write(self, rejected: Rejected) -> None:
        """``rows`` are the data row numbers (from 1, header excluded), joined by ``;`` for an order's lines."""
        self.rows += len(rejected.rows)
        self._writer.writerow((";".join(map(str, rejected.rows)), rejected.field, rejected.reason, rejected.detail))

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "RejectWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
