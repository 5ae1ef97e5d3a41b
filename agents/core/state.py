"""The live state of one customer: everything the data card and the alert rules need.

Why one flat, slotted, mutable object: `apply_event` runs once per input event and mutates the
state in place (no copies on the hot path); the agent writes the state once per batch to the
changelog-backed table, so ``to_dict`` / ``from_dict`` must be compact and quick. Every
collection in here is bounded, by time relative to the customer's own newest event (never the
wall clock) or by a count, so a long-lived customer does not grow without limit; the bounds are
in `agents.core.apply`.

Units: amounts integer cents, quantities integer thousandths, times epoch milliseconds UTC,
``day`` numbers are days since 1970-01-01 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.core.event_rows import from_row, to_row


@dataclass(slots=True)
class CustomerState:
    customer_id: str
    version: int = 0
    """Incremented on every applied event; the card carries it so upserts can keep the newest."""

    # Profile (master data, last write wins). has_profile is False until a profile arrived.
    has_profile: bool = False
    name: str | None = None
    account_manager: str | None = None
    payment_terms_days: int | None = None
    key_account: bool = False
    share_of_wallet: float | None = None

    # Lifetime order totals.
    orders: int = 0
    amount_cents: int = 0
    quantity_milli: int = 0
    first_order_ms: int | None = None
    last_order_ms: int | None = None
    complaints_total: int = 0
    """Distinct complaints ever opened."""

    max_event_ms: int | None = None
    """The customer's own event-time clock: newest occurred_at of an applied order/payment/complaint."""
    dedupe_floor_ms: int | None = None
    """Events at or before this time are late: raised only when the id memory hit its hard cap."""

    periods: dict[int, list] = field(default_factory=dict)
    """Period index -> [orders, quantity_milli, amount_cents, categories (a sorted list: it is
    written as is to the changelog; sorting a set per period on each write cost a tenth of
    encoding a state)]."""
    order_ms: list[int] = field(default_factory=list)
    """Times of the orders in the trailing (RFM) window, ascending; parallel to ``order_cents``."""
    order_cents: list[int] = field(default_factory=list)
    order_days: list[int] = field(default_factory=list)
    """The last ``gap_history`` distinct days with an order, ascending (typical gap)."""
    category_times: dict[str, list[int]] = field(default_factory=dict)
    """Category -> ascending order times, thinned to what the product-range windows can still see."""

    invoices: dict[str, list] = field(default_factory=dict)
    """Open invoice id -> [amount_cents, paid_cents, due_ms, issued_ms]."""
    pending_payments: dict[str, list] = field(default_factory=dict)
    """Invoice id not seen yet -> [paid_cents, last_payment_ms]; applied when the invoice arrives."""
    settled_invoices: dict[str, int] = field(default_factory=dict)
    """Fully paid invoice id -> time of the settling event (so overpayments are not held)."""

    open_complaints: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Complaint id -> (opened_ms, severity)."""
    complaint_opens: dict[str, int] = field(default_factory=dict)
    """Complaint id -> opened_ms, for complaints opened within ``complaint_recent_days``."""
    resolved_complaints: dict[str, int] = field(default_factory=dict)
    """Complaint id -> resolved_ms; a later 'opened' with the same id stays closed."""

    seen_events: dict[str, int] = field(default_factory=dict)
    """Event id -> occurred_ms, for events within lateness of ``max_event_ms`` (de-duplication)."""
    seen_orders: dict[str, int] = field(default_factory=dict)
    """Order id -> occurred_ms, same memory as ``seen_events``."""

    read_to: dict[str, int] = field(default_factory=dict)
    """Input topic -> the newest source offset of this customer's records applied or held there.
    A record at or below it already reached this state: a copy re-read after a crash or a
    rebalance (see `agents.batch.process_batch`)."""

    alerts: dict[str, Any] = field(default_factory=dict)
    """Opaque to the core: owned by the alert rules; persisted as is."""
    held: list[list] = field(default_factory=list)
    """Events waiting at the event-time gate: [occurred_ms, topic_rank, offset, event], see
    `agents.core.gate`; kept here so that they survive a crash with the rest of the state. In
    memory the event is the core object (most held events leave the gate in the batch that
    brought them); only `to_dict` turns it into a compact row, for the changelog."""

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON-compatible form (short keys; empty collections and defaults left out).

        The result shares the state's lists and dicts (no copies, it is on the write path):
        serialise it right away. ``from_dict`` likewise adopts the containers it is given.
        """
        d: dict[str, Any] = {"id": self.customer_id, "v": self.version}
        if self.has_profile:
            d["pf"] = [self.name, self.account_manager, self.payment_terms_days, self.key_account,
                       self.share_of_wallet]
        if self.orders:
            d["lt"] = [self.orders, self.amount_cents, self.quantity_milli, self.first_order_ms,
                       self.last_order_ms]
        if self.complaints_total:
            d["nc"] = self.complaints_total
        if self.max_event_ms is not None:
            d["mx"] = self.max_event_ms
        if self.dedupe_floor_ms is not None:
            d["fl"] = self.dedupe_floor_ms
        if self.periods:
            d["p"] = [[i, *aggregate] for i, aggregate in self.periods.items()]
        if self.order_ms:
            d["om"] = self.order_ms
            d["oc"] = self.order_cents
        if self.order_days:
            d["od"] = self.order_days
        if self.category_times:
            d["ct"] = self.category_times
        for key, value in (("inv", self.invoices), ("pp", self.pending_payments),
                           ("si", self.settled_invoices), ("co", self.open_complaints),
                           ("cn", self.complaint_opens), ("cr", self.resolved_complaints),
                           ("se", self.seen_events), ("so", self.seen_orders), ("rt", self.read_to),
                           ("al", self.alerts)):
            if value:
                d[key] = value
        if self.held:
            d["hd"] = [[occurred, rank, offset, to_row(event)] for occurred, rank, offset, event in self.held]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CustomerState:
        s = cls(d["id"], d["v"])
        profile = d.get("pf")
        if profile is not None:
            s.has_profile = True
            s.name, s.account_manager, s.payment_terms_days, s.key_account, s.share_of_wallet = profile
        lifetime = d.get("lt")
        if lifetime is not None:
            s.orders, s.amount_cents, s.quantity_milli, s.first_order_ms, s.last_order_ms = lifetime
        s.complaints_total = d.get("nc", 0)
        s.max_event_ms = d.get("mx")
        s.dedupe_floor_ms = d.get("fl")
        s.periods = {p[0]: p[1:] for p in d.get("p", ())}
        s.order_ms = d.get("om", [])
        s.order_cents = d.get("oc", [])
        s.order_days = d.get("od", [])
        s.category_times = d.get("ct", {})
        s.invoices = d.get("inv", {})
        s.pending_payments = d.get("pp", {})
        s.settled_invoices = d.get("si", {})
        s.open_complaints = {k: (v[0], v[1]) for k, v in d.get("co", {}).items()}
        s.complaint_opens = d.get("cn", {})
        s.resolved_complaints = d.get("cr", {})
        s.seen_events = d.get("se", {})
        s.seen_orders = d.get("so", {})
        s.read_to = d.get("rt", {})
        s.alerts = d.get("al", {})
        s.held = [[occurred, rank, offset, from_row(row)] for occurred, rank, offset, row in d.get("hd", ())]
        return s


