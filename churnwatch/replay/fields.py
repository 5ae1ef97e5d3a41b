"""Parsing one cell of a history file into the core's units, or saying exactly why not.

Cells arrive as text (CSV/TSV) or typed (Parquet: int, float, Decimal, datetime, date). Money
and quantities go through ``Decimal`` and are rounded half-up to the cent / thousandth, so a
file's "19.99" is 1999 cents exactly and never a float artefact.

Timestamps (``occurred_at``, ``due_at``):
- with ``--date-format`` the value is parsed with that strftime pattern first; a result without
  an offset is UTC;
- an integer is epoch **milliseconds**; values before 1973-03-03 (< 1e11) are refused, because
  they are almost always epoch seconds or a compact date such as 19970101;
- RFC 3339 / ISO 8601 text must carry an offset (``Z``, ``+08:00``); a plain date
  (``2024-03-01``) is midnight UTC; a naive date-time is refused rather than guessed;
- Parquet timestamps without a time zone are taken as UTC (Parquet's convention for instants).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

from agents.core.events import QUANTITY_SCALE

Row = Mapping[str, object]

MIN_EPOCH_MS = 100_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CENT = Decimal("0.01")
_MILLI = Decimal(1) / QUANTITY_SCALE
_EPOCH_RE = re.compile(r"-?\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class FieldError(ValueError):
    """A cell that cannot become a field of an event; ``reason`` is a short stable code."""

    def __init__(self, field: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{field}: {reason} {detail}".strip())
        self.field = field
        self.reason = reason
        self.detail = detail


def is_blank(value: object) -> bool:
    """Empty text, None, or a missing value as pandas / pyarrow spell it (NaN, NaT, NA)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in {"NaTType", "NAType"}


def text(row: Row, field: str, *, required: bool = True) -> str | None:
    value = row.get(field)
    if type(value) is str and value and not value[0].isspace() and not value[-1].isspace():
        return value  # the common case, without the general checks below
    if is_blank(value):
        if required:
            raise FieldError(field, "missing")
        return None
    return str(value).strip()


def decimal(row: Row, field: str) -> Decimal:
    value = row.get(field)
    if is_blank(value):
        raise FieldError(field, "missing")
    if isinstance(value, bool):
        raise FieldError(field, "not_a_number", repr(value))
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise FieldError(field, "not_a_number", repr(value)) from None
    if not number.is_finite():
        raise FieldError(field, "not_a_number", repr(value))
    return number


def cents(row: Row, field: str) -> int:
    """Currency units -> integer cents, half-up."""
    return int(decimal(row, field).quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def milli(row: Row, field: str) -> int:
    """Units -> integer thousandths, half-up."""
    return int(decimal(row, field).quantize(_MILLI, rounding=ROUND_HALF_UP) * QUANTITY_SCALE)


def integer(row: Row, field: str) -> int:
    number = decimal(row, field)
    if number != number.to_integral_value():
        raise FieldError(field, "not_an_integer", str(row.get(field)))
    return int(number)


def fraction(row: Row, field: str) -> float | None:
    """An optional plain number (share of wallet)."""
    if is_blank(row.get(field)):
        return None
    return float(decimal(row, field))


def boolean(row: Row, field: str) -> bool:
    value = row.get(field)
    if isinstance(value, bool):
        return value
    if is_blank(value):
        raise FieldError(field, "missing")
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise FieldError(field, "not_a_boolean", repr(value))


def timestamp(row: Row, field: str, date_format: str | None, *, required: bool = True) -> int | None:
    """Epoch ms (UTC) of a timestamp cell; see the module docstring for the accepted forms."""
    value = row.get(field)
    if is_blank(value):
        if required:
            raise FieldError(field, "missing")
        return None
    try:
        return _timestamp(value, date_format)
    except FieldError as error:
        raise FieldError(field, error.reason, error.detail) from None
    except (ValueError, OverflowError):
        hint = f" with --date-format {date_format!r} nor" if date_format else ""
        raise FieldError(field, "bad_timestamp",
                         f"{value!r} parses{hint} neither as RFC 3339 nor as epoch milliseconds") from None


def _timestamp(value: object, date_format: str | None) -> int:
    if type(value) is str:
        return _timestamp_text(value.strip(), date_format)
    if isinstance(value, datetime):
        return _epoch_ms(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return _epoch_ms(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    if isinstance(value, int):
        return _epoch(value)
    return _timestamp_text(str(value).strip(), date_format)


def _timestamp_text(raw: str, date_format: str | None) -> int:
    if date_format:
        try:
            parsed = datetime.strptime(raw, date_format)
        except ValueError:
            pass
        else:
            return _epoch_ms(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    if _EPOCH_RE.fullmatch(raw):
        return _epoch(int(raw))
    if _DATE_RE.fullmatch(raw):
        return _epoch_ms(datetime.fromisoformat(raw).replace(tzinfo=UTC))
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        raise FieldError("", "naive_timestamp",
                         f"{raw!r} has no UTC offset; add one or pass --date-format to read it as UTC")
    return _epoch_ms(parsed)


def _epoch(ms: int) -> int:
    if abs(ms) < MIN_EPOCH_MS:
        raise FieldError("", "implausible_epoch_ms",
                         f"{ms} is before 1973 as epoch milliseconds (seconds? a compact date? use --date-format)")
    return ms


def _epoch_ms(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def derived_id(*parts: object) -> str:
    """A stable id from normalised field values: the same content gives the same id in any file."""
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()
    return f"r-{digest[:24]}"
