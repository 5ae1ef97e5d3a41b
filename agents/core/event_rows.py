"""Core events as compact JSON-ready rows, to keep held events inside a customer's state.

Why: events waiting for the event-time gate (`agents.core.gate`) must survive a crash, so they
live in the customer's state, which goes to the changelog. Rows are plain lists (no field
names), a tag first, to keep the changelog small.
"""

from __future__ import annotations

from agents.core.events import Complaint, Order, OrderLine, Payment, TimedEvent


def to_row(event: TimedEvent) -> list:
    kind = type(event)
    if kind is Order:
        return ["o", event.event_id, event.customer_id, event.order_id, event.occurred_ms, event.amount_cents,
                event.quantity_milli, [[l.sku, l.category, l.quantity_milli, l.amount_cents] for l in event.lines]]
    if kind is Payment:
        return ["p", event.event_id, event.customer_id, event.invoice_id, event.kind, event.amount_cents,
                event.occurred_ms, event.due_ms]
    if kind is Complaint:
        return ["c", event.event_id, event.customer_id, event.complaint_id, event.status, event.severity,
                event.occurred_ms]
    raise TypeError(f"not a timed event: {event!r}")


def from_row(row: list) -> TimedEvent:
    tag = row[0]
    if tag == "o":
        return Order(row[1], row[2], row[3], row[4], row[5], row[6], tuple(OrderLine(*line) for line in row[7]))
    if tag == "p":
        return Payment(*row[1:])
    if tag == "c":
        return Complaint(*row[1:])
    raise ValueError(f"unknown event row tag {tag!r}")
