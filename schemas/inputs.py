"""Wire records of the four input topics: orders, payments, complaints, customers.

These models *are* the contract producers write to (their JSON Schema, with the wire field names,
is exported to `schemas/json/`). Validation normalises as it goes: attributes hold the core's units
(`amount_cents`, `quantity_milli`, `occurred_ms`) under aliases that are the wire names (`amount`,
`quantity`, `occurred_at`), so `streams.codec` only copies them into `agents.core.events`.

Unknown extra fields are ignored, not rejected: producers may add fields (a currency code, a
channel) without breaking running workers. Types are strict: a number in quotes, a `"true"`
string or a float where an integer belongs is a `wrong_type`, never silently coerced.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas import examples
from schemas.reasons import Reason
from schemas.wire_types import (
    MAX_PAYMENT_TERMS_DAYS,
    AmountCents,
    EpochMs,
    Id,
    QuantityMilli,
    Severity,
    Text,
    format_cents,
)


def _config(title: str, example: dict[str, Any] | None = None) -> ConfigDict:
    extra_schema = {"examples": [example]} if example is not None else None
    return ConfigDict(strict=True, extra="ignore", frozen=True, title=title, json_schema_extra=extra_schema)


class OrderLineRecord(BaseModel):
    model_config = _config("OrderLine")

    sku: Id
    category: Id = Field(description="Product category; the product-range rules count distinct categories.")
    quantity_milli: QuantityMilli = Field(alias="quantity")
    amount_cents: AmountCents = Field(alias="amount")


class OrderRecord(BaseModel):
    """An order placed by a customer (topic `orders`, key = customer_id)."""

    model_config = _config("Order", examples.ORDER)

    event_id: Id = Field(description="Unique per event; a redelivery with the same id changes nothing.")
    customer_id: Id
    order_id: Id
    occurred_ms: EpochMs = Field(alias="occurred_at")
    amount_cents: AmountCents = Field(
        alias="amount",
        description="Order total, rounded to the cent (half up); must equal the sum of the line amounts when "
        "lines are given.",
    )
    quantity_milli: QuantityMilli = Field(
        alias="quantity",
        description="Total quantity, rounded to 0.001 (half up), > 0; must equal the sum of the line quantities "
        "when lines are given.",
    )
    lines: list[OrderLineRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _totals_match_lines(self) -> "OrderRecord":
        if self.lines:
            line_cents = sum(line.amount_cents for line in self.lines)
            if line_cents != self.amount_cents:
                raise PydanticCustomError(
                    Reason.AMOUNT_MISMATCH.value,
                    f"amount {format_cents(self.amount_cents)} != sum of line amounts {format_cents(line_cents)}",
                )
            line_milli = sum(line.quantity_milli for line in self.lines)
            if line_milli != self.quantity_milli:
                raise PydanticCustomError(
                    Reason.AMOUNT_MISMATCH.value,
                    f"quantity {self.quantity_milli / 1000} != sum of line quantities {line_milli / 1000}",
                )
        return self


class PaymentRecord(BaseModel):
    """An invoice issued to the customer or a payment received against one (topic `payments`)."""

    model_config = _config("Payment", examples.PAYMENT)

    event_id: Id
    customer_id: Id
    invoice_id: Id = Field(description="The invoice; a payment names the invoice it settles (fully or partly).")
    kind: Literal["invoice", "payment"]
    amount_cents: AmountCents = Field(alias="amount")
    occurred_ms: EpochMs = Field(alias="occurred_at")
    due_ms: EpochMs | None = Field(
        default=None,
        alias="due_at",
        description="Invoices: when payment is due (RFC 3339 or epoch ms). When absent, the due date is "
        "occurred_at plus the customer's payment_terms_days. Not used on payments.",
    )


class ComplaintRecord(BaseModel):
    """A complaint opened or resolved in the helpdesk (topic `complaints`)."""

    model_config = _config("Complaint", examples.COMPLAINT)

    event_id: Id
    customer_id: Id
    complaint_id: Id
    status: Literal["opened", "resolved"]
    severity: Severity
    occurred_ms: EpochMs = Field(alias="occurred_at")


class CustomerRecord(BaseModel):
    """Customer master data (compacted topic `customers`): last write wins, in arrival order."""

    model_config = _config("Customer", examples.CUSTOMER)

    customer_id: Id
    name: Text
    account_manager: Text = Field(description="Owner of the account; alerts are routed by it. Empty = unassigned.")
    payment_terms_days: int = Field(ge=0, le=MAX_PAYMENT_TERMS_DAYS)
    key_account: bool = Field(description="Flagged key account: treated as key whatever its revenue tier.")
    share_of_wallet: float | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False, description="Our share of the customer's purchases, if known."
    )
    event_id: Id | None = None
    occurred_ms: EpochMs | None = Field(
        default=None, alias="occurred_at", description="When the master data changed (RFC 3339 or epoch ms)."
    )
