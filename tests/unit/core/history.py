"""A random but reproducible customer history for cross-checking the core against the reference.

Arrivals mix in what a real stream does to a pipeline: events out of order within the lateness
allowance, re-deliveries of the same event (sometimes so much later that they are late), the same
order re-sent under a new event id, genuinely late events, payments before their invoice,
resolutions before their complaint, over- and partial payments, profile updates and re-sends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from agents.core.events import Complaint, Event, Order, OrderLine, Payment, Profile, SEVERITIES

DAY = 86_400_000
T0 = 1_672_531_200_000  # 2023-01-01T00:00:00Z
CATEGORIES = [f"cat-{c}" for c in "abcdefghij"]


@dataclass
class History:
    arrivals: list[Event]
    """Events in arrival order (the order the core applies them; ``seq`` = index)."""
    newest_ms: int

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(orders one row per line, payments, complaints, profiles), each with ``seq``."""
        orders, payments, complaints, profiles = [], [], [], []
        for seq, e in enumerate(self.arrivals):
            if isinstance(e, Order):
                orders += [dict(seq=seq, event_id=e.event_id, customer_id=e.customer_id, order_id=e.order_id,
                                occurred_ms=e.occurred_ms, amount_cents=e.amount_cents,
                                quantity_milli=e.quantity_milli, category=line.category) for line in e.lines]
            elif isinstance(e, Payment):
                payments.append(dict(seq=seq, event_id=e.event_id, customer_id=e.customer_id,
                                     invoice_id=e.invoice_id, kind=e.kind, amount_cents=e.amount_cents,
                                     occurred_ms=e.occurred_ms, due_ms=e.due_ms))
            elif isinstance(e, Complaint):
                complaints.append(dict(seq=seq, event_id=e.event_id, customer_id=e.customer_id,
                                       complaint_id=e.complaint_id, status=e.status, severity=e.severity,
                                       occurred_ms=e.occurred_ms))
            else:
                profiles.append(dict(seq=seq, customer_id=e.customer_id, name=e.name,
                                     account_manager=e.account_manager, payment_terms_days=e.payment_terms_days,
                                     key_account=e.key_account, share_of_wallet=e.share_of_wallet))
        payments_df = pd.DataFrame(payments)
        payments_df["due_ms"] = payments_df["due_ms"].astype("float64")
        return pd.DataFrame(orders), payments_df, pd.DataFrame(complaints), pd.DataFrame(profiles)


