"""The event-time gate: a partition's events leave it in event-time order across topics.

Why: one partition of churnwatch reads three timed topics (orders, payments, complaints) and
Kafka orders records only *within* a topic partition. While a backlog is read, the consumer can
be months ahead on `orders` and behind on `payments`; applied as they come, invoices would look
overdue, a customer would look silent, and alerts would depend on fetch timing. The gate holds
every timed event until each input topic has passed its time (the watermark is the minimum,
over the topics that still have unread records, of the newest time read from each), then
releases what it held in (occurred_at, topic, offset) order. A topic that is fully read does not
hold the watermark back.

Held events are stored in the customer's own state (`CustomerState.held`), which is written to
the changelog with the rest of the state, so a crash loses nothing the consumer has committed.
An event at or before the watermark is not held: it is applied at once (late but allowed,
within the core's lateness bound) and cannot change an evaluation already made. Nor is a live
event of the watermark's own day (below).

"Read to its end" only speaks for what had reached the broker when the consumer last fetched.
While a history is produced *into a running worker* (a replay, a backfill), one producer sends
orders and payments of the same days, but its batches for the two topics reach the log at
different moments: the consumer can find `payments` at its end while that producer still holds
payments of dates it has already sent orders for. So a topic read to its end vouches only for
events *produced* (Kafka record timestamp) at least a grace period before its last fetch: the
watermark is capped at the newest held event time so vouched for (`advance(..., vouched_before_ms)`).
A producer sends in event-time order (a backfill) or close to real time (live systems), so
everything of that topic older than those events has been read. A history read from the log
(a restart, a backlog) was produced long ago and passes at once.

Live events do not wait for that grace: an event of the watermark's own UTC day passes at once
(`admit`). Rules are evaluated only at midnights of event time (`agents.core.engine`), and the
next one is evaluated only once the watermark has passed it, so an event before it is seen by
the same evaluation whether it waited or not; the card shows it a grace period sooner. Within a
day events then apply in arrival order, not time order. That changes no state: orders, payments
and complaints touch separate parts of it, and within a topic a partition's records arrive in
the order they were sent (only a producer that sends one invoice's or one complaint's events of
a day out of time order gets them applied in the order it sent them). Two exceptions still wait
for the watermark: every event while the partition's profiles are unread (as above), and an
invoice without its own due date for a customer whose profile has not arrived (the profile's
payment terms set that date when the invoice is applied). What still waits the grace: events of
the first grace period after a UTC midnight, until the watermark has crossed it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Callable, Iterable

from agents.core.events import Payment, TimedEvent
from agents.core.state import CustomerState, RecoveryFacts
from agents.core.timeutil import DAY_MS

TIMED_TOPICS = ("orders", "payments", "complaints")
TOPIC_RANK = {topic: rank for rank, topic in enumerate(TIMED_TOPICS)}
PROFILE_TOPIC = "customers"
"""Master data: while it has unread records on a partition, that partition's watermark stays.

