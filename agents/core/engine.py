"""The event-time engine of one partition: when to evaluate which customer.

Why this exists: the streaming worker (one engine per partition, events in Kafka order) and the
backtest (one engine, every event of a history sorted by time) must raise the same alerts. They
do because evaluations happen only at *day boundaries of event time* and see exactly the events
before that boundary, whatever the batching or the interleaving of customers:

- the engine keeps the partition's clock (newest applied ``occurred_at``; profiles do not move
  it), the customers changed since their last evaluation ("dirty"), and a heap of
  ``(next_check_ms, customer_id)`` for time-based rules (a lapse deadline, an invoice reaching
  its overdue threshold, a complaint SLA, the next period boundary, lifecycle timers);
- before applying an event whose day is later than the clock's day, it evaluates at each day
  boundary ``D`` (00:00 UTC) in ``(clock day, event day]`` where something is due: at the first
  one every dirty customer, and at each ``D`` the customers whose next check is ``<= D``, with
  clock ``D``. A silent stretch costs nothing; the alert's ``occurred_at`` is ``D``.
- within one boundary customers are evaluated in id order, so the alert list is deterministic.

So an evaluation at ``D`` sees a customer's events before ``D`` as long as each partition's events
arrive in time order; an event older than the clock (allowed by the core's lateness) makes its
customer dirty and is seen at the next boundary. Cost: O(log n) per event, plus the rules of a
customer only when it changed or something of it is due.

State access is through the caller's ``get_state(customer_id) -> CustomerState | None`` and
``put_state(customer_id, state)`` (a dict in the backtest, the changelog-backed table in the
worker); the engine's own memory (clock, dirty set, heap) is rebuilt from the states after a
restart (``rebuild``): what it needs is persisted in ``state.alerts`` (``le``, ``lv``, ``nc``).
"""

from __future__ import annotations

import heapq
from typing import Any, Callable, Iterable

from agents.core.alerting import evaluate
from agents.core.apply import Outcome, apply_event
from agents.core.config import CoreConfig
from agents.core.events import Event, Profile
from agents.core.population import PopulationThresholds
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState, RecoveryFacts
from agents.core.timeutil import DAY_MS

GetState = Callable[[str], CustomerState | None]
PutState = Callable[[str, CustomerState], None]
Alert = dict[str, Any]


