"""Receivables: what the customer owes at the clock, and how late it is.

An invoice is open from its ``invoice`` event until payments against it reach its amount (see
`agents.core.apply`). At an event-time clock ``C``:
- ``open_invoices``: number of open invoices; ``open_amount``: their outstanding total
  (amount minus payments received);
- ``overdue_amount``: outstanding total of the open invoices with ``due < C``;
- ``max_days_overdue``: ``floor((C - due) / 1 day)`` of the oldest overdue invoice, 0 when
  nothing is overdue (an invoice a few hours past due is overdue by 0 days).
"""

from __future__ import annotations

from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS
from agents.core.units import amount


def receivables_section(state: CustomerState, clock_ms: int) -> dict:
    open_cents = overdue_cents = 0
    oldest_due: int | None = None
    for invoice_cents, paid_cents, due_ms, _issued_ms in state.invoices.values():
        outstanding = invoice_cents - paid_cents
        open_cents += outstanding
        if due_ms < clock_ms:
            overdue_cents += outstanding
            if oldest_due is None or due_ms < oldest_due:
                oldest_due = due_ms
    return {
        "open_invoices": len(state.invoices),
        "open_amount": amount(open_cents),
        "overdue_amount": amount(overdue_cents),
        "max_days_overdue": 0 if oldest_due is None else (clock_ms - oldest_due) // DAY_MS,
    }
