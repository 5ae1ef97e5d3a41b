"""The customer agent: one instance per partition, owner of everything about its customers.

Thin on purpose: take a batch of raw records, run `agents.batch.batch_steps` over it (the
pure step), write each changed customer's state once, send dead letters, advance the clock.
Publication (cards to the compacted topic and Redis, population summaries) runs on timers,
off the event path, and is coalesced: a customer updated 50 times in a second is published
once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from contextlib import nullcontext
from typing import Callable, Iterator

import faust
import orjson
from aiokafka.structs import ConsumerRecord
from kafka.partitioner.default import murmur2

from agents import state_codec
from agents.batch import BatchResult, PartitionWork, Record, batch_steps
from agents.batch_turn import run_in_turn
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary
from agents.core.rfm import RfmValues, RfmWindow, rfm_window
from agents.core.state import CustomerState
from agents.core.alerting import open_alerts
from agents.core.rules.config import KINDS as ALERT_KINDS
from agents.core.engine import PartitionEngine
from agents.core.gate import PROFILE_TOPIC, TIMED_TOPICS, EventTimeGate
from agents.core.rules.config import RulesConfig, load_rules_config
from agents.core.timeutil import format_ms
from agents.faust_context import consumer_lag, event_context, input_positions, read_horizon
from agents.state_scan import owned_recovery_facts
from streams.alert_book import AlertBook
from streams.batch_consumer import BatchingConsumer
from streams.follow import follow_topic
from streams.dead_letter import dead_letter_headers, dead_letter_value
from streams.metrics import Metrics, observe_all
from streams.population import PopulationBoard, record_summary, summary_message
from streams.redis_sink import RedisSink
from streams.settings import Settings
from streams.state_writer import MAX_UNSENT, StateWriter


log = logging.getLogger(__name__)

_UNKNOWN = object()
"""No `RfmWindow` computed yet (None means: the customer has no orders)."""

SUMMARY_CHUNK = 2000
"""Customers summarised between two yields to the event loop (see `summarise`)."""

REBUILD_CHUNK = 20_000
"""States read between two pauses of an index rebuild (see `rebuild_index_steps`)."""

CARD_TIME_SHARE = 0.2
"""The share of each publish interval that card building may take (see `publish_cards`)."""


def as_consumer_record(message: faust.types.Message) -> ConsumerRecord:
    """A Faust message as the batch handler takes records (`streams.batch_consumer`)."""
    return ConsumerRecord(message.topic, message.partition, message.offset, round(message.timestamp * 1000),
                          message.timestamp_type, message.key, message.value, message.checksum,
                          message.serialized_key_size, message.serialized_value_size, message.headers)


def faust_event(app: faust.App, record: ConsumerRecord) -> faust.EventT:
    """A Faust event of a record, for `event_context`: the table's store takes the partition of
    a write from the current event's message."""
    message = faust.types.Message(record.topic, record.partition, record.offset, record.timestamp / 1000,
                                  record.timestamp_type, record.headers, record.key, record.value,
                                  record.checksum, tp=faust.types.TP(record.topic, record.partition))
    return faust.Event(app, record.key, record.value, record.headers, message)


def partition_of(customer_id: str, partitions: int) -> int:
    """Kafka's default partitioner (murmur2 of the raw key), as every producer computes it."""
    return (murmur2(customer_id.encode()) & 0x7FFFFFFF) % partitions


