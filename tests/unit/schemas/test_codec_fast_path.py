"""`streams.fast_decode` never disagrees with the wire models: whatever it accepts, pydantic
accepts as the same event; what it declines goes to pydantic, which decides. And well-formed
records of the event topics do take it (else it would only cost time)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.core.events import Event, Profile
from schemas import examples
from streams.codec import _DECODERS, decode, encode_event
from streams.fast_decode import FAST_DECODERS, fast_event
from tests.unit.schemas.test_codec_hostile import HOSTILE, NOW_MS, QUICK, json_values, mutated_records
from tests.unit.schemas.test_codec_roundtrip import ROUND_TRIP, TOPIC, events


def _pydantic_event(topic: str, value: bytes) -> Event | None:
    """The event of the pydantic path alone, None where it rejects the record."""
    model, convert = _DECODERS[topic]
    try:
        return convert(model.model_validate_json(value))
    except ValueError:  # pydantic's ValidationError
        return None


def _assert_agrees(topic: str, value: bytes) -> None:
    fast = fast_event(topic, value)
    if fast is not None:
        assert fast == _pydantic_event(topic, value)


@ROUND_TRIP
@given(events)
def test_well_formed_events_take_the_fast_path(event: Event) -> None:
    topic = TOPIC[type(event)]
    value = encode_event(event)
    if isinstance(event, Profile):
        assert fast_event(topic, value) is None  # master data always takes the pydantic path
    else:
        assert fast_event(topic, value) == event
    assert decode(topic, None, value, now_ms=NOW_MS) == event


@HOSTILE
@given(mutated_records())
def test_mutated_records_get_the_models_answer(record: tuple[str, bytes | None, bytes]) -> None:
    topic, _, value = record
    _assert_agrees(topic, value)


@QUICK
@given(st.sampled_from(sorted(FAST_DECODERS)), json_values)
def test_random_json_gets_the_models_answer(topic: str, document: Any) -> None:
    _assert_agrees(topic, json.dumps(document, allow_nan=True).encode())


def _with(base: dict, **changes: Any) -> bytes:
    return json.dumps({**base, **changes}).encode()


ORDER_LINES = examples.ORDER["lines"]


@pytest.mark.parametrize(("topic", "value", "taken"), [
    ("orders", json.dumps(examples.ORDER).encode(), True),
    ("orders", _with({k: v for k, v in examples.ORDER.items() if k != "lines"}), True),
    ("orders", _with(examples.ORDER, lines=[]), True),
    ("orders", _with(examples.ORDER, extra_field={"ignored": True}), True),
    ("orders", json.dumps(examples.ORDER).encode()[:-1] + b', "amount": 0.01}', False),  # last key wins
    ("orders", _with(examples.ORDER, lines=None), False),
    ("orders", _with(examples.ORDER, lines=[{**ORDER_LINES[0], "amount": 0}] + ORDER_LINES[1:]), False),
    ("orders", _with(examples.ORDER, amount=True), False),
    ("orders", _with(examples.ORDER, occurred_at="2024-03-01T09:30:00"), False),
    ("orders", _with(examples.ORDER, customer_id=""), False),
    ("orders", b'{"event_id": "e\x01"}', False),
    ("payments", json.dumps(examples.PAYMENT).encode(), True),
    ("payments", _with(examples.PAYMENT, due_at=None), True),
    ("payments", _with(examples.PAYMENT, due_at=1_712_000_000_000), True),
    ("payments", _with(examples.PAYMENT, kind="refund"), False),
    ("complaints", json.dumps(examples.COMPLAINT).encode(), True),
    ("complaints", _with(examples.COMPLAINT, severity="urgent"), False),
    ("customers", json.dumps(examples.CUSTOMER).encode(), False),
])
def test_edge_cases(topic: str, value: bytes, taken: bool) -> None:
    fast = fast_event(topic, value)
    assert (fast is not None) == taken
    _assert_agrees(topic, value)