Profiles carry no event time to order them by, yet they decide how events are judged (the key
account flag puts a customer in the alert rules' scope; payment terms set invoice due dates),
and the backtest applies a customer's profile before its events. A worker reading a backlog
fetches the topics in no fixed order: released before the profiles were read, months of events
were evaluated for customers not yet known as key accounts (found by the SIGKILL test, whose
restarted workers raised alerts a month late). The topic is small and read to its end within
a fetch or two, so in live operation this holds nothing."""


@dataclass
class EventTimeGate:
    """The gate of one partition (pure; the agent feeds it records and topic read positions)."""

    watermark_ms: int | None = None
    """Event time up to which everything has been released (never goes back)."""
    newest_read: dict[str, int] = field(default_factory=dict)
    """Topic -> newest occurred_ms read on this partition (held or not)."""
    known_max_ms: int | None = None
    """Newest event time known on this partition from before a restart (states' own clocks)."""
    vouched_ms: int | None = None
    """Newest held event time that the topics read to their end vouch for (see the module)."""
    _waiting: list[tuple[int, str]] = field(default_factory=list)
    """Heap of (oldest held time, customer id); may hold stale entries, checked on pop."""
    _unvouched: list[tuple[int, int]] = field(default_factory=list)
    """Heap of (produced ms, occurred ms) of events past the watermark, held or passed within
    the day, not yet vouched for. Passed ones count too: the watermark (the partition's clock,
    the cards' `as_of`) may reach them only once vouched, and never reached the newest events
    of a day when they had all passed (found by the join-and-leave test: a partition's cards
    stayed two hours behind the reference at the end of the history)."""
    profiles_unread: bool = True
    """The partition's profile topic had unread records at the last `advance` (or none ran yet)."""
    produced_ms: dict[tuple[int, int], int] = field(default_factory=dict)
    """(topic rank, offset) -> Kafka record timestamp of each event held since this gate was
    built, taken off when the event leaves: the latency to its application is measured from it
    (events held before a restart or rebalance are not measured)."""

    def admit(self, event: TimedEvent, topic: str, offset: int, state: CustomerState, produced_ms: int = 0) -> bool:
        """Hold the event in `state` (True) or say it may be applied now (False); `produced_ms` is
        its Kafka record timestamp."""
        occurred = event.occurred_ms
        if occurred > self.newest_read.get(topic, -1):
            self.newest_read[topic] = occurred
        watermark = self.watermark_ms
        if watermark is not None:
            if occurred <= watermark:
                return False
            if occurred // DAY_MS == watermark // DAY_MS and self._may_pass_within_day(event, state):
                heapq.heappush(self._unvouched, (produced_ms, occurred))  # the clock follows it once vouched
                return False
        held = state.held
        oldest = held[0][0] if held else None
        entry = [occurred, TOPIC_RANK[topic], offset, event]
        held.append(entry)
        self.produced_ms[(entry[1], offset)] = produced_ms
        if len(held) > 1 and held[-2][:3] > entry[:3]:
            held.sort(key=lambda h: (h[0], h[1], h[2]))
        if oldest is None or occurred < oldest:
            heapq.heappush(self._waiting, (occurred, state.customer_id))
        heapq.heappush(self._unvouched, (produced_ms, occurred))
        return True

    def _may_pass_within_day(self, event: TimedEvent, state: CustomerState) -> bool:
        """Whether an event of the watermark's own day may be applied before the watermark
        reaches it (see the module docstring): not while the partition's profiles are unread,
        and not an invoice whose due date the customer's profile, not there yet, will decide."""
        if self.profiles_unread:
            return False
        return state.has_profile or type(event) is not Payment or event.kind != "invoice" or event.due_ms is not None

    def advance(self, topics_with_unread: Iterable[str], vouched_before_ms: int | None = None) -> int | None:
        """Move the watermark to what every topic with unread records has passed and, when some
        topic is read to its end, to no more than what the events produced before
        `vouched_before_ms` reach (None: no such limit is known)."""
        pending = set(topics_with_unread)
        self.profiles_unread = PROFILE_TOPIC in pending
        if PROFILE_TOPIC in pending or any(t not in self.newest_read for t in pending):
            return self.watermark_ms  # unread profiles, or a topic with a backlog we have not seen yet
        if pending:
            candidate = min(self.newest_read[t] for t in pending)
        else:
            known = [*self.newest_read.values(), *([self.known_max_ms] if self.known_max_ms is not None else [])]
            if not known:
                return self.watermark_ms
            candidate = max(known)
        if vouched_before_ms is not None and len(pending) < len(TIMED_TOPICS):
            vouched = self._vouch(vouched_before_ms)
            if vouched is None:
                return self.watermark_ms
            candidate = min(candidate, vouched)
        if self.watermark_ms is None or candidate > self.watermark_ms:
            self.watermark_ms = candidate
        return self.watermark_ms

    def _vouch(self, produced_before_ms: int) -> int | None:
        unvouched = self._unvouched
        while unvouched and unvouched[0][0] <= produced_before_ms:
            _, occurred = heapq.heappop(unvouched)
            if self.vouched_ms is None or occurred > self.vouched_ms:
                self.vouched_ms = occurred
        return self.vouched_ms

    @property
    def awaiting_vouch(self) -> bool:
        """Held events wait for the other topics to be fetched again (see `advance`). Events that
        passed within the day wait only to move the clock, which the next batch or tick does."""
        return bool(self._unvouched) and bool(self._waiting)

    def release(self, get_state: Callable[[str], CustomerState | None]) -> list[tuple[str, TimedEvent, int]]:
        """Every held event at or before the watermark, in (time, topic, offset) order, as
        (customer id, event, source offset)."""
        if self.watermark_ms is None:
            return []
        released: list[tuple[int, int, int, str, TimedEvent]] = []
        waiting = self._waiting
        while waiting and waiting[0][0] <= self.watermark_ms:
            _, cid = heapq.heappop(waiting)
            state = get_state(cid)
            if state is None or not state.held or state.held[0][0] > self.watermark_ms:
                continue  # stale heap entry
            cut = 0
            while cut < len(state.held) and state.held[cut][0] <= self.watermark_ms:
                occurred, rank, offset, event = state.held[cut]
                released.append((occurred, rank, offset, cid, event))
                cut += 1
            del state.held[:cut]
            if state.held:
                heapq.heappush(waiting, (state.held[0][0], cid))
        released.sort(key=lambda r: r[:3])
        return [(cid, event, offset) for _, _, offset, cid, event in released]

    @property
    def clock_ms(self) -> int | None:
        """The partition's event-time clock: the watermark, or before the first one after a
        restart, the newest event time known from the recovered states."""
        return self.watermark_ms if self.watermark_ms is not None else self.known_max_ms

    @property
    def holding(self) -> int:
        """Customers with held events (an upper bound: stale heap entries count until popped)."""
        return len(self._waiting)

    def rebuild(self, states: Iterable[CustomerState]) -> None:
        """After recovery: re-index held events and remember the newest known event time (which
        the states vouch for: it was read before the restart)."""
        self._waiting.clear()
        self._unvouched.clear()
        for state in states:
            self.recover(RecoveryFacts.of(state))
        self.vouched_ms = self.known_max_ms

    def recover(self, facts: RecoveryFacts) -> None:
        """`rebuild`, one customer at a time: a worker's start-up reads its states once, for every
        partition together, and keeps none of them (a million customers in rocksdb)."""
        if facts.max_event_ms is not None:
            self.known_max_ms = max(self.known_max_ms or facts.max_event_ms, facts.max_event_ms)
        if facts.oldest_held_ms is not None:
            heapq.heappush(self._waiting, (facts.oldest_held_ms, facts.customer_id))
            self.known_max_ms = max(self.known_max_ms or facts.newest_held_ms, facts.newest_held_ms)
        self.vouched_ms = self.known_max_ms
