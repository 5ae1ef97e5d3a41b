"""One example per rejection reason, and the normalisations the decoder promises (units, UTC)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from agents.core.events import Complaint, Order, OrderLine, Payment, Profile
from schemas import examples
from schemas.reasons import Reason
from streams.codec import DEFAULT_MAX_FUTURE_MS, InvalidEvent, decode

NOW_MS = 1_712_000_000_000  # 2024-04-01T19:33:20Z
KEY = b"C-1001"
BASE = {"orders": examples.ORDER, "payments": examples.PAYMENT, "complaints": examples.COMPLAINT,
        "customers": examples.CUSTOMER}


def changed(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `payload` with fields replaced; the value ``...`` deletes the field."""
    copy = json.loads(json.dumps(payload))
    for name, value in changes.items():
        if value is ...:
            copy.pop(name, None)
        else:
            copy[name] = value
    return copy


def wire(topic: str, **changes: Any) -> bytes:
    """The topic's example with `changes`, as JSON bytes (NaN and Infinity allowed)."""
    return json.dumps(changed(BASE[topic], changes), allow_nan=True).encode()


def line_change(index: int, **changes: Any) -> list[dict[str, Any]]:
    lines = list(examples.ORDER["lines"])
    lines[index] = changed(lines[index], changes)
    return lines


def rejection(topic: str, value: bytes | None, key: bytes | None = KEY, **options: Any) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        decode(topic, key, value, now_ms=NOW_MS, **options)
    return caught.value


