"""Cell parsing: exact money, quantities, the accepted timestamp forms and the refused ones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from churnwatch.replay import fields
from churnwatch.replay.fields import FieldError

MARCH_1 = 1_709_251_200_000  # 2024-03-01T00:00:00Z


@pytest.mark.parametrize("value, expected", [
    ("19.99", 1999), ("0.285", 29), ("1e3", 100_000), (12, 1200), (0.1, 10), (Decimal("2.005"), 201), (" 7 ", 700),
])
def test_cents_are_exact_and_round_half_up(value: object, expected: int) -> None:
    assert fields.cents({"amount": value}, "amount") == expected


@pytest.mark.parametrize("value, reason", [("", "missing"), ("abc", "not_a_number"), ("NaN", "not_a_number"),
                                           (True, "not_a_number"), (float("nan"), "missing")])
def test_bad_numbers_name_field_and_reason(value: object, reason: str) -> None:
    with pytest.raises(FieldError) as error:
        fields.cents({"amount": value}, "amount")
    assert (error.value.field, error.value.reason) == ("amount", reason)


def test_quantities_in_thousandths() -> None:
    assert fields.milli({"q": "1.2345"}, "q") == 1235
    assert fields.milli({"q": 3}, "q") == 3000


@pytest.mark.parametrize("value, date_format, expected", [
    ("2024-03-01T00:00:00Z", None, MARCH_1),
    ("2024-03-01T08:00:00+08:00", None, MARCH_1),
    ("2024-03-01 00:00:00.250Z", None, MARCH_1 + 250),
    ("2024-03-01", None, MARCH_1),
    (str(MARCH_1), None, MARCH_1),
    (MARCH_1, None, MARCH_1),
    (float(MARCH_1), None, MARCH_1),
    ("20240301", "%Y%m%d", MARCH_1),
    ("01/03/2024 08:00 +0800", "%d/%m/%Y %H:%M %z", MARCH_1),
    ("2024-03-01T00:00:00Z", "%Y%m%d", MARCH_1),
    (datetime(2024, 3, 1), None, MARCH_1),
    (datetime(2024, 3, 1, tzinfo=UTC), None, MARCH_1),
    (date(2024, 3, 1), None, MARCH_1),
])
def test_accepted_timestamps(value: object, date_format: str | None, expected: int) -> None:
    assert fields.timestamp({"t": value}, "t", date_format) == expected


@pytest.mark.parametrize("value, date_format, reason", [
    ("2024-03-01T09:00:00", None, "naive_timestamp"),
    ("20240301", None, "implausible_epoch_ms"),
    ("1709251200", None, "implausible_epoch_ms"),
    ("yesterday", None, "bad_timestamp"),
    ("2024-13-01", "%Y%m%d", "bad_timestamp"),
    ("", None, "missing"),
])
def test_refused_timestamps(value: object, date_format: str | None, reason: str) -> None:
    with pytest.raises(FieldError) as error:
        fields.timestamp({"t": value}, "t", date_format)
    assert (error.value.field, error.value.reason) == ("t", reason)


def test_optional_timestamp_may_be_blank() -> None:
    assert fields.timestamp({"due_at": ""}, "due_at", None, required=False) is None


@pytest.mark.parametrize("value, expected", [("true", True), ("No", False), ("1", True), (False, False)])
def test_booleans(value: object, expected: bool) -> None:
    assert fields.boolean({"k": value}, "k") is expected


def test_derived_ids_are_stable_and_content_bound() -> None:
    assert fields.derived_id("payments", "C1", 100) == fields.derived_id("payments", "C1", 100)
    assert fields.derived_id("payments", "C1", 100) != fields.derived_id("payments", "C1", 101)
