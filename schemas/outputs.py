"""Records churnwatch publishes: alerts, customer cards and dead letters.

Downstream systems (CRM, ticketing, notification services) read the exported JSON Schema of these
models. Amounts are JSON numbers rounded to the cent and times RFC 3339 UTC text, as the HTTP card
is. Extra fields are allowed in the schema so that adding a field later does not break a consumer
that validates strictly against an older copy.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NonNegativeInt

from schemas import examples
from schemas.reasons import Reason
from schemas.wire_types import Severity

AlertKind = Literal[
    "volume_decline",
    "range_narrowing",
    "recency_lapse",
    "payment_overdue",
    "complaint_unresolved",
    "tier_downgrade",
    "segment_transition",
]
AlertState = Literal["open", "escalated", "resolved"]
Tier = Literal["A", "B", "C"]
TierBasis = Literal["key_account_flag", "revenue_share"]
RelationshipStage = Literal["development", "initial_cooperation", "stable", "strategic_partner"]
HealthComponent = Literal["recency", "trend", "range", "overdue", "complaints", "segment"]
Money = float
"""A JSON number rounded to the cent (output side; never negative unless said so)."""


def _config(title: str | None = None, example: dict[str, Any] | None = None) -> ConfigDict:
    extra_schema = {"examples": [example]} if example is not None else None
    return ConfigDict(extra="ignore", title=title, json_schema_extra=extra_schema)


class AlertRecord(BaseModel):
    """One lifecycle event of an early-warning alert (topic `churn-alerts`, key = customer_id).

    The same `alert_id` is re-emitted as the alert moves open -> escalated -> resolved; it is
    deterministic (customer, kind, episode), so consumers de-duplicate and track state by it.
    """

    model_config = _config("ChurnAlert", examples.ALERT)

    alert_id: str = Field(description="Stable id of the alert episode; identical across re-emissions and replays.")
    customer_id: str
    account_manager: str
    kind: AlertKind
    severity: Severity
    state: AlertState
    tier: Tier | None = Field(description="The customer's tier when the alert was emitted (null: not ranked yet).")
    evidence: dict[str, Any] = Field(description="The numbers behind the alert; keys depend on the kind.")
    message: str = Field(description="One human-readable line.")
    occurred_at: AwareDatetime = Field(description="Event time (the customer's event-time clock) of this transition.")
    emitted_at: AwareDatetime = Field(description="Processing (wall-clock) time the worker emitted it.")



class CardAlertRecord(AlertRecord):
    """An open alert as the card carries it: the card is built from state, which keeps no
    emission time, so `emitted_at` is null there (the `churn-alerts` topic has it)."""

    emitted_at: AwareDatetime | None = Field(default=None, description="Null on the card.")

class CardProfile(BaseModel):
    model_config = _config()

    name: str
    account_manager: str
    payment_terms_days: NonNegativeInt
    key_account: bool
    share_of_wallet: float | None = Field(ge=0, le=1)


class Lifetime(BaseModel):
    model_config = _config()

    orders: NonNegativeInt
    amount: Money = Field(ge=0)
    quantity: float = Field(ge=0)
    first_order_at: AwareDatetime | None
    last_order_at: AwareDatetime | None


class Rfm(BaseModel):
    model_config = _config()

    recency_days: NonNegativeInt | None = Field(
        description="Days since the last order, on event time; null before any order."
    )
    frequency: NonNegativeInt = Field(description="Orders in the trailing window (default 12 months).")
    monetary: Money = Field(ge=0, description="Order value in the trailing window.")
    r: int | None = Field(
        ge=1, le=5, description="Recency score 1-5 (quintile against the population); null until ranked."
    )
    f: int | None = Field(ge=1, le=5)
    m: int | None = Field(ge=1, le=5)
    segment: str | None = Field(description="Named RFM segment, e.g. Champions, Loyal, At Risk, Hibernating.")


class Period(BaseModel):
    model_config = _config()

    period: str = Field(description="Period label, e.g. 2024-03 for a calendar month.")
    orders: NonNegativeInt
    quantity: float = Field(ge=0)
    amount: Money = Field(ge=0)
    categories: list[str] = Field(description="Distinct product categories bought in the period, sorted.")


class ProductRange(BaseModel):
    model_config = _config()

    recent: NonNegativeInt = Field(description="Distinct categories in the recent window.")
    baseline: NonNegativeInt = Field(description="Distinct categories in the baseline window.")
    recent_categories: list[str]
    baseline_categories: list[str]
    lost_categories: list[str] = Field(description="Bought in the baseline window but not recently.")
    ratio: float | None = Field(ge=0, description="recent / baseline; null when the baseline is empty.")


class Receivables(BaseModel):
    model_config = _config()

    open_invoices: NonNegativeInt
    open_amount: Money = Field(ge=0)
    overdue_amount: Money = Field(ge=0)
    max_days_overdue: NonNegativeInt


class ComplaintSummary(BaseModel):
    model_config = _config()

    open: NonNegativeInt
    oldest_open_age_days: NonNegativeInt | None
    last_90_days: NonNegativeInt


class HealthReason(BaseModel):
    model_config = _config()

    component: HealthComponent
    points: float = Field(gt=0, description="Points this component takes off the score of 100.")
    detail: str


class Health(BaseModel):
    model_config = _config()

    score: int = Field(ge=0, le=100, description="100 minus the points of the reasons, clamped to 0..100.")
    reasons: list[HealthReason] = Field(description="Every component that takes points off, biggest first.")


class CardRecord(BaseModel):
    """The live data card of one customer (compacted topic `customer-cards`, and `GET /customers/{id}`)."""

    model_config = _config("CustomerCard", examples.CARD)

    customer_id: str
    profile: CardProfile | None = Field(description="Master data; null until a `customers` record arrives.")
    tier: Tier | None = Field(description="ABC tier; null while the population figures are not known yet.")
    tier_basis: TierBasis | None = Field(
        description="key_account_flag: tier A because the profile flags a key account; revenue_share: Pareto "
        "cut on trailing revenue; null with the tier."
    )
    relationship_stage: RelationshipStage | None = Field(
        description="From the share of wallet (seed 004): development (no order yet), initial_cooperation "
        "(< 0.3), stable (< 0.6), strategic_partner; null when the share is unknown."
    )
    lifetime: Lifetime
    rfm: Rfm
    periods: list[Period] = Field(description="Recent complete and current periods, oldest first.")
    product_range: ProductRange
    receivables: Receivables
    complaints: ComplaintSummary
    health: Health
    open_alerts: list[CardAlertRecord]
    as_of: AwareDatetime | None = Field(description="The customer's event-time clock when the card was built.")
    version: NonNegativeInt = Field(description="Increases with every change; stores keep the highest version.")


class DeadLetterSource(BaseModel):
    model_config = _config()

    topic: str
    partition: int
    offset: int


class DeadLetterRecord(BaseModel):
    """A rejected input record (topic `churnwatch-dlq`, key = the original key).

    Carries the exact original bytes (base64) so the record can be repaired and re-produced.
    """

    model_config = _config("DeadLetter", examples.DEAD_LETTER)

    source: DeadLetterSource
    reason: str = Field(description="Reason code; the decoder's are: " + ", ".join(r.value for r in Reason) + ".")
    detail: str = Field(description="What is wrong, naming the field, e.g. 'lines[2].amount: must be >= 0'.")
    key: str | None = Field(description="The original key as UTF-8 text; null if absent or not valid UTF-8.")
    key_b64: str | None = Field(description="The original key bytes, base64; null if the record had no key.")
    value_b64: str | None = Field(description="The exact original value bytes, base64; null for a tombstone.")
    value_text: str | None = Field(description="The value as UTF-8 text (first 4 KiB); null if not valid UTF-8.")
    value_text_truncated: bool = Field(description="True when value_text holds only the first 4 KiB.")
    failed_at: AwareDatetime = Field(description="Wall-clock time of the rejection.")
