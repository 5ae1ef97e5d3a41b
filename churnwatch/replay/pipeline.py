"""File rows -> validated wire messages, with every rejected row accounted for.

Why validate through the worker's own decoder: a row that the replay accepts must be an event
the worker accepts. Each event is encoded with ``streams.codec.encode_event`` and decoded back
with ``streams.codec.decode`` exactly as the worker would; only messages that survive are
produced, and the bytes produced are those encoded bytes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from agents.core.events import Event
from churnwatch.replay.fields import FieldError
from churnwatch.replay.format import COLUMNS
from churnwatch.replay.reader import ReplayInputError, TableReader, detect_format
from churnwatch.replay.records import build_event, group_rows, missing_columns
from streams.codec import InvalidEvent, decode, encode_event


_FIELD_PATH = re.compile(r"([A-Za-z_][\w.\[\]]*): ")


def _field_of(detail: str) -> str:
    """The field path the codec puts in front of its detail (``lines[1].quantity: ...``), if any."""
    match = _FIELD_PATH.match(detail)
    return match.group(1) if match else ""


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    fmt: str | None = None
    """csv, tsv, txt or parquet; ``None`` = from the file extension."""
    chunk_size: int = 50_000
    mapping: Mapping[str, str] = field(default_factory=dict)
    """contract field -> file column"""
    date_format: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    rows: tuple[int, ...]
    event: Event
    key: str
    value: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    rows: tuple[int, ...]
    field: str
    reason: str
    detail: str


class Replay:
    """One file bound for one topic; ``outcomes()`` yields an ``Accepted`` or ``Rejected`` per event."""

    def __init__(self, path: Path, topic: str, options: ReplayOptions = ReplayOptions()) -> None:
        self.topic = topic
        self.options = options
        unknown = sorted(set(options.mapping) - set(COLUMNS[topic]))
        if unknown:
            raise ReplayInputError(f"--map names field(s) that topic {topic!r} does not have: {', '.join(unknown)} "
                                   f"(its fields: {', '.join(COLUMNS[topic])})")
        self.reader = TableReader(path, detect_format(path, options.fmt), options.chunk_size, options.mapping)
        missing = missing_columns(topic, self.reader.fields)
        if missing:
            raise ReplayInputError(
                f"{path.name} lacks the column(s) {', '.join(missing)} needed for topic {topic!r} "
                f"(it has: {', '.join(self.reader.fields)}; rename with --map field=column)")

    def outcomes(self) -> Iterator[Accepted | Rejected]:
        for group in group_rows(self.topic, self.reader.fields, self.reader.chunks()):
            try:
                event = build_event(self.topic, group, self.options.date_format)
            except FieldError as error:
                yield Rejected(group.numbers, error.field, error.reason, error.detail)
                continue
            value = encode_event(event)
            try:
                decode(self.topic, event.customer_id.encode("utf-8"), value, now_ms=int(time.time() * 1000))
            except InvalidEvent as error:
                yield Rejected(group.numbers, _field_of(error.detail), error.reason.value, error.detail)
                continue
            yield Accepted(group.numbers, event, event.customer_id, value)
