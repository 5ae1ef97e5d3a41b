"""Dead-letter records: what a rejected input record becomes on the `churnwatch-dlq` topic.

Why an envelope with the original bytes in base64 (and not the raw value with headers only): the
DLQ must let an operator see at a glance *why* a record was rejected (reason, detail, source
position, readable text) and still hold the exact original bytes, even when they are not UTF-8 or
not JSON, so the record can be repaired and re-produced. Kafka headers repeat the source position
and the reason so tools can filter without parsing the value.

Value (JSON object; schema `schemas/json/churnwatch-dlq.schema.json`):
    source       {topic, partition, offset} of the rejected record
    reason       reason code (`schemas.reasons.Reason` for decoder rejections)
    detail       what is wrong, naming the field
    key          original key as UTF-8 text, or null (no key / not UTF-8)
    key_b64      original key bytes, base64, or null (no key)
    value_b64    exact original value bytes, base64, or null (tombstone)
    value_text   original value as UTF-8 text, first 4 KiB, or null (not UTF-8 / tombstone)
    value_text_truncated  true when value_text is cut at 4 KiB
    failed_at    wall-clock time of the rejection, RFC 3339 UTC
Key of the dead letter: the original key (unchanged), so a DLQ stays partitioned like its source.
Headers: `churnwatch.source.topic`, `churnwatch.source.partition`, `churnwatch.source.offset`,
`churnwatch.reason` (UTF-8 text values).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from schemas.wire_types import format_rfc3339_ms

VALUE_TEXT_LIMIT = 4096
"""Bytes of the original value kept as readable text; the full value is always in `value_b64`."""
HEADER_PREFIX = "churnwatch."


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _utf8(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _value_text(value: bytes | None) -> tuple[str | None, bool]:
    """The first `VALUE_TEXT_LIMIT` bytes as text (never splitting a character), and whether cut."""
    text = _utf8(value)
    if value is None or text is None or len(value) <= VALUE_TEXT_LIMIT:
        return text, False
    # the whole value is valid UTF-8, so "ignore" can only drop a character cut at the limit
    return value[:VALUE_TEXT_LIMIT].decode("utf-8", errors="ignore"), True


def dead_letter_value(
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    reason: str,
    detail: str,
    failed_at_ms: int,
) -> bytes:
    """The JSON envelope of one rejected record (see the module docstring for the format)."""
    value_text, truncated = _value_text(value)
    envelope = {
        "source": {"topic": topic, "partition": partition, "offset": offset},
        "reason": str(reason),
        "detail": detail,
        "key": _utf8(key),
        "key_b64": _b64(key),
        "value_b64": _b64(value),
        "value_text": value_text,
        "value_text_truncated": truncated,
        "failed_at": format_rfc3339_ms(failed_at_ms),
    }
    return orjson.dumps(envelope)


def dead_letter_headers(*, topic: str, partition: int, offset: int, reason: str) -> list[tuple[str, bytes]]:
    """Kafka headers of a dead letter: the source position and the reason, as UTF-8 text."""
    return [
        (HEADER_PREFIX + "source.topic", topic.encode("utf-8")),
        (HEADER_PREFIX + "source.partition", str(partition).encode("ascii")),
        (HEADER_PREFIX + "source.offset", str(offset).encode("ascii")),
        (HEADER_PREFIX + "reason", str(reason).encode("utf-8")),
    ]


def parse_dead_letter(data: bytes) -> dict[str, Any]:
    """The envelope as a dict, plus `key_bytes` and `value_bytes`: the exact original bytes.

    Raises `ValueError` if `data` is not a dead-letter envelope.
    """
    try:
        envelope = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not a dead letter: {exc}") from None
    if not isinstance(envelope, dict) or not {"source", "reason", "key_b64", "value_b64"} <= envelope.keys():
        raise ValueError("not a dead letter: expected an object with source, reason, key_b64 and value_b64")
    try:
        envelope["key_bytes"] = _unb64(envelope["key_b64"])
        envelope["value_bytes"] = _unb64(envelope["value_b64"])
    except (binascii.Error, TypeError) as exc:
        raise ValueError(f"not a dead letter: bad base64 ({exc})") from None
    return envelope


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text, validate=True)
