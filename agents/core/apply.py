"""Applying one decoded event to a customer's state: de-duplication, lateness, bookkeeping.

``apply_event(state, event, config) -> (state, outcome)`` with outcome ``"applied"``,
``"duplicate"`` or ``"late"``. The state is mutated in place (the hot path allocates almost
nothing); the caller keeps the returned state. A ``"duplicate"`` or ``"late"`` event leaves the
state untouched.

Event time, per customer. Each customer has its own clock, ``max_event_ms``: the newest
``occurred_at`` of its applied orders, payments and complaints. Profiles are master data: they
always apply (last write wins, in arrival order), never move the clock, and an identical
re-sent profile is reported as ``"duplicate"``.

Lateness. An order, payment or complaint with ``occurred_ms < max_event_ms - lateness_days`` is
``"late"`` and is not applied. An event within the lateness allowance is applied to its correct
period and windows, as if it had arrived in order.

De-duplication (at-least-once input). An event is a ``"duplicate"`` when its ``event_id`` was
applied before, and an order also when its ``order_id`` was applied before. The id memory is
bounded: it keeps the ids of applied events whose ``occurred_ms >= max_event_ms - lateness``,
plus a hard cap of ``dedupe_max_ids`` ids.
Why this can never double-count: an id leaves the memory only (a) when its event time fell below
``max_event_ms - lateness``; the clock never goes back, so a re-delivery of that event (same
``occurred_ms``) is now late and rejected; or (b) when the hard cap evicts it; eviction raises
``dedupe_floor_ms`` to the newest evicted event time, and every event at or before the floor is
rejected as late. So an event is either remembered or rejected, never applied twice. (The cap
only bites for a customer with more than ``dedupe_max_ids`` events inside the lateness window;
there it shortens the lateness allowance instead of risking double counts.) An order re-sent
with a new ``event_id`` *and* a different ``occurred_at`` outside that memory is beyond what
any bounded memory can catch.

Payments. ``kind = "invoice"`` opens an invoice: due date ``due_ms`` when given, else
``occurred_ms + payment_terms_days`` of the profile (``default_payment_terms_days`` without a
profile). A second invoice event for an open invoice id is a correction: amount and due date are
replaced, payments received are kept. ``kind = "payment"`` adds to the paid amount of its
invoice; an invoice is settled (removed) once paid >= amount, so overpayment clamps at zero
outstanding. A payment for an invoice not seen yet is held and applied when the invoice arrives;
held payments and the ids of settled invoices are kept ``pending_payment_days``.

Complaints. ``opened`` opens complaint ``complaint_id`` (the first 'opened' wins; a repeated one
is ignored); ``resolved`` closes it. A 'resolved' for an unknown id is remembered
(``complaint_recent_days``), so an 'opened' with the same id arriving after it stays closed
(it still counts as a complaint received).

Bounds. Whatever no window can see any more is pruned, relative to ``max_event_ms`` (never the
wall clock), so the state depends only on the events applied and their order. When the
customer's clock enters a new 7-day block of event time: ids older than the lateness allowance
and trailing orders older than ``trailing_days``; a new 28-day block: category times older than
the product-range windows, held payments and settled invoice ids older than
``pending_payment_days``, complaint openings and resolved ids older than
``complaint_recent_days``. Only the newest ``max_periods`` periods with
orders are kept (a count, checked when a period is added). The card's windows filter on the
card's clock anyway, so pruning saves memory and never changes a result for a clock at or after
``max_event_ms``.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from typing import Literal

from agents.core.config import CoreConfig
from agents.core.events import Complaint, Event, Order, Payment, Profile
from agents.core.periods import INDEX_OF_DAY as _INDEX_OF_DAY
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS

Outcome = Literal["applied", "duplicate", "late"]

_PRUNE_EVERY_MS = 7 * DAY_MS
_SWEEP_EVERY_MS = 28 * DAY_MS
"""Pruning runs when a customer's clock enters a new 7-day block of event time (epoch-aligned)
for the id memory and the trailing orders, a new 28-day block for the rest: often enough to
keep the state small, rare enough to stay off the per-event cost."""


def is_late(state: CustomerState, occurred_ms: int, config: CoreConfig) -> bool:
    """Too old to apply: beyond the lateness allowance behind the customer's newest event, or at
    or before the floor the id memory's cap set (see the module docstring)."""
    newest = state.max_event_ms
    if newest is None:
        return False
    floor = state.dedupe_floor_ms
    return occurred_ms < newest - config.lateness_days * DAY_MS or (floor is not None and occurred_ms <= floor)


