"""Decode Kafka records of the input topics into the core's events, and encode them back.

`decode` is the single gate between untrusted bytes and the pure core: it either returns an
`agents.core.events` dataclass (integer cents, integer thousandths, epoch milliseconds UTC) or
raises `InvalidEvent` with a reason from the closed `Reason` enum and a detail naming the field.
It never raises anything else, so the agent can route every failure to the dead-letter topic
(a hypothesis test throws hostile payloads at it to hold this).

Parsing and validation run inside pydantic-core (`model_validate_json`), with one small Python
validator per amount, quantity and timestamp that yields the core's integer units at once (see
`schemas.wire_types`); building the dataclass afterwards is a plain copy. Well-formed orders,
payments and complaints first try `streams.fast_decode`, which applies the same validators to
orjson's result at a third of the cost and leaves everything it does not accept to pydantic.

Topic names here are the *logical* ones (`orders`, ...): callers with a topic prefix pass the
unprefixed name.

`encode_event` is the inverse for producers (simulator, replay, tests): amounts and quantities are
written as JSON numbers and times as RFC 3339 UTC with milliseconds, so `decode(encode_event(e))
== e` for every valid event.
"""

from __future__ import annotations

from typing import Any, Callable

import orjson
from pydantic import BaseModel, ValidationError

from agents.core.events import Complaint, Event, Order, OrderLine, Payment, Profile
from schemas.inputs import ComplaintRecord, CustomerRecord, OrderRecord, PaymentRecord
from schemas.reasons import Reason
from schemas.wire_types import format_rfc3339_ms
from streams.fast_decode import fast_event

DEFAULT_MAX_BYTES = 65_536
DEFAULT_MAX_FUTURE_MS = 86_400_000
"""How far `occurred_at` may lie ahead of the wall clock (producer clock skew) before rejection."""

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_FUTURE_MS", "InvalidEvent", "Reason", "decode", "encode_event"]


class InvalidEvent(ValueError):
    """An input record that cannot become an event; `reason` is a `Reason` code."""

    def __init__(self, reason: Reason | str, detail: str) -> None:
        self.reason = Reason(reason)
        self.detail = detail
        super().__init__(f"{self.reason.value}: {detail}")


def _order(record: OrderRecord) -> Order:
    return Order(
        event_id=record.event_id,
        customer_id=record.customer_id,
        order_id=record.order_id,
        occurred_ms=record.occurred_ms,
        amount_cents=record.amount_cents,
        quantity_milli=record.quantity_milli,
        lines=tuple(
            OrderLine(line.sku, line.category, line.quantity_milli, line.amount_cents) for line in record.lines
        ),
    )


def _payment(record: PaymentRecord) -> Payment:
    return Payment(
        event_id=record.event_id,
        customer_id=record.customer_id,
        invoice_id=record.invoice_id,
        kind=record.kind,
        amount_cents=record.amount_cents,
        occurred_ms=record.occurred_ms,
        due_ms=record.due_ms,
    )


def _complaint(record: ComplaintRecord) -> Complaint:
    return Complaint(
        event_id=record.event_id,
        customer_id=record.customer_id,
        complaint_id=record.complaint_id,
        status=record.status,
        severity=record.severity,
        occurred_ms=record.occurred_ms,
    )


def _profile(record: CustomerRecord) -> Profile:
    return Profile(
        customer_id=record.customer_id,
        name=record.name,
        account_manager=record.account_manager,
        payment_terms_days=record.payment_terms_days,
        key_account=record.key_account,
        share_of_wallet=record.share_of_wallet,
        event_id=record.event_id,
        occurred_ms=record.occurred_ms,
    )


_DECODERS: dict[str, tuple[type[BaseModel], Callable[[Any], Event]]] = {
    "orders": (OrderRecord, _order),
    "payments": (PaymentRecord, _payment),
    "complaints": (ComplaintRecord, _complaint),
    "customers": (CustomerRecord, _profile),
}
INPUT_TOPICS: tuple[str, ...] = tuple(_DECODERS)

_PYDANTIC_REASONS: dict[str, Reason] = {
    "json_invalid": Reason.MALFORMED_JSON,
    "json_type": Reason.MALFORMED_JSON,
    "missing": Reason.MISSING_FIELD,
    "string_too_short": Reason.MISSING_FIELD,
    "string_too_long": Reason.OVERSIZED,
    "too_long": Reason.OVERSIZED,
    "literal_error": Reason.UNKNOWN_ENUM,
    "enum": Reason.UNKNOWN_ENUM,
    "finite_number": Reason.NON_FINITE,
    "greater_than": Reason.NEGATIVE_AMOUNT,
    "greater_than_equal": Reason.NEGATIVE_AMOUNT,
    "less_than": Reason.NON_FINITE,
    "less_than_equal": Reason.NON_FINITE,
}
"""Pydantic's own error types -> reasons; any other pydantic type (``*_type``, ``*_parsing``) is
``wrong_type``. Errors raised by `schemas.wire_types` already carry a reason code as their type."""