@dataclass
class CustomerPipeline:
    """The Faust objects and in-memory indexes of the customer pipeline."""

    settings: Settings
    core: CoreConfig
    state: faust.Table
    metrics: Metrics
    board: PopulationBoard
    redis: RedisSink
    alerts: AlertBook
    rules: RulesConfig | None = None
    work: dict[int, PartitionWork] = field(default_factory=dict)
    """Partition -> its event-time gate (whose watermark is the partition's clock) and alert engine."""
    last_event: dict[int, faust.EventT] = field(default_factory=dict)
    """Partition -> the newest Faust event read there: the context of that partition's table writes."""
    customers_by_partition: dict[int, set[str]] = field(default_factory=dict)
    cards_pending: dict[str, int] = field(default_factory=dict)
    """Customers whose card changed since it was last published -> their partition (insertion-
    ordered: the oldest change is published first, and a customer changing again keeps its place
    in the queue). The partition comes along because murmur2 in Python costs 8 us, a tenth of
    building the card."""
    tier_of: dict[str, str] = field(default_factory=dict)
    """Customer -> tier on its last published card (the customers-by-tier gauge)."""
    tier_counts: dict[str, int] = field(default_factory=dict)
    """Tier -> customers with it in `tier_of`, kept as cards go out (counting a million
    customers every second cost more than publishing the cards)."""
    summaries_pending: set[int] = field(default_factory=set)
    """Partitions with a customer changed since their last summary."""
    summarised_clock: dict[int, int] = field(default_factory=dict)
    """Partition -> the clock its last summary was taken at."""
    indexed_generation: int | None = None
    """The consumer generation whose recovered table the indexes were rebuilt from."""
    rfm_windows: dict[str, RfmWindow | None] = field(default_factory=dict)
    """Customer -> the window of its RFM figures (None: no orders), for the population
    summaries; dropped when the customer changes (see `RfmWindow`)."""
    unsent_state: Callable[[str], CustomerState | None] = lambda customer_id: None
    """The state writer's staged state of a customer (see `get_state`)."""

    def clock_ms(self, partition: int) -> int:
        work = self.work.get(partition)
        return (work.clock_ms or 0) if work is not None else 0

    def work_for(self, partition: int) -> PartitionWork:
        work = self.work.get(partition)
        if work is None:
            work = self.work[partition] = self._new_work()
        return work

    def _new_work(self) -> PartitionWork:
        return PartitionWork(EventTimeGate(), PartitionEngine(self.core, self.rules, self.board.thresholds))

    def get_state(self, customer_id: str) -> CustomerState | None:
        """The newest state: a staged one not yet written (`StateWriter.stage`), else the table's."""
        unsent = self.unsent_state(customer_id)
        return unsent if unsent is not None else self.state.get(customer_id)

    def card(self, state: CustomerState, partition: int | None = None) -> dict:
        """The customer's card at its partition's clock (`partition`: when the caller knows it)."""
        if partition is None:
            partition = partition_of(state.customer_id, self.settings.partitions)
        return build_card(state, self.clock_ms(partition), self.board.thresholds(), self.core, open_alerts(state))

    def rfm_values_of(self, partition: int, clock: int) -> Iterator[RfmValues | None]:
        """Every customer's RFM values at `clock`; a state is read only for a customer without
        a window that holds the clock. Iterates a copy of the customers: the caller may let
        batches run in between."""
        windows = self.rfm_windows
        for customer_id in list(self.customers_by_partition.get(partition, ())):
            window = windows.get(customer_id, _UNKNOWN)
            values = window.values(clock) if isinstance(window, RfmWindow) else None
            if window is _UNKNOWN or (window is not None and values is None):
                state = self.get_state(customer_id)
                if state is None:
                    continue
                window = windows[customer_id] = rfm_window(state, clock, self.core)
                values = window.values(clock) if window is not None else None
            yield values

    def partitions_to_summarise(self, active: set[int], reported: set[int]) -> list[int]:
        """Owned partitions whose summary is missing or out of date: a customer changed, or the
        clock moved without one (recency is relative to the clock: a summary taken before the
        partition's last clock step scores every card against stale recency cut points).
        Clears the pending set: a summary pass follows."""
        due = (self.summaries_pending | {p for p in active if self.summarised_clock.get(p) != self.clock_ms(p)}
               | (active - reported))
        self.summaries_pending = set()
        return sorted(due & active)

    def note_tier(self, customer_id: str, tier: str) -> None:
        before = self.tier_of.get(customer_id)
        if before != tier:
            if before is not None:
                self.tier_counts[before] -= 1
            self.tier_counts[tier] = self.tier_counts.get(tier, 0) + 1
            self.tier_of[customer_id] = tier

    def remember(self, customer_id: str, partition: int, card_changed: bool = True) -> None:
        """Index a customer whose state a batch changed; its card goes out again, and its
        partition's summary is taken again, only if the change shows on it (`card_changed`)."""
        self.customers_by_partition.setdefault(partition, set()).add(customer_id)
        if card_changed:
            self.rfm_windows.pop(customer_id, None)
            self.cards_pending.setdefault(customer_id, partition)
            self.summaries_pending.add(partition)

    def queue_cards_of(self, partitions: set[int]) -> None:
        """Queue the card of every customer of `partitions` (Redis lost them, new thresholds)."""
        for partition in partitions:
            self.cards_pending.update(dict.fromkeys(self.customers_by_partition.get(partition, ()), partition))

    def rebuild_indexes(self, owned: set[int]) -> None:
        """`rebuild_index_steps` in one go (the unit tests use this)."""
        for _ in self.rebuild_index_steps(owned):
            pass

    def rebuild_index_steps(self, owned: set[int]) -> Iterator[None]:
        """After every rebalance's recovery: indexes, gates and engines from the table itself,
        pausing (yielding) every `REBUILD_CHUNK` states.

        Faust calls this once the changelog is recovered and before it seeks every assigned
        partition, kept ones included, back to its committed offset. So nothing of the previous
        generation may survive: a kept gate's `newest_read` would be ahead of what is about to
        be re-read, its watermark would run ahead of a topic not yet re-read, and events of that
        topic would be applied out of order and dead-lettered as late (found by the join-and-
        leave test). Fresh gates and engines are rebuilt the way a restart builds them: held
        events live in the states, and a partition's clock before its first new watermark is
        the newest event time of its customers.

        Only `owned` (actively assigned) partitions count: the table also holds standby
        partitions and, in the memory store, keys this worker wrote before a partition was
        revoked. Their cards belong to their owner; publishing them from here would overwrite
        the owner's cards with ones built on another clock.

        Why the pauses: a million customers in rocksdb take about 20 s to read, and the event
        loop froze that long (lookups, /metrics, timers; `churnwatch bench --state-customers
        1000000` measured a 23 s stall). The new indexes are built aside and replace the old
        ones in one step at the end, so nothing that runs between the pauses sees half of them.
        """
        partitions = self.settings.partitions
        work: dict[int, PartitionWork] = {}
        customers: dict[int, set[str]] = {}
        pending: dict[str, int] = {}
        # One pass, nothing kept but the indexes: rocksdb may hold millions of states.
        facts_of_owned = owned_recovery_facts(self.state, owned, lambda cid: partition_of(cid, partitions))
        for n, (partition, facts) in enumerate(facts_of_owned, 1):
            customers.setdefault(partition, set()).add(facts.customer_id)
            pending[facts.customer_id] = partition
            partition_work = work.get(partition)
            if partition_work is None:
                partition_work = work[partition] = self._new_work()
            partition_work.gate.recover(facts)
            partition_work.engine.recover(facts)
            if n % REBUILD_CHUNK == 0:
                yield
        self.work, self.customers_by_partition, self.cards_pending = work, customers, pending
        self.summaries_pending, self.summarised_clock = set(customers), {}
        self.tier_of, self.tier_counts, self.rfm_windows = {}, {}, {}