def apply_event(state: CustomerState | None, event: Event, config: CoreConfig) -> tuple[CustomerState, Outcome]:
    """Apply ``event`` to ``state`` (a new state when ``None``); see the module docstring."""
    if state is None:
        state = CustomerState(event.customer_id)
    kind = type(event)
    if kind is Profile:
        return state, _apply_profile(state, event)
    occurred = event.occurred_ms
    if is_late(state, occurred, config):
        return state, "late"
    newest = state.max_event_ms
    event_id = event.event_id
    seen = state.seen_events
    if event_id in seen:
        return state, "duplicate"
    if kind is Order:
        order_id = event.order_id
        orders_seen = state.seen_orders
        if order_id in orders_seen:
            return state, "duplicate"
        _apply_order(state, event, config)
        orders_seen[order_id] = occurred
        if len(orders_seen) > config.dedupe_max_ids:
            _evict(state, orders_seen, config)
    elif kind is Payment:
        _apply_payment(state, event, config)
    elif kind is Complaint:
        _apply_complaint(state, event)
    else:
        raise TypeError(f"not an event: {event!r}")
    seen[event_id] = occurred
    if len(seen) > config.dedupe_max_ids:
        _evict(state, seen, config)
    state.version += 1
    if newest is None or occurred > newest:
        state.max_event_ms = occurred
        if newest is None or occurred // _PRUNE_EVERY_MS > newest // _PRUNE_EVERY_MS:
            _prune(state, config)
            if newest is None or occurred // _SWEEP_EVERY_MS > newest // _SWEEP_EVERY_MS:
                _sweep(state, config)
    return state, "applied"


def _apply_profile(state: CustomerState, p: Profile) -> Outcome:
    if state.has_profile and (state.name, state.account_manager, state.payment_terms_days,
                              state.key_account, state.share_of_wallet) == (
            p.name, p.account_manager, p.payment_terms_days, p.key_account, p.share_of_wallet):
        return "duplicate"
    state.has_profile = True
    state.name = p.name
    state.account_manager = p.account_manager
    state.payment_terms_days = p.payment_terms_days
    state.key_account = p.key_account
    state.share_of_wallet = p.share_of_wallet
    state.version += 1
    return "applied"


def _apply_order(state: CustomerState, order: Order, config: CoreConfig) -> None:
    occurred = order.occurred_ms
    cents = order.amount_cents
    milli = order.quantity_milli
    state.orders += 1
    state.amount_cents += cents
    state.quantity_milli += milli
    if state.first_order_ms is None or occurred < state.first_order_ms:
        state.first_order_ms = occurred
    if state.last_order_ms is None or occurred > state.last_order_ms:
        state.last_order_ms = occurred

    day = occurred // DAY_MS
    index = _INDEX_OF_DAY[config.period](day)
    agg = state.periods.get(index)
    if agg is None:
        periods = state.periods
        agg = periods[index] = [1, milli, cents, []]
        if len(periods) > config.max_periods:
            del periods[min(periods)]
    else:
        agg[0] += 1
        agg[1] += milli
        agg[2] += cents
    categories = agg[3]
    baseline_ms = config.range_baseline_days * DAY_MS
    by_category = state.category_times
    for line in order.lines:
        category = line.category
        if category not in categories:
            insort(categories, category)
        seen = by_category.get(category)
        if seen is None:
            by_category[category] = [occurred]
        elif occurred > seen[-1]:
            seen.append(occurred)
            if len(seen) >= 3 and occurred - seen[-3] <= baseline_ms:
                del seen[-2]
        elif occurred < seen[-1] and occurred not in seen:
            insort(seen, occurred)
            by_category[category] = _thin(seen, baseline_ms)

    times = state.order_ms
    if not times or occurred >= times[-1]:
        times.append(occurred)
        state.order_cents.append(cents)
    else:
        at = bisect_right(times, occurred)
        times.insert(at, occurred)
        state.order_cents.insert(at, cents)

    days = state.order_days
    if not days or day > days[-1]:
        days.append(day)
        if len(days) > config.gap_history:
            del days[0]
    elif day not in days:
        insort(days, day)
        if len(days) > config.gap_history:
            del days[0]


def _thin(times: list[int], baseline_ms: int) -> list[int]:
    """Drop order times the product-range windows can never need (exact, see below).

    R and B are the recent and baseline window lengths. For any clock C at or after every kept
    time, "bought in the baseline window (C - R - B, C - R]" is decided by the newest time
    <= C - R. For consecutive times t1 < t2 < t3 with t3 - t1 <= B, t2 is redundant: when t2 is
    that newest time (t2 <= C - R < t3), then t1 >= t3 - B > C - R - B, so t1 is in the window
    too. "Bought in the recent window" is decided by the newest time, which is never dropped.
    What is left has fewer than two times per B, so a category costs a handful of integers.
    """
    kept: list[int] = []
    for t in times:
        kept.append(t)
        while len(kept) >= 3 and kept[-1] - kept[-3] <= baseline_ms:
            del kept[-2]
    return kept


