"""Turning rows of a history file into core events, one topic at a time.

Orders come in two shapes. With an ``sku`` column the file has one row per order *line*: the
rows of one ``order_id`` become one order whose amount and quantity are the sums of its lines.
**Assumption: the lines of one order are adjacent in the file** (as any ERP export sorted by
order, and ``simulate --out``, write them). Grouping therefore needs only the current order in
memory and works across chunk boundaries; an order id that reappears after other orders is
rejected (``non_contiguous_order_lines``) instead of silently becoming a second order. Without
an ``sku`` column each row is one order without lines. Without an ``order_id`` column every
row is its own order.

Rows without ``event_id`` (or ``order_id``) get ids derived from their normalised content
(``fields.derived_id``), so replaying the same history twice, from any file layout, yields
the same ids and the worker's de-duplication holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from agents.core.events import Complaint, Event, Order, OrderLine, Payment, Profile
from churnwatch.replay import fields
from churnwatch.replay.fields import FieldError, Row
from churnwatch.replay.reader import NumberedRow

REQUIRED: dict[str, tuple[str, ...]] = {
    "orders": ("customer_id", "occurred_at", "amount", "quantity"),
    "payments": ("customer_id", "invoice_id", "kind", "amount", "occurred_at"),
    "complaints": ("customer_id", "complaint_id", "status", "severity", "occurred_at"),
    "customers": ("customer_id", "name", "account_manager", "payment_terms_days", "key_account"),
}
"""Columns a file must have (after ``--map``) to be replayed into each topic."""
LINE_REQUIRED = ("sku", "category")


def missing_columns(topic: str, columns: Sequence[str]) -> list[str]:
    required = REQUIRED[topic] + (LINE_REQUIRED if "sku" in columns and topic == "orders" else ())
    return [column for column in required if column not in columns]


@dataclass(frozen=True, slots=True)
class RowGroup:
    """The rows that make one event, or the reason they cannot."""

    rows: tuple[NumberedRow, ...]
    error: FieldError | None = None

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(row.number for row in self.rows)


class OrderLineGrouper:
    """Collects adjacent line rows of one order id; feed rows in file order, chunk after chunk."""

    def __init__(self) -> None:
        self._open_id: str | None = None
        self._open: list[NumberedRow] = []
        self._closed: set[str] = set()

    def feed(self, row: NumberedRow) -> Iterator[RowGroup]:
        order_id = fields.text(row.values, "order_id", required=False)
        if order_id is None:
            yield from self.finish()  # outcomes stay in file order
            yield RowGroup((row,), FieldError("order_id", "missing", "line rows need an order_id to be grouped"))
            return
        if order_id != self._open_id:
            yield from self.finish()
            self._open_id = order_id
        self._open.append(row)

    def finish(self) -> Iterator[RowGroup]:
        """Close the open order (at the end of the file, or when the next order starts)."""
        if self._open_id is None:
            return
        order_id, rows = self._open_id, tuple(self._open)
        self._open_id, self._open = None, []
        if order_id in self._closed:
            yield RowGroup(rows, FieldError(
                "order_id", "non_contiguous_order_lines",
                f"order {order_id!r} continues at row {rows[0].number} after other orders; "
                "the lines of one order must be adjacent"))
            return
        self._closed.add(order_id)
        yield RowGroup(rows)


def group_rows(topic: str, columns: Sequence[str], chunks: Iterator[list[NumberedRow]]) -> Iterator[RowGroup]:
    """Row groups of one event each, in file order; a line order spanning two chunks stays whole."""
    grouper = OrderLineGrouper() if topic == "orders" and {"sku", "order_id"} <= set(columns) else None
    for chunk in chunks:
        for row in chunk:
            if grouper is None:
                yield RowGroup((row,))
            else:
                yield from grouper.feed(row)
    if grouper is not None:
        yield from grouper.finish()


def build_event(topic: str, group: RowGroup, date_format: str | None) -> Event:
    """The event of a row group; raises ``FieldError`` naming the first bad field."""
    if group.error is not None:
        raise group.error
    if topic == "orders":
        return _order([row.values for row in group.rows], date_format)
    return _BUILDERS[topic](group.rows[0].values, date_format)


def _order(rows: Sequence[Row], date_format: str | None) -> Order:
    head = rows[0]
    customer_id = fields.text(head, "customer_id")
    occurred_ms = fields.timestamp(head, "occurred_at", date_format)
    event_id = fields.text(head, "event_id", required=False)
    for row in rows[1:]:
        _same(row, "customer_id", customer_id, fields.text(row, "customer_id"))
        _same(row, "occurred_at", occurred_ms, fields.timestamp(row, "occurred_at", date_format))
        _same(row, "event_id", event_id, fields.text(row, "event_id", required=False))
    if "sku" in head:
        lines = tuple(
            OrderLine(fields.text(row, "sku"), fields.text(row, "category"),
                      fields.milli(row, "quantity"), fields.cents(row, "amount"))
            for row in rows
        )
        amount = sum(line.amount_cents for line in lines)
        quantity = sum(line.quantity_milli for line in lines)
    else:
        lines = ()
        amount, quantity = fields.cents(head, "amount"), fields.milli(head, "quantity")
    content = (customer_id, occurred_ms, amount, quantity,
               tuple((line.sku, line.category, line.quantity_milli, line.amount_cents) for line in lines))
    order_id = fields.text(head, "order_id", required=False) or fields.derived_id("order", *content)
    return Order(
        event_id=event_id or fields.derived_id("orders", order_id, *content),
        customer_id=customer_id,
        order_id=order_id,
        occurred_ms=occurred_ms,
        amount_cents=amount,
        quantity_milli=quantity,
        lines=lines,
    )


def _same(row: Row, field: str, expected: object, actual: object) -> None:
    if actual != expected:
        raise FieldError(field, "inconsistent_order_lines",
                         f"lines of one order disagree on {field}: {expected!r} vs {actual!r}")


def _enum(row: Row, field: str) -> str:
    """Enumerations (kind, status, severity) are compared in lower case; the codec judges the value."""
    return fields.text(row, field).lower()


def _payment(row: Row, date_format: str | None) -> Payment:
    customer_id, invoice_id, kind = fields.text(row, "customer_id"), fields.text(row, "invoice_id"), _enum(row, "kind")
    amount = fields.cents(row, "amount")
    occurred = fields.timestamp(row, "occurred_at", date_format)
    due = fields.timestamp(row, "due_at", date_format, required=False)
    event_id = fields.text(row, "event_id", required=False) or fields.derived_id(
        "payments", customer_id, invoice_id, kind, amount, occurred, due)
    return Payment(event_id, customer_id, invoice_id, kind, amount, occurred, due)  # type: ignore[arg-type]


def _complaint(row: Row, date_format: str | None) -> Complaint:
    customer_id, complaint_id = fields.text(row, "customer_id"), fields.text(row, "complaint_id")
    status, severity = _enum(row, "status"), _enum(row, "severity")
    occurred = fields.timestamp(row, "occurred_at", date_format)
    event_id = fields.text(row, "event_id", required=False) or fields.derived_id(
        "complaints", customer_id, complaint_id, status, severity, occurred)
    return Complaint(event_id, customer_id, complaint_id, status, severity, occurred)  # type: ignore[arg-type]


def _profile(row: Row, date_format: str | None) -> Profile:
    customer_id = fields.text(row, "customer_id")
    # Names and managers may be empty on the wire (an empty manager = unassigned).
    name = fields.text(row, "name", required=False) or ""
    manager = fields.text(row, "account_manager", required=False) or ""
    terms = fields.integer(row, "payment_terms_days")
    key_account = fields.boolean(row, "key_account")
    share = fields.fraction(row, "share_of_wallet")
    occurred = fields.timestamp(row, "occurred_at", date_format, required=False)
    event_id = fields.text(row, "event_id", required=False) or fields.derived_id(
        "customers", customer_id, name, manager, terms, key_account, share, occurred)
    return Profile(customer_id, name, manager, terms, key_account, share, event_id, occurred)


_BUILDERS: dict[str, Callable[[Row, str | None], Event]] = {
    "payments": _payment,
    "complaints": _complaint,
    "customers": _profile,
}
