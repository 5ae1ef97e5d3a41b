"""Small builders for hand-checked core tests: readable times and events."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import count

from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.events import Complaint, Event, Order, OrderLine, Payment, Profile
from agents.core.state import CustomerState

DAY = 86_400_000
_ids = count()


def ms(text: str) -> int:
    """Epoch ms of a UTC time written ``2024-03-01`` or ``2024-03-01T12:00:00``."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def order(at: int, cents: int = 10_000, categories: tuple[str, ...] = ("bolts",), *, cid: str = "C1",
          event_id: str | None = None, order_id: str | None = None, milli: int = 1000) -> Order:
    n = next(_ids)
    lines = tuple(OrderLine(f"sku-{c}", c, milli // len(categories), cents // len(categories)) for c in categories)
    return Order(event_id or f"e{n}", cid, order_id or f"o{n}", at, cents, milli, lines)


def invoice(at: int, invoice_id: str, cents: int, due: int | None = None, *, cid: str = "C1") -> Payment:
    return Payment(f"e{next(_ids)}", cid, invoice_id, "invoice", cents, at, due)


def payment(at: int, invoice_id: str, cents: int, *, cid: str = "C1") -> Payment:
    return Payment(f"e{next(_ids)}", cid, invoice_id, "payment", cents, at)


def complaint(at: int, complaint_id: str, status: str = "opened", severity: str = "medium", *,
              cid: str = "C1") -> Complaint:
    return Complaint(f"e{next(_ids)}", cid, complaint_id, status, severity, at)  # type: ignore[arg-type]


def profile(terms: int = 30, key: bool = False, share: float | None = None, *, cid: str = "C1",
            manager: str = "alice") -> Profile:
    return Profile(cid, f"Customer {cid}", manager, terms, key, share)


def applied(events: list[Event], config: CoreConfig | None = None,
            state: CustomerState | None = None) -> CustomerState:
    """Apply events in order, asserting each one is applied; return the state."""
    config = config or CoreConfig()
    for event in events:
        state, outcome = apply_event(state, event, config)
        assert outcome == "applied", (event, outcome)
    assert state is not None
    return state