CASES: list[tuple[Reason, str, bytes | None, bytes | None, str]] = [
    (Reason.MALFORMED_JSON, "orders", KEY, b'{"event_id": "e1", ', "invalid json"),
    (Reason.MALFORMED_JSON, "orders", KEY, b"\xff\xfe{}", "invalid json"),
    (Reason.MISSING_FIELD, "orders", KEY, wire("orders", customer_id=...), "customer_id: field required"),
    (Reason.MISSING_FIELD, "payments", KEY, wire("payments", invoice_id=None), "invoice_id: required, got null"),
    (Reason.MISSING_FIELD, "payments", KEY, wire("payments", amount=None), "amount: required, got null"),
    (Reason.MISSING_FIELD, "payments", KEY, wire("payments", occurred_at=None), "occurred_at: required, got null"),
    (Reason.MISSING_FIELD, "complaints", KEY, wire("complaints", complaint_id=""), "complaint_id:"),
    (Reason.MISSING_FIELD, "orders", KEY, wire("orders", lines=line_change(0, sku=...)),
     "lines[0].sku: field required"),
    (Reason.WRONG_TYPE, "orders", KEY, wire("orders", amount="1250.50"), "amount: must be a json number"),
    (Reason.WRONG_TYPE, "orders", KEY, wire("orders", lines=[examples.ORDER["lines"][0], 7]),
     "lines[1]: must be a json object"),
    (Reason.WRONG_TYPE, "customers", KEY, wire("customers", key_account="true"), "key_account:"),
    (Reason.WRONG_TYPE, "customers", KEY, wire("customers", payment_terms_days=30.5), "payment_terms_days:"),
    (Reason.WRONG_TYPE, "payments", KEY, b'["not", "an", "object"]', "must be a json object"),
    (Reason.WRONG_TYPE, "complaints", KEY, wire("complaints", occurred_at=True), "occurred_at:"),
    (Reason.NEGATIVE_AMOUNT, "orders", KEY, wire("orders", lines=line_change(1, amount=-270.5)),
     "lines[1].amount: must be >= 0"),
    (Reason.NEGATIVE_AMOUNT, "payments", KEY, wire("payments", amount=-0.01), "amount: must be >= 0"),
    (Reason.NEGATIVE_AMOUNT, "orders", KEY, wire("orders", lines=line_change(0, quantity=0)),
     "lines[0].quantity: must be > 0"),
    (Reason.NEGATIVE_AMOUNT, "orders", KEY, wire("orders", lines=line_change(0, quantity=0.0004)),
     "lines[0].quantity: must be > 0"),
    (Reason.NEGATIVE_AMOUNT, "customers", KEY, wire("customers", payment_terms_days=-1), "payment_terms_days:"),
    (Reason.NON_FINITE, "orders", KEY, wire("orders", amount=float("nan")), "amount: must be a finite number"),
    (Reason.NON_FINITE, "payments", KEY, wire("payments", amount=float("inf")), "amount: must be a finite number"),
    (Reason.NON_FINITE, "payments", KEY, wire("payments", amount=1e400), "amount:"),
    (Reason.NON_FINITE, "payments", KEY, wire("payments", amount=10**13), "amount: must be < 10000000000000"),
    (Reason.NON_FINITE, "customers", KEY, wire("customers", share_of_wallet=1.5), "share_of_wallet:"),
    (Reason.UNKNOWN_ENUM, "payments", KEY, wire("payments", kind="refund"), "kind:"),
    (Reason.UNKNOWN_ENUM, "complaints", KEY, wire("complaints", severity="urgent"), "severity:"),
    (Reason.UNKNOWN_ENUM, "complaints", KEY, wire("complaints", status="Opened"), "status:"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at="2024-03-01T09:30:00"),
     "occurred_at: not rfc 3339 with an offset"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at="2024-03-01"), "occurred_at:"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at="2023-02-29T00:00:00Z"),
     "occurred_at: invalid date"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at="1969-12-31T23:59:59Z"), "occurred_at:"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at=-1), "occurred_at:"),
    (Reason.BAD_TIMESTAMP, "orders", KEY, wire("orders", occurred_at=1.7e12),
     "occurred_at: epoch milliseconds must be an integer"),
    (Reason.BAD_TIMESTAMP, "payments", KEY, wire("payments", due_at="next month"), "due_at:"),
    (Reason.BAD_TIMESTAMP, "payments", KEY, wire("payments", due_at="2024-04-01T00:00:00+08:75"), "due_at:"),
    (Reason.FUTURE_TIMESTAMP, "complaints", KEY, wire("complaints", occurred_at=NOW_MS + DEFAULT_MAX_FUTURE_MS + 1),
     "occurred_at:"),
    (Reason.FUTURE_TIMESTAMP, "customers", KEY, wire("customers", occurred_at="2030-01-01T00:00:00Z"), "occurred_at:"),
    (Reason.KEY_MISMATCH, "orders", b"C-2002", wire("orders"), "key 'c-2002' != customer_id 'c-1001'"),
    (Reason.KEY_MISMATCH, "customers", b"\xff", wire("customers"), "not valid utf-8"),
    (Reason.OVERSIZED, "orders", KEY, wire("orders", padding="x" * 70_000), "more than the limit of 65536"),
    (Reason.OVERSIZED, "complaints", KEY, wire("complaints", complaint_id="x" * 257), "complaint_id:"),
    (Reason.AMOUNT_MISMATCH, "orders", KEY, wire("orders", amount=1250.49),
     "amount 1250.49 != sum of line amounts 1250.50"),
    (Reason.AMOUNT_MISMATCH, "orders", KEY, wire("orders", quantity=12),
     "quantity 12.0 != sum of line quantities 13.0"),
    (Reason.EMPTY_VALUE, "customers", KEY, None, "no value"),
    (Reason.EMPTY_VALUE, "orders", KEY, b"", "empty"),
    (Reason.UNKNOWN_TOPIC, "churn-alerts", KEY, wire("orders"), "no schema for topic 'churn-alerts'"),
]


@pytest.mark.parametrize(("reason", "topic", "key", "value", "detail"), CASES,
                         ids=[f"{c[0].value}-{i}" for i, c in enumerate(CASES)])
def test_rejection_reason_and_detail(reason: Reason, topic: str, key: bytes | None, value: bytes | None,
                                     detail: str) -> None:
    error = rejection(topic, value, key)
    assert error.reason is reason, error
    assert detail in error.detail.lower(), error.detail
    assert str(error) == f"{reason.value}: {error.detail}"


def test_every_reason_has_an_example() -> None:
    assert {case[0] for case in CASES} == set(Reason)


