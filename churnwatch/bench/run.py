"""One bench run, phase by phase, on the stack given by the settings.

Order (each phase measures one thing, on a machine as calm as the bench can make it):
1. idle worker: a worker on its own empty topics, for the RSS every worker has before state;
2. workload: N simulated orders, produced into the run's fresh ``orders`` topic;
3. baseline: the plain aiokafka consumer over those orders;
4. throughput: a real worker started on the backlog, timed from its /readyz 200 (start-up and
   group join excluded; partitions assigned) until every order is handled, by polling /metrics;
5. latency: the caught-up worker is offered R new orders/s (default: a share of the throughput
   just measured) for S seconds, after an unmeasured warm-up at the same rate for the gate's
   grace + 1 s (it takes the partitions' clocks from the history's last day to today);
   quantiles of ``churnwatch_processing_latency_seconds`` and ``churnwatch_apply_latency_seconds``
   over exactly those S seconds (bucket deltas);
6. memory: the worker's RSS now, minus the idle worker's, per 100,000 customers;
7. recovery: the worker is stopped (SIGTERM) and a new one joins the same group with an empty
   data dir; timed from process start until /readyz answers 200 and sample cards are complete;
8. scale-out: W workers (a new consumer group) read the same topics from the start; their
   combined events/s from the moment all of them are ready (the group has settled) to the end;
9. state scale (``--state-customers N``; ``--only-state`` runs it after the idle worker alone):
   N customers' states written straight into the changelog of a new app id
   (`churnwatch.bench.state_scale`); a rocksdb worker with an empty data dir is timed from
   process start to /readyz 200 and sample cards (cold recovery from the changelog); card
   lookups by id (client-side quantiles), its RSS; then SIGTERM and a new process on the same
   data dir, timed the same way (cold recovery from rocksdb).
Clean-up (workers, topics, Redis keys, temporary files) runs whatever happens.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from churnwatch.bench import cleanup
from churnwatch.bench.baseline import run_baseline
from churnwatch.bench.measure import (Histogram, Scrape, parse_kib_field, per_100k_customers_mb, quantile, rate,
                                      sample_quantile)
from churnwatch.bench.report import BenchReport
from churnwatch.bench.state_scale import TEMPLATE_CUSTOMERS, ScaledStates, build_templates, produce_changelog
from churnwatch.bench.worker import Worker, WorkerFailed
from churnwatch.bench.worker_log import longest_stall, overlapping_timers, replayed_records
from churnwatch.bench.workload import Workload, build_workload, live_orders, produce_all, produce_paced
from churnwatch.producer import EventProducer
from streams.settings import Settings
from streams.topics import TopicSpec, ensure_topics

Echo = Callable[[str], None]
POLL_SECONDS = 0.25
STALL_SECONDS = 120.0
"""A phase fails when the worker handles no new event for this long."""
IDLE_SETTLE_SECONDS = 3.0
SAMPLE_CARDS = 30
LATENCY_LINGER_MS = 5
"""Producer linger in the latency phase: part of what is measured, so kept small."""
WARM_UP_EXTRA_SECONDS = 1.0
"""The latency phase's unmeasured warm-up lasts the gate's grace plus this (see `latency`)."""
AUTO_RATE_SHARE = 0.25
"""Without --rate, the latency phase offers this share of the catch-up throughput measured before.
Live traffic comes in small batches, which cost more per event than a backlog's full ones, so the
share is well below 1: the figure should be processing latency, not the growth of a backlog (the
drain time in the notes says whether the worker kept up)."""
CARD_LOOKUPS = 2_000
"""Card requests of the state-scale phase (random customers): enough for a p99 of 20 samples."""
MISSING_LOOKUPS = 200
READY_SECONDS_PER_CUSTOMER = 0.001
"""The state-scale workers may take this long per customer beyond the usual timeouts (readiness,
sample cards, population summaries): at a million customers a start-up scan is minutes long."""
LOOKUP_TIMEOUT = 120.0
"""A card request of the state-scale phase waits this long: a lookup held up by a blocked event
loop is part of what is measured, not an error."""


@dataclass(frozen=True)
class BenchParams:
    orders: int = 100_000
    customers: int = 10_000
    rate: int | None = None
    """Orders/s offered in the latency phase; None: AUTO_RATE_SHARE of the measured throughput."""
    latency_seconds: float = 20.0
    partitions: int = 6
    seed: int = 7
    workers: int = 2
    """Workers of the scale-out phase (1: no scale-out phase)."""
    state_customers: int = 0
    """Customers of the state-scale phase (0: no such phase; the issue's scale is 1,000,000)."""
    only_state: bool = False
    """Skip every phase but the idle worker and the state-scale phase."""


MIN_SCALE_OUT_SHARE = 0.25
"""The scale-out rate is reported only when at least this share of the orders was left to
handle once every worker was ready (a rate over a few hundred events measures the group's
formation, not its throughput)."""


def changelog_topic(settings: Settings) -> str:
    """The `customer-state` table's changelog, as Faust names it (``<app id>-<table>-changelog``)."""
    return f"{settings.app_id}-customer-state-changelog"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_info() -> dict:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        total = parse_kib_field(meminfo.read(), "MemTotal")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_total_mb": round(total / 1e6),
        "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


class BenchRun:
    def __init__(self, params: BenchParams, base: Settings, echo: Echo) -> None:
        self.params = params
        self.echo = echo
        self.namespace = f"bench-{uuid.uuid4().hex[:8]}-"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"churnwatch-{self.namespace}"))
        self.settings = base.with_overrides(
            topic_prefix=self.namespace, app_id=self.namespace + "worker", partitions=params.partitions,
            store="memory://", web_host="127.0.0.1", web_token="",
        )
        self.workers: list[Worker] = []
        self.report = BenchReport(
            parameters={
                "orders": params.orders, "customers": params.customers, "rate": params.rate,
                "latency_seconds": params.latency_seconds, "partitions": params.partitions, "seed": params.seed,
                "state_customers": params.state_customers, "only_state": params.only_state,
                "kafka": base.kafka, "namespace": self.namespace, "store": "memory://",
                "batch_size": base.batch_size, "batch_within": base.batch_within,
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            machine=machine_info(),
        )

    # -- workers -------------------------------------------------------------------------------

    def _start_worker(self, settings: Settings, name: str, data_dir: Path | None = None,
                      python: str = sys.executable) -> Worker:
        """A worker on a free port; its data dir is ``data-<name>`` unless one is given (a restart)."""
        settings = settings.with_overrides(web_port=free_port(), data_dir=data_dir or self.workdir / f"data-{name}")
        worker = Worker.start(settings, self.workdir / f"{name}.log", python)
        self.workers.append(worker)
        self.echo(f"{name} worker: pid {worker.pid}, {settings.web_url}, log {worker.log_path}")
        return worker

    def _wait_handled(self, workers: list[Worker], target: int) -> list[tuple[float, float]]:
        """Poll /metrics until the workers together handled ``target`` input events; every
        (time, events handled) seen."""
        samples: list[tuple[float, float]] = []
        last_change, last_count = time.monotonic(), -1.0
        while True:
            handled = 0.0
            for worker in workers:
                worker.check_alive()
                handled += worker.scrape().events()
            now = time.monotonic()
            samples.append((now, handled))
            if handled >= target:
                return samples
            if handled != last_count:
                last_change, last_count = now, handled
            elif now - last_change > STALL_SECONDS:
                tails = "\n".join(worker.log_tail() for worker in workers)
                raise WorkerFailed(f"workers stalled at {handled:.0f} of {target} events:\n{tails}")
            time.sleep(POLL_SECONDS)

    # -- phases --------------------------------------------------------------------------------

    def idle_worker(self) -> tuple[int, float]:
        """RSS of a worker without state, and its start-up time (process start to /readyz 200)."""
        idle = self._start_worker(self.settings.with_overrides(topic_prefix=self.namespace + "idle-",
                                                               app_id=self.namespace + "idle"), "idle")
        startup = idle.wait_ready() - idle.started
        time.sleep(IDLE_SETTLE_SECONDS)
        rss = idle.rss()
        idle.stop()
        self.echo(f"idle worker: RSS {rss / 1e6:.0f} MB, ready {startup:.1f} s after start")
        return rss, startup

    def produce_workload(self) -> Workload:
        p = self.params
        started = time.monotonic()
        workload = build_workload(p.orders, p.customers, self.namespace, int(time.time() * 1000), p.seed)
        built = time.monotonic()
        ensure_topics(self.settings)
        with EventProducer(self.settings.kafka, client_id="churnwatch-bench") as producer:
            produce_all(workload.orders, lambda key, value: producer.send(self.settings.orders_topic, key, value))
        if producer.failures:
            raise RuntimeError(f"{len(producer.failures)} orders failed to produce: {producer.failures[0]}")
        produced = time.monotonic()
        customers = len(workload.per_customer)
        self.report.parameters["customers_with_orders"] = customers
        self.report.add("produce", "orders produced (pre-run)", p.orders, "orders",
                        f"{customers:,} customers; simulated in {built - started:.1f} s, produced in "
                        f"{produced - built:.1f} s ({p.orders / (produced - built):,.0f}/s, kafka-python, acks=all)")
        self.echo(f"produced {p.orders:,} orders for {customers:,} customers")
        return workload

    def baseline(self) -> float:
        p = self.params
        result = run_baseline(self.settings.kafka, self.settings.orders_topic, p.partitions, p.orders)
        events_per_s = result.events_per_s
        passes = ", ".join(f"{s:.2f}" for s in result.pass_seconds)
        self.report.add("baseline_events_per_s", "baseline throughput", events_per_s, "events/s",
                        f"plain aiokafka consumer, orjson, dict per customer; the median of {result.passes} passes "
                        f"over the topic's {p.orders:,} events ({passes} s), each timed from the seek to the "
                        "beginning (fetching included)")
        self.echo(f"baseline: {events_per_s:,.0f} events/s")
        return events_per_s

    def _handling_seconds(self, worker: Worker) -> float:
        """From the worker's /readyz 200 to its last pre-produced order handled."""
        ready_at = worker.wait_ready()
        ended_at, _ = self._wait_handled([worker], self.params.orders)[-1]
        return ended_at - ready_at

    def fresh_worker_pass(self, name: str, python: str) -> float:
        """Events/s of a new worker of ``python``'s install over the pre-produced orders, with
        its own app id (consumer group, changelog, state); the worker is stopped after."""
        worker = self._start_worker(self.settings.with_overrides(app_id=self.namespace + name), name, python=python)
        try:
            return rate(self.params.orders, self._handling_seconds(worker))
        finally:
            worker.stop()

    def throughput(self) -> Worker:
        worker = self._start_worker(self.settings, "main")
        seconds = self._handling_seconds(worker)
        events = self.params.orders
        events_per_s = rate(events, seconds)
        self.report.add("churnwatch_events_per_s", "churnwatch throughput", events_per_s, "events/s",
                        f"real worker (memory store); {events:,} events in {seconds:.2f} s, timed "
                        f"from /readyz 200 (partitions assigned; start-up and group join excluded) to the "
                        f"last event handled (polled every {POLL_SECONDS} s)")
        self._note_unprocessed(worker.scrape(), self.params.orders)
        self.echo(f"churnwatch: {events_per_s:,.0f} events/s")
        return worker

    def scale_out(self, events: int) -> None:
        """W workers of a new group over the same topics: their combined rate once all are ready."""
        n = self.params.workers
        if n < 2:
            return
        settings = self.settings.with_overrides(app_id=self.namespace + "scale")
        workers = [self._start_worker(settings, f"scale-{i}") for i in range(n)]
        while True:  # all ready in the same round: the group has settled after the joins
            ready = [w.wait_ready() for w in workers]
            if all(w.get("/readyz", timeout=2.0)[0] == 200 for w in workers):
                break
        settled_at = max(ready)
        settled = sum(w.scrape().events() for w in workers)
        ended_at, _ = self._wait_handled(workers, events)[-1]
        measured = events - settled
        enough = measured >= events * MIN_SCALE_OUT_SHARE
        events_per_s = rate(measured, ended_at - settled_at) if enough else None
        single = self.report.value("churnwatch_events_per_s")
        self.report.add("scale_out_events_per_s", f"{n} workers: throughput", events_per_s, "events/s",
                        f"{n} worker processes, one new consumer group, same topics and machine; {measured:,.0f} "
                        f"events in {ended_at - settled_at:.2f} s, from the moment all were ready ("
                        f"{settled:,.0f} of {events:,} events were handled while the group formed)"
                        + ("" if enough else f"; not measured: fewer than {MIN_SCALE_OUT_SHARE:.0%} of the events "
                           "were left once the group had formed (raise --orders)"))
        if single and events_per_s is not None:
            self.report.add("scale_out_speedup", f"{n} workers / 1 worker", events_per_s / single, "x",
                            f"{self.machine_cpus} CPUs shared by the workers, the broker and the bench")
        for worker in workers:
            worker.stop()
        self.echo(f"scale-out: {n} workers " + (f"{events_per_s:,.0f} events/s" if events_per_s is not None
                                                 else "not measured (too few events left once the group formed)"))

    @property
    def machine_cpus(self) -> int:
        return os.cpu_count() or 1

    def _note_unprocessed(self, scrape: Scrape, expected: int) -> None:
        if scrape.processed < expected:
            others = {f"{t}/{o}": v for (t, o), v in scrape.outcomes.items() if o != "processed"}
            self.echo(f"warning: {expected - scrape.processed:.0f} events not processed: {others}")

    def latency(self, worker: Worker, workload: Workload, live_counts: Counter[str]) -> None:
        p = self.params
        throughput = self.report.value("churnwatch_events_per_s")
        offered = p.rate or max(1, int(throughput * AUTO_RATE_SHARE))
        source = "--rate" if p.rate else f"{AUTO_RATE_SHARE:.0%} of the measured throughput"
        warm_up_seconds = self.settings.gate_grace + WARM_UP_EXTRA_SECONDS
        self.report.parameters.update(rate=offered, rate_source=source, warm_up_seconds=warm_up_seconds)
        if throughput and offered > throughput:
            self.echo(f"warning: {offered:,} orders/s is more than the worker's {throughput:,.0f} events/s: "
                      "the latency figures will mostly measure a growing backlog")
        with EventProducer(self.settings.kafka, linger_ms=LATENCY_LINGER_MS,
                           client_id="churnwatch-bench") as producer:
            def send(key: str, value: bytes) -> None:
                live_counts[key] += 1
                producer.send(self.settings.orders_topic, key, value)

            live = live_orders(workload.orders, lambda: int(time.time() * 1000))
            warm = produce_paced(live, send, offered, warm_up_seconds)
            producer.flush()
            self._wait_handled([worker], p.orders + warm)
            before = self._states_written(worker)
            started = time.monotonic()
            cpu_before = (_own_cpu_seconds(), worker.cpu_seconds())
            sent = produce_paced(live, send, offered, p.latency_seconds)
            offered_for = time.monotonic() - started
            producer_cpu, worker_cpu = (after - before for after, before in
                                        zip((_own_cpu_seconds(), worker.cpu_seconds()), cpu_before))
        drained_at, _ = self._wait_handled([worker], p.orders + warm + sent)[-1]
        after = worker.scrape()
        drain = max(0.0, drained_at - (started + offered_for))
        self._note_unprocessed(after, p.orders + warm + sent)
        achieved = sent / offered_for
        self.report.add("latency_rate", "latency phase: offered rate", achieved, "orders/s",
                        f"{sent:,} new orders stamped now, over {offered_for:.1f} s ({source}: "
                        f"{offered:,}/s), after a warm-up of {warm:,} orders over {warm_up_seconds:g} s at the "
                        "same rate, not measured (the first live orders move every partition's event-time clock "
                        "from the history's last day to today, and the gate holds the orders of a new day's "
                        "first grace period; live, that is the first seconds after each UTC midnight); "
                        f"producer linger {LATENCY_LINGER_MS} ms; every order applied "
                        f"{drain:.1f} s after the last was offered (the event-time gate holds the live orders of "
                        f"the first CHURNWATCH_GATE_GRACE={self.settings.gate_grace:g} s of a UTC day for about that "
                        "long, and the others not at all)"
                        + (" (the worker fell behind: the latency includes a backlog)"
                           if drain > self.settings.gate_grace + 1.0 else ""))
        processed, applied = after.latency.minus(before.latency), after.applied.minus(before.applied)
        self._quantiles("latency", "latency", processed,
                        f"EVENT-TO-PROCESSED latency (Kafka record timestamp, set at send, to the end of the batch "
                        f"that took it in, held at the event-time gate or applied), not event-to-alert; "
                        f"{processed.count:,.0f} records (the orders + the worker's ticks), linear interpolation "
                        "in the histogram's buckets")
        self._quantiles("applied", "latency to applied", applied,
                        f"EVENT-TO-APPLIED latency (Kafka record timestamp to the end of the batch that applied "
                        f"the order to its customer's state, any hold at the event-time gate included: about "
                        f"CHURNWATCH_GATE_GRACE={self.settings.gate_grace:g} s for an order of the first "
                        f"{self.settings.gate_grace:g} s of a UTC day); {applied.count:,.0f} orders")
        self.report.add("latency_state_writes_per_order", "latency phase: state writes per order",
                        self._states_written(worker).state_writes_since(before) / sent, "writes/order",
                        f"changelog records of customer states per offered order (each changed customer's newest "
                        f"state is written before each commit, every {self.settings.commit_interval:g} s; "
                        "counted from a moment with every state written to the next, after the drain)")
        self.report.add("latency_worker_cpu", "latency phase: worker CPU", 100 * worker_cpu / offered_for, "% of a CPU",
                        "user + system time of the worker process (its event loop and the Kafka client's "
                        "threads) over the offered period; near 100% the worker is CPU-bound")
        self.report.add("latency_producer_cpu", "latency phase: the bench's producer CPU",
                        100 * producer_cpu / offered_for, "% of a CPU",
                        f"the bench process (kafka-python, {self.machine_cpus} CPUs shared with the worker and "
                        "the broker) over the offered period: CPU the worker could not have")
        if achieved < offered * 0.95:
            self.echo(f"warning: offered only {achieved:,.0f} of {offered:,} orders/s "
                      "(the bench's producer was starved)")
        self.echo(f"latency: {sent:,} orders at {achieved:,.0f}/s, drained {drain:.1f} s after")

    def _states_written(self, worker: Worker) -> Scrape:
        """A scrape once the caught-up worker has written every changed state (its next commit
        does, within a commit interval), so that the state writes between two such scrapes are
        exactly those of the events in between (a customer staged across the start of a phase
        and changed in it would count for neither side)."""
        deadline = time.monotonic() + 2 * self.settings.commit_interval + 5
        scrape = worker.scrape()
        while scrape.unsent_states and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            scrape = worker.scrape()
        return scrape

    def _quantiles(self, key: str, label: str, delta: Histogram, what: str) -> None:
        """p50, p95 and p99 of the observations in `delta` as figures ``<key>_p50_ms`` ...; `what`
        (what the latency spans) goes into the p50's notes."""
        for q in (0.5, 0.95, 0.99):
            estimate = quantile(q, delta)
            value = None if estimate is None else estimate.seconds * 1000
            notes = [what] if q == 0.5 else []
            if estimate is not None and estimate.above_top:
                notes.append(f"in the top (+Inf) bucket: at least {value:,.0f} ms")
            name = f"p{round(q * 100)}"
            self.report.add(f"{key}_{name}_ms", f"{label} {name}", value, "ms", "; ".join(notes))

    def memory(self, worker: Worker, idle: int, customers: int, orders: int) -> None:
        used = worker.rss()
        self.report.add("worker_rss_mb", "worker RSS after the run", used / 1e6, "MB",
                        f"VmRSS with the state of {customers:,} customers and {orders:,} orders")
        self.report.add("idle_rss_mb", "idle worker RSS", idle / 1e6, "MB",
                        "a worker started the same way on empty topics, after /readyz")
        self.report.add("rss_per_100k_customers_mb", "memory per 100,000 customers",
                        per_100k_customers_mb(used, idle, customers), "MB",
                        "(RSS - idle RSS) / customers x 100,000; memory store")

    def recovery(self, worker: Worker, expected: Counter[str], empty_startup: float) -> None:
        worker.stop()
        changelog = self._changelog_records()
        restarted = self._start_worker(self.settings, "recovered")
        ready_at = restarted.wait_ready()
        sample = sorted(expected)[:: max(1, len(expected) // SAMPLE_CARDS)][:SAMPLE_CARDS]
        complete_at = self._wait_cards(restarted, {cid: expected[cid] for cid in sample})
        self.report.add("recovery_s", "cold recovery", complete_at - restarted.started, "s",
                        f"new process, empty data dir, same group, after SIGTERM of the old one: process start "
                        f"-> /readyz 200 ({ready_at - restarted.started:.1f} s) and {len(sample)} sample cards "
                        f"with every order; {len(expected):,} customers, {changelog:,} changelog records "
                        f"(an empty worker is ready {empty_startup:.1f} s after start)")
        self.echo(f"recovery: {complete_at - restarted.started:.1f} s")
        # Stopped here, not at the end: left running, it republished every card (what a restart
        # does) through the scale-out phase and took CPU from the workers measured there
        # (seen as a third worker process in `ps` during that phase; the speedup read 1.0x).
        restarted.stop()

    def _wait_cards(self, worker: Worker, orders: Mapping[str, int], timeout: float = 120.0) -> float:
        """Poll until the card of each customer in ``orders`` shows that many orders; the
        time.monotonic() when all did (a recovered worker answers /readyz before it serves them)."""
        deadline = time.monotonic() + timeout
        while True:
            wrong = [cid for cid, count in orders.items() if self._orders_on_card(worker, cid) != count]
            if not wrong:
                return time.monotonic()
            if time.monotonic() > deadline:
                raise WorkerFailed(f"{len(wrong)} of {len(orders)} cards incomplete {timeout:.0f} s after "
                                   f"/readyz, e.g. {wrong[0]}:\n{worker.log_tail()}")
            time.sleep(POLL_SECONDS)

    def _orders_on_card(self, worker: Worker, customer_id: str) -> int | None:
        answer = worker.poll_json(f"/customers/{customer_id}")
        return answer[1]["lifetime"]["orders"] if answer is not None and answer[0] == 200 else None

    def _changelog_records(self, settings: Settings | None = None) -> int:
        """Records in the changelog of ``settings``' app (default: the run's main app)."""
        from kafka import KafkaConsumer, TopicPartition

        settings = settings or self.settings
        topic = changelog_topic(settings)
        consumer = KafkaConsumer(bootstrap_servers=settings.kafka)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            return sum(consumer.end_offsets(partitions).values()) if partitions else 0
        finally:
            consumer.close()

    # -- state scale -------------------------------------------------------------------------

    def state_scale(self, idle: int) -> None:
        """N customers in rocksdb on one worker: recovery from the changelog, population summaries,
        card lookups, RSS; then recovery of a new process from the same rocksdb files."""
        n = self.params.state_customers
        settings = self.settings.with_overrides(topic_prefix=self.namespace + "state-", app_id=self.namespace + "state",
                                                store="rocksdb://")
        states = self._produce_states(settings, n)
        rng = random.Random(self.params.seed)
        sample = {states.customer_id(i): states.template(i).orders for i in rng.sample(range(n), min(n, SAMPLE_CARDS))}
        data_dir = self.workdir / "data-state"
        self._state_from_changelog(settings, states, sample, data_dir, idle, rng)
        self._state_from_rocksdb(settings, sample, data_dir)

    def _state_from_changelog(self, settings: Settings, states: ScaledStates, sample: Mapping[str, int],
                              data_dir: Path, idle: int, rng: random.Random) -> None:
        n = states.customers
        worker = self._start_worker(settings, "state", data_dir)
        recovered = self._timed_recovery(worker, sample, n)
        self.report.add("state_recovery_changelog_s", "state: cold recovery from the changelog", recovered, "s",
                        f"rocksdb worker, empty data dir: process start -> /readyz 200 and {len(sample)} random "
                        f"sample cards; {n:,} customers; {self._replayed(worker, settings)}")
        self.echo(f"state: recovered {n:,} customers from the changelog in {recovered:.1f} s")
        self._population_ready(worker, n)
        self._card_lookups(worker, states, rng)
        self._state_memory(worker, idle, n)
        stall, timers = self._loop_stalls(worker)
        self.report.add("state_loop_stall_s", "state: longest event-loop stall", stall, "s",
                        f"largest drift of a Faust timer in the worker's log from its start to after the lookups "
                        f"(no request is answered meanwhile); {timers}")
        worker.stop()

    def _state_from_rocksdb(self, settings: Settings, sample: Mapping[str, int], data_dir: Path) -> None:
        n = self.params.state_customers
        written = self._changelog_records(settings) - n
        worker = self._start_worker(settings, "state-restart", data_dir)
        recovered = self._timed_recovery(worker, sample, n)
        stall, _ = self._loop_stalls(worker)
        self.report.add("state_recovery_rocksdb_s", "state: cold recovery from rocksdb", recovered, "s",
                        f"new process on the same data dir after SIGTERM of the first, timed the same way; the "
                        f"first wrote {written:,} changelog records while it ran; {self._replayed(worker, settings)}; "
                        f"longest event-loop stall until the sample cards {stall:.1f} s")
        self.echo(f"state: recovered {n:,} customers from rocksdb in {recovered:.1f} s")
        worker.stop()

    def _loop_stalls(self, worker: Worker) -> tuple[float, str]:
        """The longest event-loop stall in the worker's log so far, and its overrunning timers."""
        text = worker.log_path.read_text(errors="replace")
        runs = sorted(overlapping_timers(text).items(), key=lambda item: -item[1])
        named = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in runs) or "none"
        return longest_stall(text), f"timers that overran their interval: {named}"

    def _replayed(self, worker: Worker, settings: Settings) -> str:
        """What the worker's log says its recovery read from the changelog."""
        records = replayed_records(worker.log_path.read_text(errors="replace"), changelog_topic(settings))
        if records is None:
            return "changelog records read: unknown (no recovery tables in the worker log)"
        return f"{records:,} changelog records read (Faust's recovery tables in the worker log)"

    def _produce_states(self, settings: Settings, n: int) -> ScaledStates:
        """Template states built with the core, then N re-identified ones written into the
        changelog, created beforehand as Faust creates it (compacted, same partitions)."""
        from agents.core.config import load_core_config
        from agents.core.rules.config import load_rules_config

        topic = changelog_topic(settings)
        ensure_topics(settings)  # first: the broker's metadata has them by the time the producer starts
        ensure_topics(settings, [TopicSpec(topic, settings.partitions, {"cleanup.policy": "compact"})])
        started = time.monotonic()
        core = load_core_config(settings.config_dir / "core.toml")
        rules = load_rules_config(settings.config_dir / "rules.toml")
        templates = build_templates(min(n, TEMPLATE_CUSTOMERS), settings.topic_prefix, int(time.time() * 1000), core,
                                    rules, self.params.seed)
        states = ScaledStates(settings.topic_prefix, n, templates)
        built = time.monotonic()
        produce_changelog(settings, topic, states.records(settings.partitions))
        produced = time.monotonic()
        megabytes = sum(len(t.encoded) for t in templates) / len(templates) * n / 1e6
        self.report.add("state_produce_s", "state: changelog produced", produced - built, "s",
                        f"{n:,} customer states (about {megabytes:,.0f} MB) straight into {topic}, "
                        f"{n / (produced - built):,.0f} records/s (made and sent; aiokafka, acks=all); each one of "
                        f"{len(templates)} template states, built in {built - started:.1f} s by applying "
                        "simulated orders with the domain core, under a new customer id")
        self.echo(f"state: {n:,} states produced in {produced - built:.1f} s")
        return states

    def _timed_recovery(self, worker: Worker, sample: Mapping[str, int], customers: int) -> float:
        """Seconds from the worker's process start until /readyz 200 and every sample card is right."""
        slack = customers * READY_SECONDS_PER_CUSTOMER
        worker.wait_ready(timeout=180.0 + slack)
        return self._wait_cards(worker, sample, timeout=120.0 + slack) - worker.started

    def _population_ready(self, worker: Worker, customers: int) -> None:
        """Time from the sample cards until every partition's population summary is on the board
        (/readyz lists them). The first summaries read every recovered state once; the lookups
        and the RSS are measured after that, on a worker in its steady state."""
        started = time.monotonic()
        timeout = 120.0 + customers * READY_SECONDS_PER_CUSTOMER
        expected = list(range(self.params.partitions))
        while (answer := worker.poll_json("/readyz")) is None or answer[1].get("population") != expected:
            if time.monotonic() - started > timeout:
                raise WorkerFailed(f"population summaries incomplete {timeout:.0f} s after recovery:\n"
                                   f"{worker.log_tail()}")
            time.sleep(POLL_SECONDS)
        seconds = time.monotonic() - started
        self.report.add("state_population_s", "state: population summaries ready", seconds, "s",
                        f"after the sample cards, until /readyz lists the summary of all {len(expected)} "
                        f"partitions ({customers:,} customers' RFM figures)")
        self.echo(f"state: population summaries ready {seconds:.1f} s after recovery")

    def _card_lookups(self, worker: Worker, states: ScaledStates, rng: random.Random) -> None:
        """GET /customers/{id} of random customers, then of unknown ones: client-side quantiles."""
        n = states.customers
        before = worker.scrape(LOOKUP_TIMEOUT).cards_published
        hits = worker.timed_gets((f"/customers/{states.customer_id(rng.randrange(n))}" for _ in range(CARD_LOOKUPS)),
                                 LOOKUP_TIMEOUT)
        misses = worker.timed_gets((f"/customers/{states.customer_id(n + i)}" for i in range(MISSING_LOOKUPS)),
                                   LOOKUP_TIMEOUT)
        after = worker.scrape(LOOKUP_TIMEOUT).cards_published
        failed = sum(1 for status, _ in hits if status != 200) + sum(1 for status, _ in misses if status != 404)
        if failed:
            self.echo(f"warning: {failed} card lookups answered an unexpected status")
        seconds = [elapsed for _, elapsed in hits]
        for q in (0.5, 0.95, 0.99):
            name = f"p{round(q * 100)}"
            notes = ""
            if q == 0.5:
                notes = (f"{len(hits):,} GETs /customers/{{id}} of random customers among {n:,}, one after the "
                         f"other on one keep-alive connection, client-side (card built from the rocksdb state); "
                         f"slowest {max(seconds) * 1000:,.1f} ms; {failed} unexpected statuses; the worker "
                         f"published {after - before:,.0f} cards meanwhile ({after:,.0f} since it started)")
            self.report.add(f"state_lookup_{name}_ms", f"state: card lookup {name}",
                            sample_quantile(q, seconds) * 1000, "ms", notes)
        missing = [elapsed for _, elapsed in misses]
        self.report.add("state_lookup_missing_p99_ms", "state: unknown-customer lookup p99",
                        sample_quantile(0.99, missing) * 1000, "ms",
                        f"{len(misses)} GETs of ids not in the state (404), p50 "
                        f"{sample_quantile(0.5, missing) * 1000:.2f} ms")
        self.echo(f"state: card lookup p99 {sample_quantile(0.99, seconds) * 1000:.1f} ms")

    def _state_memory(self, worker: Worker, idle: int, customers: int) -> None:
        used = worker.rss()
        self.report.add("state_worker_rss_mb", "state: worker RSS", used / 1e6, "MB",
                        f"VmRSS with {customers:,} customers in rocksdb, after the population summaries and the "
                        f"card lookups (an idle worker: {idle / 1e6:.0f} MB)")
        self.report.add("state_rss_per_100k_customers_mb", "state: memory per 100,000 customers",
                        per_100k_customers_mb(used, idle, customers), "MB",
                        "(RSS - idle RSS) / customers x 100,000; rocksdb store (its caches count, its files not)")
        self.echo(f"state: worker RSS {used / 1e6:,.0f} MB")

    # -- the whole run -------------------------------------------------------------------------

    def run(self) -> BenchReport:
        self.echo(f"namespace {self.namespace} on {self.settings.kafka}; work dir {self.workdir}")
        idle, empty_startup = self.idle_worker()
        if not self.params.only_state:
            self.main_phases(idle, empty_startup)
        if self.params.state_customers:
            self.state_scale(idle)
        return self.report

    def main_phases(self, idle: int, empty_startup: float) -> None:
        """Throughput, latency, memory, recovery and scale-out over the simulated orders."""
        workload = self.produce_workload()
        baseline = self.baseline()
        worker = self.throughput()
        churnwatch = self.report.value("churnwatch_events_per_s")
        self.report.add("throughput_ratio", "churnwatch / baseline", churnwatch / baseline, "x",
                        "same orders, same broker, same machine")
        live_counts: Counter[str] = Counter()
        self.latency(worker, workload, live_counts)
        expected = workload.per_customer + live_counts
        self.memory(worker, idle, len(expected), sum(expected.values()))
        self.recovery(worker, expected, empty_startup)
        self.scale_out(sum(expected.values()))

    def clean_up(self, keep_files: bool) -> None:
        for worker in self.workers:
            worker.stop()
        try:
            deleted = cleanup.delete_topics(self.settings.kafka, self.namespace)
            self.echo(f"deleted {len(deleted)} topics")
        except Exception as exc:  # report and carry on: the Redis keys and files still go
            self.echo(f"warning: could not delete the topics {self.namespace}*: {exc}")
        try:
            cleanup.delete_redis_keys(self.settings.redis, self.namespace)
        except Exception as exc:
            self.echo(f"warning: could not delete the Redis keys churnwatch:*:{self.namespace}*: {exc}")
        if keep_files:
            self.echo(f"worker logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_bench(params: BenchParams, base: Settings, echo: Echo) -> BenchReport:
    bench = BenchRun(params, base, echo)
    failed = True
    try:
        report = bench.run()
        failed = False
        return report
    finally:
        bench.clean_up(keep_files=failed)