_REASON_CODES = frozenset(Reason)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _invalid_from(error: ValidationError) -> InvalidEvent:
    """The first error pydantic reports, as an `InvalidEvent`."""
    first = error.errors(include_url=False, include_context=False)[0]
    kind = first["type"]
    reason = Reason(kind) if kind in _REASON_CODES else _PYDANTIC_REASONS.get(kind, Reason.WRONG_TYPE)
    message = first["msg"]
    if reason is Reason.WRONG_TYPE and first.get("input", ...) is None:
        reason, message = Reason.MISSING_FIELD, "required, got null"  # `"field": null` reads as absent
    elif kind in ("model_type", "model_attributes_type"):
        message = "must be a JSON object"
    path = _field_path(first["loc"])
    return InvalidEvent(reason, f"{path}: {message}" if path else message)


def decode(
    topic: str,
    key: bytes | None,
    value: bytes | None,
    *,
    now_ms: int,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_future_ms: int = DEFAULT_MAX_FUTURE_MS,
) -> Event:
    """Validate one Kafka record of an input topic and return the core event.

    `now_ms` is the wall clock (epoch ms) against which `future_timestamp` is judged; passing it in
    keeps the function pure. Raises `InvalidEvent` and nothing else.
    """
    decoder = _DECODERS.get(topic)
    if decoder is None:
        expected = ", ".join(INPUT_TOPICS)
        raise InvalidEvent(Reason.UNKNOWN_TOPIC, f"no schema for topic {topic!r}; expected one of {expected}")
    if not value:
        raise InvalidEvent(Reason.EMPTY_VALUE, "the record has no value" if value is None else "the value is empty")
    if len(value) > max_bytes:
        raise InvalidEvent(Reason.OVERSIZED, f"the value has {len(value)} bytes, more than the limit of {max_bytes}")
    event = fast_event(topic, value)
    if event is None:
        model, convert = decoder
        try:
            record = model.model_validate_json(value)
        except ValidationError as error:
            raise _invalid_from(error) from None
        event = convert(record)
    if key is not None:
        _check_key(key, event.customer_id)
    occurred_ms = event.occurred_ms
    if occurred_ms is not None and occurred_ms > now_ms + max_future_ms:
        raise InvalidEvent(
            Reason.FUTURE_TIMESTAMP,
            f"occurred_at: {format_rfc3339_ms(occurred_ms)} is more than {max_future_ms} ms after "
            f"the wall clock {format_rfc3339_ms(max(now_ms, 0))}",
        )
    return event


def _check_key(key: bytes, customer_id: str) -> None:
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEvent(Reason.KEY_MISMATCH, "the key is not valid UTF-8") from None
    if text != customer_id:
        raise InvalidEvent(Reason.KEY_MISMATCH, f"key {text[:80]!r} != customer_id {customer_id[:80]!r}")


def _amount(cents: int) -> float:
    return cents / 100


def _quantity(milli: int) -> float:
    return milli / 1000


def _wire(event: Event) -> dict[str, Any]:
    if isinstance(event, Order):
        return {
            "event_id": event.event_id,
            "customer_id": event.customer_id,
            "order_id": event.order_id,
            "occurred_at": format_rfc3339_ms(event.occurred_ms),
            "amount": _amount(event.amount_cents),
            "quantity": _quantity(event.quantity_milli),
            "lines": [
                {
                    "sku": line.sku,
                    "category": line.category,
                    "quantity": _quantity(line.quantity_milli),
                    "amount": _amount(line.amount_cents),
                }
                for line in event.lines
            ],
        }
    if isinstance(event, Payment):
        wire: dict[str, Any] = {
            "event_id": event.event_id,
            "customer_id": event.customer_id,
            "invoice_id": event.invoice_id,
            "kind": event.kind,
            "amount": _amount(event.amount_cents),
            "occurred_at": format_rfc3339_ms(event.occurred_ms),
        }
        if event.due_ms is not None:
            wire["due_at"] = format_rfc3339_ms(event.due_ms)
        return wire
    if isinstance(event, Complaint):
        return {
            "event_id": event.event_id,
            "customer_id": event.customer_id,
            "complaint_id": event.complaint_id,
            "status": event.status,
            "severity": event.severity,
            "occurred_at": format_rfc3339_ms(event.occurred_ms),
        }
    if isinstance(event, Profile):
        wire = {
            "customer_id": event.customer_id,
            "name": event.name,
            "account_manager": event.account_manager,
            "payment_terms_days": event.payment_terms_days,
            "key_account": event.key_account,
        }
        if event.share_of_wallet is not None:
            wire["share_of_wallet"] = event.share_of_wallet
        if event.event_id is not None:
            wire["event_id"] = event.event_id
        if event.occurred_ms is not None:
            wire["occurred_at"] = format_rfc3339_ms(event.occurred_ms)
        return wire
    raise TypeError(f"not a churnwatch input event: {type(event).__name__}")


def encode_event(event: Event) -> bytes:
    """The wire JSON of a core event (the value to produce; the key is `event.customer_id`)."""
    return orjson.dumps(_wire(event))