@dataclass(frozen=True, slots=True)
class RecoveryFacts:
    """What rebuilding a partition's event-time gate and alert engine needs of one state
    (`EventTimeGate.recover`, `PartitionEngine.recover`).

    Why not the state itself: a start reads every state the worker owns, and decoding a whole
    state (periods, order windows, id memory, held events) costs twice as much as parsing its
    JSON. With a million customers in rocksdb that decoding was most of the cold recovery."""

    customer_id: str
    version: int
    max_event_ms: int | None
    oldest_held_ms: int | None
    newest_held_ms: int | None
    alerts: dict[str, Any]

    @classmethod
    def of(cls, state: CustomerState) -> RecoveryFacts:
        return cls._with_held(state.customer_id, state.version, state.max_event_ms, state.held, state.alerts)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RecoveryFacts:
        """From `CustomerState.to_dict`'s form, decoding nothing else."""
        return cls._with_held(d["id"], d["v"], d.get("mx"), d.get("hd"), d.get("al", {}))

    @classmethod
    def _with_held(cls, customer_id: str, version: int, max_event_ms: int | None, held: list | None,
                   alerts: dict[str, Any]) -> RecoveryFacts:
        if not held:
            return cls(customer_id, version, max_event_ms, None, None, alerts)
        times = [entry[0] for entry in held]
        return cls(customer_id, version, max_event_ms, min(times), max(times), alerts)
