"""Decoded input events as the core sees them.

Why separate from the wire schemas (`schemas/`): the wire carries decimal amounts and RFC 3339
times; the core works on integer cents and epoch milliseconds (UTC) so that sums are exact to
the cent and comparisons are cheap. The decoder in `streams.codec` turns validated wire records
into these dataclasses; nothing in the core ever parses text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

PaymentKind = Literal["invoice", "payment"]
ComplaintStatus = Literal["opened", "resolved"]
Severity = Literal["low", "medium", "high", "critical"]

SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
QUANTITY_SCALE = 1000
"""Quantities are carried as integer thousandths (``quantity_milli``) so sums stay exact."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    category: str
    quantity_milli: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Order:
    event_id: str
    customer_id: str
    order_id: str
    occurred_ms: int
    amount_cents: int
    quantity_milli: int
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True)
class Payment:
    """An invoice issued to the customer, or a payment received against an invoice."""

    event_id: str
    customer_id: str
    invoice_id: str
    kind: PaymentKind
    amount_cents: int
    occurred_ms: int
    due_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Complaint:
    event_id: str
    customer_id: str
    complaint_id: str
    status: ComplaintStatus
    severity: Severity
    occurred_ms: int


@dataclass(frozen=True, slots=True)
class Profile:
    """Master data from the compacted `customers` topic.

    Profiles do not advance the event-time clock and are never "late": they are master data,
    applied last-write-wins in arrival order.
    """

    customer_id: str
    name: str
    account_manager: str
    payment_terms_days: int
    key_account: bool
    share_of_wallet: float | None = None
    event_id: str | None = None
    occurred_ms: int | None = None


Event = Union[Order, Payment, Complaint, Profile]
TimedEvent = Union[Order, Payment, Complaint]
