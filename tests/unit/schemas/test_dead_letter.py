"""Dead letters keep the exact original bytes and say where they came from and why."""

from __future__ import annotations

import base64

import orjson
import pytest

from schemas import examples
from streams.dead_letter import (
    VALUE_TEXT_LIMIT,
    dead_letter_headers,
    dead_letter_value,
    parse_dead_letter,
)

FAILED_AT_MS = 1_711_929_602_315


def letter(key: bytes | None, value: bytes | None, reason: str = "malformed_json") -> bytes:
    return dead_letter_value(topic="orders", partition=3, offset=1842, key=key, value=value, reason=reason,
                             detail="invalid JSON: expected value at line 1 column 1", failed_at_ms=FAILED_AT_MS)


def test_envelope_fields() -> None:
    envelope = orjson.loads(letter(b"C-1001", b'{"event_id": "e1"'))
    assert envelope == {
        "source": {"topic": "orders", "partition": 3, "offset": 1842},
        "reason": "malformed_json",
        "detail": "invalid JSON: expected value at line 1 column 1",
        "key": "C-1001",
        "key_b64": base64.b64encode(b"C-1001").decode(),
        "value_b64": base64.b64encode(b'{"event_id": "e1"').decode(),
        "value_text": '{"event_id": "e1"',
        "value_text_truncated": False,
        "failed_at": "2024-04-01T00:00:02.315Z",
    }


@pytest.mark.parametrize(("key", "value"), [
    (b"C-1001", b'{"ok": true}'),
    (b"\xff\xfe", b"\x00\x01\x80binary\xff"),
    (None, None),
    (b"", b""),
    ("客户".encode(), "订单".encode() * 5000),
])
def test_original_bytes_are_restored_exactly(key: bytes | None, value: bytes | None) -> None:
    restored = parse_dead_letter(letter(key, value))
    assert restored["key_bytes"] == key
    assert restored["value_bytes"] == value
    assert restored["source"] == {"topic": "orders", "partition": 3, "offset": 1842}


def test_text_is_null_when_not_utf8() -> None:
    envelope = orjson.loads(letter(b"\xff", b"\xc3\x28"))
    assert envelope["key"] is None and envelope["value_text"] is None


def test_text_is_cut_at_4_kib_without_splitting_a_character() -> None:
    value = "x".encode() + "订".encode() * 2000  # 6001 bytes; byte 4096 falls inside a character
    envelope = orjson.loads(letter(None, value))
    assert envelope["value_text_truncated"] is True
    text = envelope["value_text"]
    assert len(text.encode()) <= VALUE_TEXT_LIMIT and value.startswith(text.encode())
    assert len(text.encode()) > VALUE_TEXT_LIMIT - 3


def test_headers_carry_source_and_reason() -> None:
    assert dead_letter_headers(topic="orders", partition=3, offset=1842, reason="key_mismatch") == [
        ("churnwatch.source.topic", b"orders"),
        ("churnwatch.source.partition", b"3"),
        ("churnwatch.source.offset", b"1842"),
        ("churnwatch.reason", b"key_mismatch"),
    ]


def test_documented_example_parses() -> None:
    restored = parse_dead_letter(orjson.dumps(examples.DEAD_LETTER))
    assert restored["key_bytes"] == b"C-1001"
    assert restored["value_bytes"].decode() == examples.DEAD_LETTER["value_text"]


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"reason": "x"}',
                                  b'{"source": {}, "reason": "x", "key_b64": null, "value_b64": "***"}'])
def test_parse_rejects_what_is_not_a_dead_letter(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a dead letter"):
        parse_dead_letter(data)