def test_examples_decode_to_core_units() -> None:
    assert decode("orders", KEY, orjson.dumps(examples.ORDER), now_ms=NOW_MS) == Order(
        event_id="erp-ord-000123-v1", customer_id="C-1001", order_id="SO-2024-000123",
        occurred_ms=1_709_256_600_000,  # 2024-03-01T01:30:00Z: +08:00 normalised to UTC
        amount_cents=125_050, quantity_milli=13_000,
        lines=(OrderLine("VAL-DN50", "valves", 10_000, 98_000), OrderLine("GSK-DN50", "gaskets", 3_000, 27_050)),
    )
    assert decode("payments", KEY, orjson.dumps(examples.PAYMENT), now_ms=NOW_MS) == Payment(
        "bill-inv-4711", "C-1001", "INV-4711", "invoice", 125_050, 1_709_337_600_000, 1_711_929_600_000)
    assert decode("complaints", KEY, orjson.dumps(examples.COMPLAINT), now_ms=NOW_MS) == Complaint(
        "hd-77-opened", "C-1001", "HD-77", "opened", "high", 1_709_632_800_000)
    assert decode("customers", KEY, orjson.dumps(examples.CUSTOMER), now_ms=NOW_MS) == Profile(
        "C-1001", "Huadong Pump Works", "li.wei", 30, True, 0.6)


@pytest.mark.parametrize(("amount", "cents"), [
    (0.285, 29), (0.284999, 28), (1.005, 101), (0.125, 13), (2.675, 268), (0.0049, 0), (0.005, 1),
    (0, 0), (-0.0, 0), (7, 700), (9_999_999_999_999.99, 999_999_999_999_999), (1e-7, 0),
])
def test_amounts_round_half_up_to_the_cent(amount: float, cents: int) -> None:
    event = decode("payments", KEY, wire("payments", amount=amount), now_ms=NOW_MS)
    assert event.amount_cents == cents


@pytest.mark.parametrize(("quantity", "milli"), [(2.5, 2_500), (0.0005, 1), (1.0015, 1_002), (3, 3_000)])
def test_quantities_round_half_up_to_the_thousandth(quantity: float, milli: int) -> None:
    value = wire("orders", quantity=quantity, lines=...)
    assert decode("orders", KEY, value, now_ms=NOW_MS).quantity_milli == milli


@pytest.mark.parametrize(("occurred_at", "epoch_ms"), [
    ("2024-03-01T00:00:00Z", 1_709_251_200_000),
    ("2024-03-01t00:00:00z", 1_709_251_200_000),
    ("2024-03-01 08:00:00+08:00", 1_709_251_200_000),
    ("2024-02-29T19:00:00-05:00", 1_709_251_200_000),
    ("2024-03-01T00:00:00.1239Z", 1_709_251_200_123),  # sub-millisecond digits truncated
    ("1970-01-01T00:00:00Z", 0),
    (1_709_251_200_123, 1_709_251_200_123),
])
def test_timestamps_normalise_to_utc_epoch_ms(occurred_at: object, epoch_ms: int) -> None:
    assert decode("complaints", KEY, wire("complaints", occurred_at=occurred_at), now_ms=NOW_MS).occurred_ms == epoch_ms


def test_future_skew_is_allowed_up_to_max_future() -> None:
    at_limit = wire("complaints", occurred_at=NOW_MS + 3_600_000)
    assert decode("complaints", KEY, at_limit, now_ms=NOW_MS, max_future_ms=3_600_000).occurred_ms == NOW_MS + 3_600_000
    assert rejection("complaints", at_limit, max_future_ms=3_599_999).reason is Reason.FUTURE_TIMESTAMP


def test_due_dates_in_the_future_are_normal() -> None:
    event = decode("payments", KEY, wire("payments", due_at="2031-01-01T00:00:00Z"), now_ms=NOW_MS)
    assert event.due_ms == 1_924_992_000_000


def test_optional_parts_may_be_absent_and_extra_fields_are_ignored() -> None:
    order = decode("orders", None, wire("orders", lines=..., channel="web", currency="CNY"), now_ms=NOW_MS)
    assert order.lines == () and order.amount_cents == 125_050
    payment = decode("payments", None, wire("payments", due_at=...), now_ms=NOW_MS)
    assert payment.due_ms is None
    profile = decode("customers", None, wire("customers", share_of_wallet=..., account_manager=""), now_ms=NOW_MS)
    assert profile.share_of_wallet is None and profile.account_manager == ""


def test_oversize_limit_is_configurable() -> None:
    value = wire("orders")
    assert rejection("orders", value, max_bytes=len(value) - 1).reason is Reason.OVERSIZED
    assert decode("orders", KEY, value, now_ms=NOW_MS, max_bytes=len(value)).customer_id == "C-1001"


def test_unicode_ids_and_matching_key() -> None:
    value = wire("complaints", customer_id="客户-上海-01")
    assert decode("complaints", "客户-上海-01".encode(), value, now_ms=NOW_MS).customer_id == "客户-上海-01"
