"""Payment trouble (seeds 000, 004): invoices paid late or not at all.

From the open invoices of the state (`agents.core.receivables` definitions: an invoice is overdue
once its due date is before the clock; days past due are whole days). Trigger: the oldest unpaid
invoice is ``min_days_overdue`` days past due, or (when ``min_overdue_amount`` > 0) the amount
at least ``amount_grace_days`` past due reaches ``min_overdue_amount``. Severity by days past due.

Once open, the episode lasts while some invoice is more than ``clear_days`` past due: paying the
oldest invoice does not clear a customer who is still weeks behind on the next ones, and the
usual few days of lateness do not keep an alert alive.
"""

from __future__ import annotations

from agents.core.rules.base import Rule, RuleInput, Signal, cents, money, severity_at_least
from agents.core.timeutil import DAY_MS, format_ms

KIND = "payment_overdue"
_LISTED = 10
"""Invoices named in the evidence (oldest first)."""


def check(inp: RuleInput) -> Signal | None:
    cfg = inp.config.payment_overdue
    clock = inp.clock_ms
    overdue = sorted(
        (due, invoice_id, amount - paid)
        for invoice_id, (amount, paid, due, _issued) in inp.state.invoices.items() if due < clock
    )
    if not overdue:
        return None
    max_days = (clock - overdue[0][0]) // DAY_MS
    past_grace = sum(rest for due, _id, rest in overdue if clock - due >= cfg.amount_grace_days * DAY_MS)
    by_amount = cfg.min_overdue_amount > 0 and past_grace >= cents(cfg.min_overdue_amount)
    if inp.episode is None:
        if max_days < cfg.min_days_overdue and not by_amount:
            return None
    elif max_days <= cfg.clear_days and not by_amount:
        return None
    total = sum(rest for _due, _id, rest in overdue)
    oldest_due, oldest_id, _rest = overdue[0]
    evidence = {
        "rule": KIND,
        "overdue_amount": total / 100,
        "overdue_invoices": len(overdue),
        "max_days_overdue": max_days,
        "invoices": [{"invoice_id": invoice_id, "outstanding": rest / 100, "due_at": format_ms(due),
                      "days_overdue": (clock - due) // DAY_MS} for due, invoice_id, rest in overdue[:_LISTED]],
        "open_amount": sum(a - p for a, p, _d, _i in inp.state.invoices.values()) / 100,
        "thresholds": {"min_days_overdue": cfg.min_days_overdue, "min_overdue_amount": cfg.min_overdue_amount,
                       "amount_grace_days": cfg.amount_grace_days, "clear_days": cfg.clear_days},
    }
    message = (f"{money(total)} overdue on {len(overdue)} invoice(s); oldest {oldest_id} "
               f"{max_days} days past due (due {format_ms(oldest_due)[:10]})")
    scale = max(cfg.severity_days[2], 1)
    return Signal(KIND, severity_at_least(max_days, cfg.severity_days), evidence, message,
                  round(min(1.0, max_days / scale), 4))


def due(inp: RuleInput) -> int | None:
    """The next instant an unpaid invoice reaches the trigger or a severity step."""
    cfg = inp.config.payment_overdue
    steps = sorted({cfg.min_days_overdue, *cfg.severity_days})
    clock = inp.clock_ms
    if cfg.min_overdue_amount > 0:
        steps.append(cfg.amount_grace_days)
    candidates = [due + days * DAY_MS for _a, _p, due, _i in inp.state.invoices.values() for days in steps]
    return min((t for t in candidates if t > clock), default=None)


RULE = Rule(KIND, check, due)
