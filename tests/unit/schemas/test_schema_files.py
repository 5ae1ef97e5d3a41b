"""The committed JSON Schema files equal the generated ones, and the examples honour them."""

from __future__ import annotations

import json

import orjson
import pytest
from jsonschema import Draft202012Validator

from agents.core.apply import apply_event
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.population import thresholds_from_states
from schemas import examples
from schemas.outputs import CardRecord
from schemas.export import JSON_DIR, TOPIC_MODELS, export_json_schemas, render_schema, schema_file_name
from streams.codec import decode, encode_event
from streams.dead_letter import dead_letter_value

NOW_MS = 1_712_000_000_000
EXAMPLES = {
    "orders": examples.ORDER,
    "payments": examples.PAYMENT,
    "complaints": examples.COMPLAINT,
    "customers": examples.CUSTOMER,
    "churn-alerts": examples.ALERT,
    "customer-cards": examples.CARD,
    "churnwatch-dlq": examples.DEAD_LETTER,
}
INPUT_TOPICS = ("orders", "payments", "complaints", "customers")


def committed(topic: str) -> dict:
    return json.loads((JSON_DIR / schema_file_name(topic)).read_text(encoding="utf-8"))


@pytest.mark.parametrize("topic", TOPIC_MODELS)
def test_committed_schema_is_up_to_date(topic: str) -> None:
    path = JSON_DIR / schema_file_name(topic)
    assert path.read_text(encoding="utf-8") == render_schema(topic), "run: python -m schemas"


def test_no_stale_schema_files() -> None:
    assert sorted(p.name for p in JSON_DIR.glob("*.json")) == sorted(schema_file_name(t) for t in TOPIC_MODELS)


def test_export_writes_every_topic(tmp_path) -> None:
    written = export_json_schemas(tmp_path)
    assert [p.name for p in written] == [schema_file_name(t) for t in TOPIC_MODELS]
    assert all(p.read_text(encoding="utf-8") == render_schema(t) for p, t in zip(written, TOPIC_MODELS))


@pytest.mark.parametrize("topic", TOPIC_MODELS)
def test_schema_is_valid_and_example_conforms(topic: str) -> None:
    schema = committed(topic)
    Draft202012Validator.check_schema(schema)
    assert schema["examples"] == [EXAMPLES[topic]]
    Draft202012Validator(schema).validate(EXAMPLES[topic])
    TOPIC_MODELS[topic].model_validate(EXAMPLES[topic])


@pytest.mark.parametrize("topic", INPUT_TOPICS)
def test_encoded_events_conform_to_their_schema(topic: str) -> None:
    event = decode(topic, None, orjson.dumps(EXAMPLES[topic]), now_ms=NOW_MS)
    Draft202012Validator(committed(topic)).validate(orjson.loads(encode_event(event)))


@pytest.mark.parametrize(("topic", "field", "value"), [
    ("orders", "amount", -1),
    ("orders", "amount", "12.50"),
    ("payments", "kind", "refund"),
    ("complaints", "occurred_at", -5),
    ("customers", "share_of_wallet", 2),
])
def test_schema_rejects_what_the_decoder_rejects(topic: str, field: str, value: object) -> None:
    assert not Draft202012Validator(committed(topic)).is_valid({**EXAMPLES[topic], field: value})


def test_dead_letters_conform_to_their_schema() -> None:
    letter = dead_letter_value(topic="orders", partition=0, offset=7, key=None, value=b"\xff" * 10,
                               reason="malformed_json", detail="invalid JSON", failed_at_ms=NOW_MS)
    Draft202012Validator(committed("churnwatch-dlq")).validate(orjson.loads(letter))


def test_cards_built_by_the_core_conform_to_the_card_schema() -> None:
    """The contract guard between `agents.core.card` and the published card schema."""
    config, state = CoreConfig(), None
    for topic in ("customers", "orders", "payments", "complaints"):
        state, _ = apply_event(state, decode(topic, None, orjson.dumps(EXAMPLES[topic]), now_ms=NOW_MS), config)
    clock_ms = 1_714_000_000_000
    for thresholds in (None, thresholds_from_states([state], clock_ms, config)):
        card = json.loads(json.dumps(build_card(state, clock_ms, thresholds, config)))
        Draft202012Validator(committed("customer-cards")).validate(card)
        CardRecord.model_validate(card)