def _apply_payment(state: CustomerState, p: Payment, config: CoreConfig) -> None:
    invoice_id = p.invoice_id
    occurred = p.occurred_ms
    if invoice_id in state.settled_invoices:
        return  # a correction or an overpayment of a settled invoice: nothing left to owe
    invoice = state.invoices.get(invoice_id)
    if p.kind == "invoice":
        due = p.due_ms
        if due is None:
            terms = state.payment_terms_days if state.has_profile else config.default_payment_terms_days
            due = occurred + terms * DAY_MS
        if invoice is None:
            held = state.pending_payments.pop(invoice_id, None)
            invoice = state.invoices[invoice_id] = [p.amount_cents, held[0] if held else 0, due, occurred]
        else:
            invoice[0] = p.amount_cents
            invoice[2] = due
    elif invoice is None:
        held = state.pending_payments.get(invoice_id)
        if held is None:
            state.pending_payments[invoice_id] = [p.amount_cents, occurred]
        else:
            held[0] += p.amount_cents
            held[1] = max(held[1], occurred)
        return
    else:
        invoice[1] += p.amount_cents
    if invoice[1] >= invoice[0]:
        del state.invoices[invoice_id]
        state.settled_invoices[invoice_id] = occurred


def _apply_complaint(state: CustomerState, c: Complaint) -> None:
    complaint_id = c.complaint_id
    if c.status == "opened":
        if complaint_id in state.open_complaints or complaint_id in state.complaint_opens:
            return
        state.complaints_total += 1
        state.complaint_opens[complaint_id] = c.occurred_ms
        if complaint_id not in state.resolved_complaints:
            state.open_complaints[complaint_id] = (c.occurred_ms, c.severity)
    else:
        state.open_complaints.pop(complaint_id, None)
        state.resolved_complaints[complaint_id] = c.occurred_ms


def _evict(state: CustomerState, ids: dict[str, int], config: CoreConfig) -> None:
    """Bring an id memory over its hard cap back under it without ever allowing a double count."""
    horizon = state.max_event_ms - config.lateness_days * DAY_MS
    live = {k: t for k, t in ids.items() if t >= horizon}
    if len(live) > config.dedupe_max_ids:
        # Evict the oldest quarter at once (amortised) and make everything up to them late.
        by_time = sorted(live.items(), key=lambda item: (item[1], item[0]))
        cut = len(by_time) - config.dedupe_max_ids * 3 // 4
        evicted_until = by_time[cut - 1][1]
        if state.dedupe_floor_ms is None or evicted_until > state.dedupe_floor_ms:
            state.dedupe_floor_ms = evicted_until
        live = dict(by_time[cut:])
    ids.clear()
    ids.update(live)


def _prune(state: CustomerState, config: CoreConfig) -> None:
    """Forget ids and trailing orders no rule can see any more (cheap when there is nothing)."""
    newest = state.max_event_ms
    id_horizon = newest - config.lateness_days * DAY_MS
    if state.dedupe_floor_ms is not None and state.dedupe_floor_ms < id_horizon:
        state.dedupe_floor_ms = None  # the lateness rule alone rejects everything up to it now
    for ids in (state.seen_events, state.seen_orders):
        # Ids are mostly inserted in time order: the first one is due first. One that arrived late
        # is dropped with the next rebuild, at most lateness + 7 days later.
        if ids and next(iter(ids.values())) < id_horizon:
            _drop_older(ids, id_horizon)

    times = state.order_ms
    trailing_horizon = newest - config.trailing_days * DAY_MS
    if times and times[0] <= trailing_horizon:
        cut = bisect_right(times, trailing_horizon)
        del times[:cut]
        del state.order_cents[:cut]


def _sweep(state: CustomerState, config: CoreConfig) -> None:
    """The rarer part of pruning: structures that grow slowly or are usually empty."""
    newest = state.max_event_ms
    range_horizon = newest - (config.range_recent_days + config.range_baseline_days) * DAY_MS
    by_category = state.category_times
    for category in [c for c, seen in by_category.items() if seen[0] <= range_horizon]:
        seen = by_category[category]
        del seen[:bisect_right(seen, range_horizon)]
        if not seen:
            del by_category[category]

    money_horizon = newest - config.pending_payment_days * DAY_MS
    if state.settled_invoices:
        _drop_older(state.settled_invoices, money_horizon)
    if state.pending_payments:
        for invoice_id in [i for i, held in state.pending_payments.items() if held[1] < money_horizon]:
            del state.pending_payments[invoice_id]

    complaint_horizon = newest - config.complaint_recent_days * DAY_MS
    if state.resolved_complaints:
        _drop_older(state.resolved_complaints, complaint_horizon)
    if state.complaint_opens:
        _drop_older(state.complaint_opens, complaint_horizon + 1)


def _drop_older(times_by_id: dict[str, int], horizon: int) -> None:
    """Remove entries whose time is before ``horizon``."""
    for key in [k for k, t in times_by_id.items() if t < horizon]:
        del times_by_id[key]
