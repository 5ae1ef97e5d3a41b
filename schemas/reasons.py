"""The fixed set of reasons an input event is rejected for.

Why a closed enum: the reason is a Prometheus label (`churnwatch_*` invalid-event counters) and a
field of every dead letter, so its values must be few, stable and known in advance. The wire
validators in `schemas.wire_types` raise pydantic errors whose *type* is one of these codes, and
`streams.codec` turns everything else pydantic reports into one of them.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    MALFORMED_JSON = "malformed_json"
    """The value is not one JSON document (syntax error, bad UTF-8, nesting too deep)."""
    MISSING_FIELD = "missing_field"
    """A required field is absent, null, or an empty string."""
    WRONG_TYPE = "wrong_type"
    """A field (or the whole value) has the wrong JSON type, e.g. a string where a number belongs."""
    NEGATIVE_AMOUNT = "negative_amount"
    """A number below its minimum: amount < 0, quantity <= 0, negative payment terms or share."""
    NON_FINITE = "non_finite"
    """NaN, +-Infinity, or a number beyond the field's maximum (overflow guard)."""
    UNKNOWN_ENUM = "unknown_enum"
    """A value outside a closed set (payment kind, complaint status, severity)."""
    BAD_TIMESTAMP = "bad_timestamp"
    """Not RFC 3339 with an offset nor integer epoch milliseconds, or before 1970-01-01."""
    FUTURE_TIMESTAMP = "future_timestamp"
    """`occurred_at` lies further ahead of the wall clock than the allowed skew."""
    KEY_MISMATCH = "key_mismatch"
    """The Kafka key is not the UTF-8 text of the event's `customer_id`."""
    OVERSIZED = "oversized"
    """The value exceeds the size limit, or a text field its maximum length."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """An order's amount or quantity differs from the sum of its lines."""
    EMPTY_VALUE = "empty_value"
    """The record has no value (a tombstone) or a zero-length one."""
    UNKNOWN_TOPIC = "unknown_topic"
    """The decoder was asked about a topic it has no schema for."""