class PartitionEngine:
    """Applies events and evaluates alert rules on event time for the customers of one partition."""

    def __init__(self, core: CoreConfig, rules: RulesConfig,
                 thresholds: Callable[[], PopulationThresholds | None] = lambda: None) -> None:
        rules.check_against(core)
        self.core = core
        self._rules = rules
        self.thresholds = thresholds
        self.clock_ms: int | None = None
        """Newest applied ``occurred_at`` (or the latest ``advance_to``); None before the first event."""
        self.dirty: set[str] = set()
        self._next: dict[str, int] = {}
        """Customer -> its pending next check; heap entries that disagree are stale and skipped."""
        self._heap: list[tuple[int, str]] = []
        self.evaluations = 0
        """Customer evaluations run so far (for metrics and benchmarks)."""

    @property
    def rules(self) -> RulesConfig:
        return self._rules

    @rules.setter
    def rules(self, rules: RulesConfig) -> None:
        """Reload ``config/rules.toml``: the next evaluations use the new thresholds."""
        rules.check_against(self.core)
        self._rules = rules

    def apply(self, event: Event, get_state: GetState, put_state: PutState) -> tuple[Outcome, list[Alert]]:
        """Evaluate the day boundaries the event's time crosses, then apply the event."""
        alerts: list[Alert] = []
        timed = not isinstance(event, Profile)
        customer_id = event.customer_id
        if timed:
            if self.clock_ms is None:
                self.clock_ms = event.occurred_ms
            elif event.occurred_ms // DAY_MS > self.clock_ms // DAY_MS:
                alerts = self._run_until(event.occurred_ms // DAY_MS * DAY_MS, get_state, put_state)
        state = get_state(customer_id)  # after the boundaries: their evaluations may have replaced it
        if timed and state is not None:
            alerts += self._catch_up(state, min(event.occurred_ms, self.clock_ms) // DAY_MS * DAY_MS, put_state)
        state, outcome = apply_event(state, event, self.core)
        if outcome == "applied":
            put_state(customer_id, state)
            self.dirty.add(customer_id)
            if timed and event.occurred_ms > self.clock_ms:
                self.clock_ms = event.occurred_ms
        return outcome, alerts

    def _catch_up(self, state: CustomerState, last_boundary: int, put_state: PutState) -> list[Alert]:
        """Evaluate a customer at the boundaries up to ``last_boundary`` that the partition's
        clock has passed while the customer's own state was behind it.

        Only after a crash: the states of one batch reach the changelog one by one, so a worker
        killed mid-flush leaves some customers saved further than others, and the restarted
        engine's clock (the newest of them) is ahead of the rest. Their held events then come
        in below the clock, and without this they would be evaluated only at the next boundary
        the clock crosses: alerts raised a month late (found by the SIGKILL test). A customer
        is behind when no boundary after its newest event has seen it; in a run without crash
        that is never the case for a boundary the engine has run (it evaluated the customer
        there if it was dirty or due, and skipping it otherwise is what this does too)."""
        newest = state.max_event_ms
        if newest is None:
            return []
        boundary = (newest // DAY_MS + 1) * DAY_MS
        evaluated = state.alerts.get("le")
        if evaluated is not None and evaluated >= boundary:
            boundary = evaluated + DAY_MS
        alerts: list[Alert] = []
        while boundary <= last_boundary:
            if _dirty_or_due(state, boundary):
                alerts += self._evaluate(state, boundary, self.thresholds(), put_state)
                boundary += DAY_MS
                continue
            due = state.alerts.get("nc")
            if due is None:
                break
            boundary = max(boundary + DAY_MS, -(-due // DAY_MS) * DAY_MS)
        return alerts

    def _evaluate(self, state: CustomerState, boundary: int, thresholds, put_state: PutState) -> list[Alert]:
        alerts = evaluate(state, boundary, thresholds, self._rules, self.core)
        self.evaluations += 1
        put_state(state.customer_id, state)
        self._next.pop(state.customer_id, None)
        if "nc" in state.alerts:
            self._schedule(state.customer_id, state.alerts["nc"])
        return alerts

    def advance_to(self, clock_ms: int, get_state: GetState, put_state: PutState) -> list[Alert]:
        """Move the clock to ``clock_ms`` without an event (a live-mode tick, the end of a history)."""
        if self.clock_ms is None:
            self.clock_ms = clock_ms
            return []
        alerts = []
        if clock_ms // DAY_MS > self.clock_ms // DAY_MS:
            alerts = self._run_until(clock_ms // DAY_MS * DAY_MS, get_state, put_state)
        self.clock_ms = max(self.clock_ms, clock_ms)
        return alerts

    def rebuild(self, states: Iterable[CustomerState]) -> None:
        """Restore clock, dirty set and heap from persisted states (after a restart or rebalance)."""
        self.dirty.clear()
        self._next.clear()
        self._heap.clear()
        self.clock_ms = None
        for state in states:
            self.recover(RecoveryFacts.of(state))

    def recover(self, facts: RecoveryFacts) -> None:
        """`rebuild`, one customer at a time (see `EventTimeGate.recover`)."""
        if facts.max_event_ms is not None and (self.clock_ms is None or facts.max_event_ms > self.clock_ms):
            self.clock_ms = facts.max_event_ms
        book = facts.alerts
        if book.get("lv") != facts.version:
            self.dirty.add(facts.customer_id)
        if "nc" in book:
            self._schedule(facts.customer_id, book["nc"])

    def forget(self, customer_ids: Iterable[str]) -> None:
        """Stop tracking customers (their partition moved to another worker)."""
        for customer_id in customer_ids:
            self.dirty.discard(customer_id)
            self._next.pop(customer_id, None)

    def _schedule(self, customer_id: str, at_ms: int) -> None:
        self._next[customer_id] = at_ms
        heapq.heappush(self._heap, (at_ms, customer_id))

    def _run_until(self, last_boundary: int, get_state: GetState, put_state: PutState) -> list[Alert]:
        """Evaluate at the due boundaries in ``(clock day, last_boundary]``."""
        heap, pending = self._heap, self._next
        boundary = (self.clock_ms // DAY_MS + 1) * DAY_MS
        alerts: list[Alert] = []
        while boundary <= last_boundary:
            due, self.dirty = self.dirty, set()
            while heap and heap[0][0] <= boundary:
                at, customer_id = heapq.heappop(heap)
                if pending.get(customer_id) == at:
                    del pending[customer_id]
                    due.add(customer_id)
            thresholds = self.thresholds() if due else None
            for customer_id in sorted(due):
                state = get_state(customer_id)
                if state is None:
                    continue
                before = self.evaluations
                alerts += self._catch_up(state, boundary - DAY_MS, put_state)
                if self.evaluations != before and not _dirty_or_due(state, boundary):
                    continue  # the catch-up evaluated it after its last change, and nothing is due
                alerts += self._evaluate(state, boundary, thresholds, put_state)
            if not heap:
                break
            boundary = max(boundary + DAY_MS, -(-heap[0][0] // DAY_MS) * DAY_MS)
        self.clock_ms = max(self.clock_ms, last_boundary)
        self._compact()
        return alerts

    def _compact(self) -> None:
        """Drop stale heap entries once they outnumber the live ones (keeps memory bounded)."""
        if len(self._heap) > 2 * len(self._next) + 1024:
            self._heap = [(at, c) for c, at in self._next.items()]
            heapq.heapify(self._heap)


def _dirty_or_due(state: CustomerState, boundary: int) -> bool:
    """Whether an evaluation at ``boundary`` is owed: the customer changed since its last one, or
    one of its rules has something due by then."""
    book = state.alerts
    due = book.get("nc")
    return book.get("lv") != state.version or (due is not None and due <= boundary)
