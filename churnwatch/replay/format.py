"""The flat file format `churnwatch replay` reads and `churnwatch simulate --out` writes.

One CSV per topic; the column names are the contract's field names, so no ``--map`` is needed.
``orders.csv`` has one row per order *line* (``sku, category, quantity, amount`` describe the
line; the order's totals are the sums of its lines), and the lines of one order are adjacent.
Amounts are decimals in the currency unit, quantities decimals, times RFC 3339 UTC. Every row
carries its ``event_id`` so that a replayed history has the same ids as the live one.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Iterator

from agents.core.events import QUANTITY_SCALE, Complaint, Event, Order, Payment, Profile
from agents.core.timeutil import format_ms

TOPICS = ("orders", "payments", "complaints", "customers")

COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("event_id", "customer_id", "order_id", "occurred_at", "sku", "category", "quantity", "amount"),
    "payments": ("event_id", "customer_id", "invoice_id", "kind", "amount", "occurred_at", "due_at"),
    "complaints": ("event_id", "customer_id", "complaint_id", "status", "severity", "occurred_at"),
    "customers": ("event_id", "customer_id", "name", "account_manager", "payment_terms_days", "key_account",
                  "share_of_wallet", "occurred_at"),
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_rfc3339_ms(text: str) -> int:
    """Epoch ms of an RFC 3339 timestamp that carries an offset (``Z`` or ``+hh:mm``)."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    delta = parsed - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def format_scaled(value: int, scale: int) -> str:
    """``value / scale`` as a plain decimal without trailing zeros: 150, 100 -> "1.5"; 300, 100 -> "3"."""
    whole, frac = divmod(abs(value), scale)
    digits = len(str(scale)) - 1
    fraction = f"{frac:0{digits}d}".rstrip("0")
    return ("-" if value < 0 else "") + str(whole) + (f".{fraction}" if fraction else "")


def format_cents(cents: int) -> str:
    return format_scaled(cents, 100)


def format_milli(milli: int) -> str:
    return format_scaled(milli, QUANTITY_SCALE)


def topic_of(event: Event) -> str:
    match event:
        case Order():
            return "orders"
        case Payment():
            return "payments"
        case Complaint():
            return "complaints"
        case Profile():
            return "customers"
    raise TypeError(f"not an event: {event!r}")


def event_rows(event: Event) -> Iterator[tuple[str, ...]]:
    """The rows of ``event`` in the column order of ``COLUMNS[topic_of(event)]``."""
    match event:
        case Order():
            head = (event.event_id, event.customer_id, event.order_id, format_ms(event.occurred_ms))
            for line in event.lines:
                yield (*head, line.sku, line.category, format_milli(line.quantity_milli), format_cents(line.amount_cents))
        case Payment():
            yield (event.event_id, event.customer_id, event.invoice_id, event.kind, format_cents(event.amount_cents),
                   format_ms(event.occurred_ms), "" if event.due_ms is None else format_ms(event.due_ms))
        case Complaint():
            yield (event.event_id, event.customer_id, event.complaint_id, event.status, event.severity,
                   format_ms(event.occurred_ms))
        case Profile():
            yield (event.event_id or "", event.customer_id, event.name, event.account_manager,
                   str(event.payment_terms_days), "true" if event.key_account else "false",
                   "" if event.share_of_wallet is None else repr(event.share_of_wallet),
                   "" if event.occurred_ms is None else format_ms(event.occurred_ms))


class ReplayFileWriter:
    """Writes events into ``<directory>/<topic>.csv``, one file per topic, with headers.

    An order without lines cannot be written as line rows; the simulator never makes one.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {topic: directory / f"{topic}.csv" for topic in TOPICS}
        self._handles: dict[str, IO[str]] = {}
        self._writers = {}
        for topic, path in self.paths.items():
            handle = path.open("w", newline="", encoding="utf-8")
            self._handles[topic] = handle
            self._writers[topic] = csv.writer(handle)
            self._writers[topic].writerow(COLUMNS[topic])

    def write(self, event: Event) -> None:
        self._writers[topic_of(event)].writerows(event_rows(event))

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()

    def __enter__(self) -> "ReplayFileWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