def random_history(seed: int, customers: int, span_days: int = 730) -> History:
    rnd = random.Random(seed)
    keyed: list[tuple[int, int, Event]] = []  # (arrival time, tie-break, event)
    counter = iter(range(10**9))

    def arrive(at: int, event: Event) -> None:
        keyed.append((at, next(counter), event))

    def jitter() -> int:  # out of order, but within the 7-day lateness allowance
        return rnd.randrange(5 * DAY)

    for c in range(customers):
        cid = f"C{c:04d}"
        eid = (f"{cid}-e{n}" for n in range(10**6))
        terms = rnd.choice([15, 30, 45, 60])
        if rnd.random() < 0.85:
            profile = Profile(cid, f"Customer {c}", f"am{rnd.randrange(5)}", terms, rnd.random() < 0.05,
                              None if rnd.random() < 0.4 else round(rnd.random(), 2))
            arrive(T0 - DAY, profile)
            if rnd.random() < 0.1:
                arrive(T0 + rnd.randrange(span_days) * DAY, Profile(
                    cid, profile.name, profile.account_manager, rnd.choice([15, 30, 90]), profile.key_account,
                    profile.share_of_wallet))
            if rnd.random() < 0.05:
                arrive(T0 + rnd.randrange(span_days) * DAY, profile)

        timed: list[tuple[int, Event]] = []
        start = rnd.randrange(span_days * 2 // 3) * DAY
        end = T0 + (span_days if rnd.random() < 0.7 else rnd.randrange(span_days // 2, span_days)) * DAY
        mean_gap = rnd.uniform(3, 60) * DAY
        own_categories = rnd.sample(CATEGORIES, rnd.randint(1, 7))
        t = T0 + start
        n_orders = 0 if rnd.random() < 0.05 else 10**6
        while n_orders > 0 and t < end:
            n_orders -= 1
            t += int(rnd.expovariate(1 / mean_gap)) + 1
            occurred = t - t % 1000 + (rnd.randrange(1000) if rnd.random() < 0.1 else 0)
            narrowing = occurred > end - 120 * DAY and len(own_categories) > 2 and c % 3 == 0
            pool = own_categories[:2] if narrowing else own_categories
            lines = tuple(OrderLine(f"sku{rnd.randrange(50)}", rnd.choice(CATEGORIES if rnd.random() < 0.05 else pool),
                                    rnd.randint(1, 20) * 250,
                                    rnd.randint(100, 500_000)) for _ in range(rnd.randint(1, 4)))
            order = Order(next(eid), cid, f"{cid}-o{n_orders}", occurred, sum(x.amount_cents for x in lines),
                          sum(x.quantity_milli for x in lines), lines)
            timed.append((occurred, order))
            if rnd.random() < 0.02:  # the same order re-sent under a new event id
                timed.append((occurred, Order(next(eid), cid, order.order_id, occurred, order.amount_cents,
                                              order.quantity_milli, lines)))
            if rnd.random() < 0.6:
                timed += _invoice_and_payments(rnd, eid, cid, order, occurred)
        for _ in range(rnd.choice([0, 0, 1, 1, 2, 4])):
            timed += _complaint(rnd, eid, cid, T0 + rnd.randrange(span_days) * DAY + rnd.randrange(DAY))

        for occurred, event in timed:
            at = occurred + jitter()
            arrive(at, event)
            if rnd.random() < 0.05:  # re-delivery, sometimes after the lateness allowance
                arrive(at + rnd.randrange(15 * DAY), event)
        for _ in range(rnd.choice([0, 0, 1, 2])):  # genuinely late: arrives 10-40 days after it happened
            occurred = T0 + rnd.randrange(span_days) * DAY
            line = OrderLine("late", rnd.choice(own_categories), 1000, 12_345)
            arrive(occurred + rnd.randint(10, 40) * DAY,
                   Order(next(eid), cid, f"{cid}-late{occurred}", occurred, 12_345, 1000, (line,)))

    keyed.sort(key=lambda k: (k[0], k[1]))
    arrivals = [e for _, _, e in keyed]
    newest = max(e.occurred_ms for e in arrivals if not isinstance(e, Profile))
    return History(arrivals, newest)


def _invoice_and_payments(rnd: random.Random, eid, cid: str, order: Order, occurred: int) -> list[tuple[int, Event]]:
    invoice_id = f"{order.order_id}-inv"
    issued = occurred + rnd.randrange(2 * DAY)
    due = issued + rnd.randint(10, 60) * DAY if rnd.random() < 0.5 else None
    out: list[tuple[int, Event]] = [(issued, Payment(next(eid), cid, invoice_id, "invoice", order.amount_cents,
                                                     issued, due))]
    roll = rnd.random()
    if roll < 0.1:  # paid a little before the invoice event (arrives first, is held)
        paid_at = issued - rnd.randrange(DAY)
        out.append((paid_at, Payment(next(eid), cid, invoice_id, "payment", order.amount_cents, paid_at)))
    elif roll < 0.8:
        paid_at = issued + rnd.randint(5, 90) * DAY
        if rnd.random() < 0.3:
            half = order.amount_cents // 2
            out.append((paid_at, Payment(next(eid), cid, invoice_id, "payment", half, paid_at)))
            if rnd.random() < 0.6:
                later = paid_at + rnd.randint(1, 30) * DAY
                out.append((later, Payment(next(eid), cid, invoice_id, "payment", order.amount_cents - half + 1,
                                           later)))
        else:
            extra = rnd.choice([0, 0, 0, 500])
            out.append((paid_at, Payment(next(eid), cid, invoice_id, "payment", order.amount_cents + extra, paid_at)))
    return out


def _complaint(rnd: random.Random, eid, cid: str, opened: int) -> list[tuple[int, Event]]:
    complaint_id = f"{cid}-k{opened}"
    out: list[tuple[int, Event]] = [(opened, Complaint(next(eid), cid, complaint_id, "opened",
                                                       rnd.choice(SEVERITIES), opened))]
    if rnd.random() < 0.7:
        resolved = opened + (rnd.randrange(2 * DAY) if rnd.random() < 0.2 else rnd.randint(1, 40) * DAY)
        out.append((resolved, Complaint(next(eid), cid, complaint_id, "resolved", "low", resolved)))
    return out
