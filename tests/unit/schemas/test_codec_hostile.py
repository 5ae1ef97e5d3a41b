"""Hostile input: whatever bytes arrive, `decode` returns a sound event or raises `InvalidEvent`.

Never another exception (a worker must not crash on input), and anything it accepts is a valid
event: non-negative integer units, totals that match the lines, a sane time, and bytes that survive
`encode_event` -> `decode` unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.core.events import Complaint, Event, Order, Payment, Profile
from schemas import examples
from schemas.reasons import Reason
from schemas.wire_types import MAX_EPOCH_MS
from streams.codec import DEFAULT_MAX_FUTURE_MS, InvalidEvent, decode, encode_event

NOW_MS = 1_712_000_000_000
TOPICS = {"orders": Order, "payments": Payment, "complaints": Complaint, "customers": Profile}
BASE = {"orders": examples.ORDER, "payments": examples.PAYMENT, "complaints": examples.COMPLAINT,
        "customers": examples.CUSTOMER}
HOSTILE = settings(max_examples=1200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=300, deadline=None, derandomize=True)

scalars = (st.none() | st.booleans() | st.integers(-(10**25), 10**25) | st.floats() | st.text(max_size=24))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=8,
)
nasty = st.sampled_from([
    math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, 0, -1, 0.0004, 0.0005, 0.285, 10**13, 10**19,
    2**63, 2**64 + 1, -(2**63), 9_999_999_999_999.995, "", " ", "1.5", "true", "null", "NaN", "x" * 300,
    "2024-02-30T00:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "2024-03-01T09:30:00",
    "9999-12-31T23:59:59.999-23:59", "0001-01-01T00:00:00+23:59", "0000-01-01T00:00:00Z",
    "2024-03-01T09:30:00+24:00", "2024-03-01T09:30:00+08:60", "2024-03-01T09:30:60Z", "٢٠٢٤-03-01T09:30:00Z",
    "2024-03-01T09:30:00.1234567891Z", "2024-W09-5T09:30:00Z", "20240301T093000Z", MAX_EPOCH_MS,
    MAX_EPOCH_MS + 1, NOW_MS + DEFAULT_MAX_FUTURE_MS, NOW_MS + DEFAULT_MAX_FUTURE_MS + 1, "invoice", "payment",
    "opened", "resolved", "critical", "客户", "\u0000", "\U0001f4a5", [], {}, [{}], {"sku": None},
])


def _paths(payload: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every field path in a payload: top-level names and `("lines", i, name)`."""
    paths: list[tuple[Any, ...]] = [(name,) for name in payload]
    lines = payload.get("lines")
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, dict):
            paths.extend(("lines", index, name) for name in line)
    return paths


@st.composite
def mutated_records(draw: st.DrawFn) -> tuple[str, bytes | None, bytes]:
    topic = draw(st.sampled_from(sorted(TOPICS)))
    payload = json.loads(json.dumps(BASE[topic]))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(payload) + [("extra",)]))
        *parents, last = path
        target = payload
        for part in parents:
            target = target[part]
        if not isinstance(target, dict):
            continue
        action = draw(st.sampled_from(["delete", "nasty", "nasty", "json"]))
        if action == "delete":
            target.pop(last, None)
        else:
            target[last] = draw(nasty if action == "nasty" else json_values)
    customer_id = payload.get("customer_id")
    own_key = customer_id.encode("utf-8", "surrogatepass") if isinstance(customer_id, str) else b"\xff"
    key = draw(st.sampled_from([own_key, own_key, None, b"C-1001"]))
    text = json.dumps(payload, allow_nan=True, ensure_ascii=draw(st.booleans()))
    return topic, key, text.encode("utf-8", "surrogatepass")


def assert_sound(topic: str, key: bytes | None, value: bytes | None) -> None:
    try:
        event = decode(topic, key, value, now_ms=NOW_MS)
    except InvalidEvent as error:
        assert error.reason in set(Reason)
        assert error.detail
        return
    assert isinstance(event, TOPICS[topic])
    _assert_valid(event)
    assert decode(topic, key, encode_event(event), now_ms=NOW_MS) == event


def _assert_valid(event: Event) -> None:
    assert event.customer_id
    if isinstance(event, Profile):
        assert event.payment_terms_days >= 0
        assert event.share_of_wallet is None or 0 <= event.share_of_wallet <= 1
        return
    assert 0 <= event.occurred_ms <= NOW_MS + DEFAULT_MAX_FUTURE_MS
    if isinstance(event, (Order, Payment)):
        assert type(event.amount_cents) is int and event.amount_cents >= 0
    if isinstance(event, Order):
        assert event.quantity_milli > 0
        if event.lines:
            assert sum(line.amount_cents for line in event.lines) == event.amount_cents
            assert sum(line.quantity_milli for line in event.lines) == event.quantity_milli
            assert all(line.quantity_milli > 0 and line.amount_cents >= 0 for line in event.lines)


@HOSTILE
@given(mutated_records())
def test_mutated_events_are_accepted_soundly_or_rejected(record: tuple[str, bytes | None, bytes]) -> None:
    assert_sound(*record)


@QUICK
@given(st.sampled_from(sorted(TOPICS)), st.none() | st.binary(max_size=8), st.binary(max_size=300))
def test_random_bytes_are_rejected(topic: str, key: bytes | None, value: bytes) -> None:
    assert_sound(topic, key, value)


@QUICK
@given(st.sampled_from(sorted(TOPICS)), json_values, st.booleans())
def test_random_json_is_rejected(topic: str, document: Any, ascii_only: bool) -> None:
    value = json.dumps(document, allow_nan=True, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert_sound(topic, b"C-1001", value)


@QUICK
@given(st.text(max_size=20), st.binary(max_size=50) | st.none())
def test_unknown_topics_and_empty_values_are_rejected(topic: str, value: bytes | None) -> None:
    try:
        decode(topic, None, value, now_ms=NOW_MS)
    except InvalidEvent as error:
        assert error.reason in set(Reason)
    else:
        assert topic in TOPICS
