"""JSON Schema export: one `<topic>.schema.json` per topic value, generated from the models.

Why generated and committed: downstream teams read the files (the contract documentation), and a
unit test regenerates them and fails when the committed copies differ, so the files cannot drift
from the code. Regenerate with `python -m schemas`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.inputs import ComplaintRecord, CustomerRecord, OrderRecord, PaymentRecord
from schemas.outputs import AlertRecord, CardRecord, DeadLetterRecord

JSON_DIR = Path(__file__).resolve().parent / "json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

TOPIC_MODELS: dict[str, type[BaseModel]] = {
    "orders": OrderRecord,
    "payments": PaymentRecord,
    "complaints": ComplaintRecord,
    "customers": CustomerRecord,
    "churn-alerts": AlertRecord,
    "customer-cards": CardRecord,
    "churnwatch-dlq": DeadLetterRecord,
}
"""Logical (unprefixed) topic name -> the model of its value."""


def topic_schema(topic: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one topic's value."""
    schema = TOPIC_MODELS[topic].model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def schema_file_name(topic: str) -> str:
    return f"{topic}.schema.json"


def render_schema(topic: str) -> str:
    """The exact text of a schema file: stable key order, two-space indent, trailing newline."""
    return json.dumps(topic_schema(topic), indent=2, ensure_ascii=False) + "\n"


def export_json_schemas(directory: Path = JSON_DIR) -> list[Path]:
    """Write every topic's schema file into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in TOPIC_MODELS:
        path = directory / schema_file_name(topic)
        path.write_text(render_schema(topic), encoding="utf-8")
        written.append(path)
    return written