class CustomerStateTable(faust.Table):
    """The changelog-backed `customer-state` table, keyed by the raw UTF-8 customer id.

    Faust derives a table's serializers from its key and value types, and the changelog topic
    (used for writes *and* recovery) is created with them as soon as the table is registered;
    so the choice is made here: raw keys (what every producer sends, so the changelog's murmur2
    partition equals the source partition) and the compact state codec for values.
    """

    def _serializer_from_type(self, typ):
        return "raw" if typ is str else state_codec.CODEC_NAME


def state_table(app: faust.App, settings: Settings) -> faust.Table:
    return app.tables.add(CustomerStateTable(
        app,
        name="customer-state",
        key_type=str,
        partitions=settings.partitions,
        beacon=app.tables.beacon,
        help="The live state behind each customer's data card (changelog-backed).",
    ))


def register_customer_agent(app: faust.App, settings: Settings, core: CoreConfig, rules: RulesConfig,
                            metrics: Metrics) -> CustomerPipeline:
    state_codec.register()
    prefix = settings.topic_prefix
    source = app.topic(*settings.input_topics, settings.ticks_topic)
    ticks = app.topic(settings.ticks_topic)
    dlq = app.topic(settings.dlq_topic)
    cards_topic = settings.cards_topic
    population = app.topic(settings.population_topic)
    pipeline = CustomerPipeline(
        settings=settings,
        core=core,
        state=state_table(app, settings),
        metrics=metrics,
        board=PopulationBoard(core, settings.partitions),
        redis=RedisSink(settings.redis, metrics, prefix=f"{settings.app_id}:"),
        alerts=AlertBook(),
        rules=rules,
    )
    alerts_topic = app.topic(settings.alerts_topic)

    def reoffer_everything_owned() -> None:
        """Redis lost our keys: every owned card goes out again, and every open alert."""
        log.warning("Redis lost this worker's keys; rewriting every owned card and open alert")
        pipeline.queue_cards_of(owned_partitions())
        for alert in pipeline.alerts.live():
            pipeline.redis.offer_alert(alert)

    pipeline.redis.on_data_lost = reoffer_everything_owned

    def owned_partitions() -> set[int]:
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == settings.orders_topic}

    gated_topics = {prefix + t: t for t in (*TIMED_TOPICS, PROFILE_TOPIC)}

    def contract_topic(name: str) -> str:
        return name[len(prefix):] if prefix and name.startswith(prefix) else name

    contract_names = {real: contract_topic(real) for real in source.topics}
    """Real (prefixed) name -> contract name of every topic a batch's records come from."""

    batch_turn = asyncio.Lock()
    """One batch at a time: the release timer's batches and the consumer's must not interleave
    while a batch waits for its alerts to be acknowledged (its states are not written yet), and
    the indexes are not rebuilt in that wait either; the staged states are written in it, never
    while a batch is half-way (a batch holds it to its end, even when its caller is cancelled:
    `agents/batch_turn.py`)."""

    @pipeline.state.on_recover
    async def on_recover() -> None:
        """Rebuild the indexes of a new generation, never in the middle of a batch.

        A batch of the previous generation may be waiting for its alerts' acknowledgement when
        Faust calls this; its states, written after a rebuild, would hold events no rebuilt gate
        knows of. And a batch of the new generation applied before the rebuild would run on the
        old gates and engines. So the rebuild takes the batch turn, and the consumer hands out
        no batch of a generation before its rebuild (`indexes_ready`)."""
        generation = app.consumer_generation_id
        async with batch_turn:
            owned = owned_partitions()
            stale = state_writer.drop_unsent(state_writer.unsent_partitions() - owned)
            if stale:  # `wait_empty` wrote everything staged before the partitions went
                log.warning("dropped %d staged states of partitions no longer owned", stale)
            await write_staged(turn_held=True)  # the rebuild reads the store
            for _ in pipeline.rebuild_index_steps(owned):
                await asyncio.sleep(0)  # lookups, scrapes and timers run between the steps
        pipeline.indexed_generation = generation
        log.info("generation %s: indexes rebuilt for partitions %s, clocks %s", generation, sorted(owned),
                 {p: format_ms(w.gate.clock_ms) for p, w in sorted(pipeline.work.items())})

    def indexes_ready(generation: int) -> bool:
        return pipeline.indexed_generation == generation

    @app.agent(source, name="customers")
    async def customer_agent(stream: faust.StreamT) -> None:
        """Subscribes the input topics (Faust assigns their partitions and the table's with them).

        With `BatchingConsumer` (every worker built by `create_app`) the records never reach
        this stream: each fetch goes to `handle_messages` in one call. The loop below is the
        plain Faust path, kept so that the agent also works on Faust's stock consumer.
        """
        consumer = app.consumer
        if isinstance(consumer, BatchingConsumer):
            consumer.route_batches(source.topics, handle_messages, compacted=[settings.customers_topic],
                                   ready=indexes_ready, busy=batch_turn.locked, before_commit=write_staged)
        async for batch in stream.take_events(settings.batch_size, settings.batch_within):
            await handle_messages([as_consumer_record(event.message) for event in batch])

    async def handle_messages(messages: list, count_as_read: Callable[[], None] | None = None) -> None:
        await handle_or_stop(messages, count_as_read=count_as_read)

    async def handle_or_stop(messages: list, wake: list[int] | tuple = (),
                             count_as_read: Callable[[], None] | None = None) -> None:
        # to its end, and the consumer's records count as read once the turn is held: see agents/batch_turn.py
        await run_in_turn(batch_turn, lambda: handle_batch_or_stop(messages, wake), on_turn=count_as_read)

    async def handle_batch_or_stop(messages: list, wake: list[int] | tuple) -> None:
        try:
            await handle_batch(messages, wake)
        except Exception:
            # Faust acks a batch's records when this returns, even after an error, so a bug
            # here would silently skip them. Stop the process instead: nothing of this batch
            # is committed, and a restarted worker reads it again (at-least-once).
            stop_worker("batch processing failed")

    def stop_worker(what: str, error: BaseException | None = None) -> None:
        log.critical("%s; stopping the worker so that no event is lost", what,
                     exc_info=error if error is not None else True)
        logging.shutdown()
        os._exit(70)

    grace_ms = int(settings.gate_grace * 1000)
    state_writer = StateWriter(pipeline.state, state_codec.encode,
                               on_failure=lambda error: stop_worker("a state write to the changelog failed", error))
    pipeline.unsent_state = state_writer.unsent_state

    async def write_staged(turn_held: bool = False) -> None:
        """Write every staged state to the store and changelog (before a commit, a revocation or
        a stop, a rebuild). A chunk at a time, each in the batch turn: a batch between its steps
        has half-applied states, and an alert it raised is not yet sent; batches run between the
        chunks, and each chunk writes its customers' states as they are then (`write_unsent`)."""
        for partition, chunk in state_writer.unsent_chunks():
            async with nullcontext() if turn_held else batch_turn:
                with event_context(pipeline.last_event[partition]):  # the rocksdb store's partition
                    metrics.state_writes.inc(await state_writer.write_unsent(partition, chunk))
                metrics.unsent_states.set(state_writer.unsent_count)

    async def deliver_alerts(alerts: list[dict], emitted_at: str) -> None:
        """Send the batch's alerts and wait until Kafka has them, *before* the states that record
        them are written. The other order lost alerts: a worker killed between the two writes
        left a changelog that knew the alert and an alert topic that did not, and the restarted
        worker, re-reading the same events, took them for duplicates (found by the SIGKILL
        test). This way a replay raises every alert whose state was not saved again, under the
        same deterministic id."""
        sent = []
        for alert in alerts:
            alert["emitted_at"] = emitted_at
            sent.append(await alerts_topic.send(key=alert["customer_id"].encode(), value=orjson.dumps(alert),
                                               force=True))  # now, not attached to a source offset
        await asyncio.gather(*sent)

    def explain_late(result: BatchResult) -> None:
        """Log where the gate and the consumer stood when a batch dead-lettered events as late.

        Late events mean a producer sent them that late, or the partition's clock ran ahead of
        one of its topics (the gate took it for read to its end, or a rebalance's re-read went
        wrong): the dead letters alone cannot tell which."""
        late = [letter for letter in result.dead_letters if letter.reason == "late"]
        for partition in sorted({letter.record.partition for letter in late}):
            letters = [letter for letter in late if letter.record.partition == partition]
            first, gate = letters[0], pipeline.work_for(partition).gate
            log.warning(
                "partition %d: %d events dead-lettered as late (first: %s offset %d: %s); gate: watermark %s, "
                "newest read %s, profiles unread %s; input: %s; consumer generation %s",
                partition, len(letters), first.record.topic, first.record.offset, first.detail,
                format_ms(gate.watermark_ms),
                {topic: format_ms(ms) for topic, ms in gate.newest_read.items()}, gate.profiles_unread,
                input_positions(app, gated_topics, partition), app.consumer_generation_id)

    async def handle_batch(messages: list, wake: list[int] | tuple = ()) -> None:
        started = time.perf_counter()
        records = [Record(contract_names[m.topic], m.partition, m.offset, m.key, m.value, m.timestamp)
                   for m in messages]
        last_of_partition = {m.partition: m for m in messages}
        for partition, m in last_of_partition.items():
            pipeline.last_event[partition] = faust_event(app, m)
        now_ms = int(time.time() * 1000)
        result = BatchResult()
        for _ in batch_steps(result, records, pipeline.get_state, now_ms, pipeline.work_for,
                             lambda p: read_horizon(app, gated_topics, p, grace_ms), settings.live_clock, wake):
            await asyncio.sleep(0)  # lookups and timers run between the steps of a big batch
        if any(outcome == "late" for _, outcome in result.outcomes):
            explain_late(result)
        if result.alerts:
            await deliver_alerts(result.alerts, format_ms(now_ms))
        only_held = result.only_held
        for partition, changed in result.changed_by_partition().items():
            state_writer.stage(partition, changed)
            for cid, _ in changed:
                pipeline.remember(cid, partition, cid not in only_held)
        if state_writer.unsent_count >= MAX_UNSENT:
            await write_staged(turn_held=True)
        metrics.unsent_states.set(state_writer.unsent_count)
        for letter in result.dead_letters:
            r = letter.record
            source_topic = prefix + r.topic
            dlq.send_soon(
                key=r.key,
                value=dead_letter_value(topic=source_topic, partition=r.partition, offset=r.offset,
                                        key=r.key, value=r.value, reason=letter.reason,
                                        detail=letter.detail, failed_at_ms=now_ms),
                headers=dead_letter_headers(topic=source_topic, partition=r.partition, offset=r.offset,
                                            reason=letter.reason),
            )
            metrics.dead_letters.labels(letter.reason).inc()
        for alert in result.alerts:
            pipeline.redis.offer_alert(alert)
            metrics.alerts.labels(alert["kind"], alert["severity"], alert["tier"] or "none", alert["state"]).inc()
        for (topic, outcome), count in result.outcomes.items():
            metrics.events.labels(topic, outcome).inc(count)
        if messages:
            metrics.batch_latency.observe(time.perf_counter() - started)
        for partition in {r.partition for r in records}:
            clock = pipeline.clock_ms(partition)
            if clock:
                metrics.event_time_lag.observe(max(0.0, now_ms - clock) / 1000)
        wall_ms = time.time() * 1000
        observe_all(metrics.event_latency, [max(0.0, wall_ms - m.timestamp) / 1000 for m in messages])
        observe_all(metrics.apply_latency, [max(0.0, wall_ms - produced) / 1000 for produced in result.applied_produced_ms])

    @app.timer(0.1, name="release-vouched")
    async def release_vouched() -> None:
        """Held events that only waited for the other topics to be fetched once more (see
        `agents.core.gate`) leave the gate now, not with the next record or tick."""
        if app.rebalancing or not indexes_ready(app.consumer_generation_id) or batch_turn.locked():
            return  # a batch is running: the next tick looks (waiting for it logged a timer overlap per tick)
        waiting = [p for p, work in pipeline.work.items() if work.gate.awaiting_vouch and p in pipeline.last_event]
        if waiting:
            await handle_or_stop([], wake=waiting)

    @app.timer(settings.tick_interval, on_leader=True, name="send-ticks")
    async def send_ticks() -> None:
        """One tick per partition: wakes quiet partitions' gates (and, later, the live clock)."""
        wall = str(int(time.time() * 1000)).encode()
        for partition in range(settings.partitions):
            await ticks.send(value=wall, partition=partition)

    input_topics = {real: contract_topic(real) for real in settings.input_topics}

    @app.timer(5.0, name="report-lag")
    async def report_lag() -> None:
        for topic, lag in consumer_lag(app, input_topics).items():
            metrics.consumer_lag.labels(topic).set(lag)

    rules_file = settings.config_dir / "rules.toml"
    rules_seen = {"mtime": rules_file.stat().st_mtime if rules_file.exists() else None}

    @app.timer(5.0, name="reload-rules")
    async def reload_rules() -> None:
        """Pick up an edited config/rules.toml without a restart (a bad file is logged and ignored)."""
        try:
            mtime = rules_file.stat().st_mtime
        except OSError:
            return
        if mtime == rules_seen["mtime"]:
            return
        rules_seen["mtime"] = mtime
        try:
            new_rules = load_rules_config(rules_file)
            for work in pipeline.work.values():
                work.engine.rules = new_rules
        except Exception as exc:  # a half-written or invalid file must not stop the worker
            log.error("ignoring %s: %s (the previous rules stay in force)", rules_file, exc)
            return
        pipeline.rules = new_rules
        log.info("reloaded %s", rules_file)

    card_budget = CARD_TIME_SHARE * settings.publish_interval

    @app.timer(settings.publish_interval, name="publish-cards")
    async def publish_cards() -> None:
        """Send the current card of customers changed since their last publication.

        Building a card costs about as much as applying an event, so under a backlog (every
        customer changes every second) publishing them all each second would halve throughput.
        Each run spends at most `CARD_TIME_SHARE` of the interval; customers left over stay
        queued, oldest first, and are coalesced with their further changes. A worker that keeps
        up publishes every change within the interval. A customer whose partition was revoked
        meanwhile is skipped: its new owner publishes it, from a newer state. Cards go straight
        to the Kafka producer: Faust's send buffer (100 messages, a sensor call each) made the
        event path wait for it.
        """
        pending = pipeline.cards_pending
        owned = owned_partitions()
        deadline = time.perf_counter() + card_budget
        published = 0
        for n, (cid, partition) in enumerate(list(pending.items())):
            if n % 100 == 99:
                if time.perf_counter() > deadline:
                    break
                await asyncio.sleep(0)  # let the batches run between chunks
            del pending[cid]
            if partition not in owned:
                continue  # revoked in a rebalance: its new owner publishes it
            state = pipeline.get_state(cid)
            if state is not None:
                card = pipeline.card(state, partition)
                pipeline.note_tier(cid, card["tier"] or "none")
                card_json = orjson.dumps(card)
                await app.producer.send(cards_topic, cid.encode(), card_json, None, None, None)
                pipeline.redis.offer(cid, card["version"], card_json)
                published += 1
        metrics.cards_published.inc(published)
        await pipeline.redis.flush()
        for tier in ("A", "B", "C", "none"):
            metrics.customers_by_tier.labels(tier).set(pipeline.tier_counts.get(tier, 0))
        open_counts = pipeline.alerts.open_counts()
        for kind in ALERT_KINDS:
            metrics.open_alerts.labels(kind).set(open_counts.get(kind, 0))

    @app.timer(settings.population_interval, name="publish-population")
    async def publish_population() -> None:
        """Summarise each partition this worker actively owns and share it with all workers."""
        active = owned_partitions()
        generation = app.consumer_generation_id
        for partition in pipeline.partitions_to_summarise(active, pipeline.board.reported_partitions()):
            summary = await summarise(partition)
            if app.consumer_generation_id != generation:
                return  # a rebalance: the new owners summarise their partitions
            pipeline.summarised_clock[partition] = summary.as_of_ms
            population.send_soon(key=str(partition).encode(), value=summary_message(summary))
        age = pipeline.board.age_seconds()
        if age is not None:
            metrics.population_age.set(age)
        refresh_cards_for_new_thresholds()

    async def summarise(partition: int) -> PartitionSummary:
        """The partition's summary, letting batches and lookups run every `SUMMARY_CHUNK`
        customers: the first pass after a start reads every state (a million customers in
        rocksdb blocked the worker for minutes)."""
        clock, values = pipeline.clock_ms(partition), []
        for n, customer in enumerate(pipeline.rfm_values_of(partition, clock), 1):
            values.append(customer)
            if n % SUMMARY_CHUNK == 0:
                await asyncio.sleep(0)
        return PartitionSummary.from_values(values, clock, core)

    refreshed = {"thresholds": None, "at": float("-inf")}  # not 0: monotonic() starts at boot

    def refresh_cards_for_new_thresholds() -> None:
        """Scores and tiers on published cards follow the population: when the thresholds have
        changed, republish every owned card, at most once per `card_refresh_interval`."""
        thresholds = pipeline.board.thresholds()
        if thresholds is None or thresholds == refreshed["thresholds"]:
            return
        if time.monotonic() - refreshed["at"] < settings.card_refresh_interval:
            return
        refreshed["thresholds"], refreshed["at"] = thresholds, time.monotonic()
        pipeline.queue_cards_of(owned_partitions())

    @app.task
    async def follow_population() -> None:
        await follow_topic(settings, settings.population_topic,
                           lambda message: record_summary(pipeline.board, message))

    @app.task
    async def follow_alerts() -> None:
        await follow_topic(settings, settings.alerts_topic,
                           lambda message: pipeline.alerts.record(orjson.loads(message.value)))

    return pipeline
