"""Field types of the wire format: amounts, quantities, timestamps and identifiers.

Each validator turns a wire value into the core's integer unit at once (cents, thousandths, epoch
milliseconds UTC), so the models in `schemas.inputs` hold exactly what `agents.core.events` needs
and nothing is parsed twice. The attribute names say the unit (`amount_cents`); aliases give the
wire names (`amount`), which are what the JSON Schema and error messages show.

Why hand-written validators instead of pydantic's `Decimal`/`datetime`: the contract is narrower
than pydantic's lax parsing (amounts are JSON numbers, never strings or booleans; timestamps need an
explicit offset; RFC 3339, not every ISO 8601 variant), every failure must map to one `Reason`, and
one small Python call per field keeps decoding fast. A validator raises a `PydanticCustomError`
whose type is the reason code, so the codec reads the reason straight off the error.

Rounding rules (stated in the JSON Schema descriptions too):
- amounts are rounded to the cent, half up (0.285 -> 0.29), and must be >= 0;
- quantities are rounded to the thousandth, half up, and must stay > 0 after rounding;
- sub-millisecond digits of a timestamp are truncated.
A JSON number is read through its shortest decimal text (`repr` of the parsed double), which is the
text the producer wrote for any value of up to 15 significant digits; the upper bounds below keep
every accepted amount and quantity within that precision, so the integers are exact.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from agents.core.timeutil import format_ms
from schemas.reasons import Reason

QUANTITY_SCALE = 1000
"""Thousandths per unit; the same scale as `agents.core.events.QUANTITY_SCALE` (a test checks)."""
MAX_AMOUNT = 10**13
"""Exclusive upper bound of an amount (currency units): 15 significant digits with the cents."""
MAX_QUANTITY = 10**12
"""Exclusive upper bound of a quantity: 15 significant digits with the thousandths."""
MAX_ID_LENGTH = 256
MAX_TEXT_LENGTH = 1024
MAX_PAYMENT_TERMS_DAYS = 3650

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ONE_MS = timedelta(milliseconds=1)
MAX_EPOCH_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z, the last instant a `datetime` can hold."""

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)", re.ASCII)


def _error(reason: Reason, message: str) -> PydanticCustomError:
    return PydanticCustomError(reason.value, message)


def _clip(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_ONE = Decimal(1)


def _scaled(value: object, scale: int, maximum: int, minimum_rule: str) -> int:
    """A non-negative JSON number times `scale` (100 or 1000), rounded half up, as an exact int.

    Fast path: if `round(value * scale) / scale` is the same double as `value`, the producer's text
    (at most 15 significant digits) *was* that multiple of 1/scale, so the integer is exact. Values
    with more decimals take the `Decimal` path over their shortest text (`repr`).
    """
    kind = type(value)
    if kind is float:
        if 0.0 <= value < maximum:  # type: ignore[operator]  # NaN fails every comparison
            units = round(value * scale)  # type: ignore[operator]
            if units / scale == value:
                return units
            return int((Decimal(repr(value)) * scale).quantize(_ONE, rounding=ROUND_HALF_UP))
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise _error(Reason.NON_FINITE, f"must be a finite number, got {_clip(value)}")
    elif kind is int:  # bool is a subclass of int, but its type is not int
        if 0 <= value < maximum:  # type: ignore[operator]
            return value * scale  # type: ignore[operator]
    else:
        raise _error(Reason.WRONG_TYPE, f"must be a JSON number, got {type(value).__name__}")
    if value < 0:  # type: ignore[operator]
        raise _error(Reason.NEGATIVE_AMOUNT, f"must be {minimum_rule}, got {_clip(value)}")
    raise _error(Reason.NON_FINITE, f"must be < {maximum}, got {_clip(value)}")


def parse_amount_cents(value: object) -> int:
    """Amount in currency units -> integer cents, rounded half up; must be >= 0."""
    return _scaled(value, 100, MAX_AMOUNT, ">= 0")


def parse_quantity_milli(value: object) -> int:
    """Quantity -> integer thousandths, rounded half up; must be > 0 after rounding."""
    milli = _scaled(value, QUANTITY_SCALE, MAX_QUANTITY, "> 0")
    if milli == 0:
        raise _error(Reason.NEGATIVE_AMOUNT, f"must be > 0 (after rounding to 0.001), got {_clip(value)}")
    return milli


def parse_epoch_ms(value: object) -> int:
    """RFC 3339 text with an offset, or integer epoch milliseconds -> epoch milliseconds (UTC)."""
    kind = type(value)
    if kind is str:
        epoch_ms = _parse_rfc3339(value)  # type: ignore[arg-type]
    elif kind is int:
        epoch_ms = value  # type: ignore[assignment]
    elif kind is float:
        raise _error(Reason.BAD_TIMESTAMP, f"epoch milliseconds must be an integer, got {_clip(value)}")
    else:
        raise _error(Reason.WRONG_TYPE, f"must be an RFC 3339 string or epoch milliseconds, got {type(value).__name__}")
    if not 0 <= epoch_ms <= MAX_EPOCH_MS:
        raise _error(Reason.BAD_TIMESTAMP, f"must lie between 1970-01-01 and 9999-12-31, got {_clip(value)}")
    return epoch_ms


def _parse_rfc3339(text: str) -> int:
    if _RFC3339.fullmatch(text) is None:
        raise _error(
            Reason.BAD_TIMESTAMP, f"not RFC 3339 with an offset (e.g. 2024-03-01T09:30:00+08:00): {_clip(text)}"
        )
    try:  # the pattern fixed the shape and the offset; fromisoformat checks the calendar
        moment = datetime.fromisoformat(text.upper())
    except ValueError as exc:
        raise _error(Reason.BAD_TIMESTAMP, f"invalid date or time {_clip(text)}: {exc}") from None
    return (moment - EPOCH) // ONE_MS


def format_cents(cents: int) -> str:
    """Integer cents as decimal text with two places (`125050` -> `1250.50`)."""
    return f"{cents // 100}.{cents % 100:02d}"


def format_rfc3339_ms(epoch_ms: int) -> str:
    """Epoch milliseconds as RFC 3339 UTC text with millisecond precision (`...T09:30:00.000Z`)."""
    return format_ms(epoch_ms, always_millis=True)


_TIMESTAMP_DOC = (
    "RFC 3339 date-time with an explicit offset (Z or +hh:mm), or integer epoch milliseconds. "
    "Normalised to UTC; sub-millisecond digits are truncated; must not be before 1970-01-01."
)

AmountCents = Annotated[
    int,
    PlainValidator(parse_amount_cents),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": MAX_AMOUNT,
            "description": "Decimal amount in the customer's currency; rounded to the cent (half up).",
        }
    ),
]
QuantityMilli = Annotated[
    int,
    PlainValidator(parse_quantity_milli),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": MAX_QUANTITY,
            "description": "Quantity in the item's unit; rounded to the thousandth (half up), must stay > 0.",
        }
    ),
]
EpochMs = Annotated[
    int,
    PlainValidator(parse_epoch_ms),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "integer", "minimum": 0, "maximum": MAX_EPOCH_MS},
            ],
            "description": _TIMESTAMP_DOC,
        }
    ),
]
Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
"""A non-empty identifier (customer, order, invoice, complaint, event, SKU, category)."""
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]

Severity = Literal["low", "medium", "high", "critical"]
