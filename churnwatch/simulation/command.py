"""`churnwatch simulate`: a seeded synthetic history into Kafka, or into replayable files.

Fast mode (``--speed 0``) produces as fast as the producer goes. Live mode (``--speed X``)
paces the stream so that X seconds of event time pass per wall-clock second, for watching
the worker react. ``--out DIR`` writes the same history as replay files instead, so that
one history can be replayed or backtested later.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Sequence

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents.core.events import Event, Profile
from churnwatch.replay.format import TOPICS, ReplayFileWriter, format_ms, topic_of
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import Customer, build_population
from churnwatch.simulation.scenarios import Scenario
from churnwatch.simulation.spec import SimulationSpec
from churnwatch.simulation.truth import truth_rows, write_truth
from streams.codec import DEFAULT_MAX_FUTURE_MS, encode_event

PROGRESS_EVERY = 5_000


def _default_bootstrap() -> str:
    # kafka-python is imported only when a command needs it: `churnwatch --help` stays fast.
    from churnwatch.producer import default_bootstrap

    return default_bootstrap()


@click.command("simulate")
@click.option("--customers", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--months", type=click.IntRange(min=2), default=24, show_default=True, help="Length of the history.")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same events, byte for byte.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2024-01-01", show_default=True,
              help="First month of the history (its first day is used).")
@click.option("--managers", type=click.IntRange(min=1), default=6, show_default=True, help="Number of account managers.")
@click.option("--truth", "truth_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the scripted truth (customer_id, scenario, onset, account_manager, key_account) as CSV.")
@click.option("--bootstrap", default=_default_bootstrap, show_default="$CHURNWATCH_KAFKA or 127.0.0.1:9092")
@click.option("--speed", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="0 = as fast as possible; X > 0 = X event-seconds per wall second.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write orders.csv, payments.csv, complaints.csv, customers.csv here instead of producing.")
@click.option("--topic-prefix", default="", help="Prefix of the topic names.")
@click.option("--partitions", type=click.IntRange(min=1), default=6, show_default=True,
              help="Partitions of topics that must be created.")
@click.pass_context
def simulate_command(ctx: click.Context, customers: int, months: int, seed: int, start: datetime, managers: int,
                     truth_path: Path | None, bootstrap: str, speed: float, out_dir: Path | None,
                     topic_prefix: str, partitions: int) -> None:
    """Simulate customers with scripted churn stories and produce their events.

    Profiles go to `customers`, then orders, payments (invoices and payments) and complaints
    in event-time order, keyed by customer id; each day is in Kafka before the next is sent,
    so a worker may read while the history is produced. Stories (onset in the second half of the
    history): volume_decline, range_narrowing, silent_lapse, late_payer, unresolved_complaint;
    false-alarm bait: seasonal_dip, one_month_gap, consolidation; the rest steady. Exit code 1
    if any event failed to produce.
    """
    if out_dir is not None and speed > 0:
        raise click.UsageError("--speed paces a Kafka stream; it cannot be combined with --out")
    spec = SimulationSpec(customers, months, seed, start.date(), managers)
    console = Console(stderr=True)
    _warn_about_future_events(console, spec)
    population = build_population(spec)
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        write_truth(truth_path, truth_rows(population))
    counts: Counter[str] = Counter()
    started = time.monotonic()
    if out_dir is not None:
        with ReplayFileWriter(out_dir) as writer:
            _run(simulate(spec, population), spec, writer.write, counts, console, speed=0.0)
        failures = 0
        destination = str(out_dir)
    else:
        from churnwatch.producer import DayByDay, ProducerSetupError, open_producer

        try:
            producer = open_producer(bootstrap, [topic_prefix + t for t in TOPICS], partitions,
                                     compacted={topic_prefix + "customers"})
        except ProducerSetupError as error:
            raise click.ClickException(str(error)) from None
        with producer:
            day_by_day = DayByDay(producer.flush)

            def send(event: Event) -> None:
                day_by_day.before(event)
                producer.send(topic_prefix + topic_of(event), event.customer_id, encode_event(event))

            _run(simulate(spec, population), spec, send, counts, console, speed=speed)
        failures = len(producer.failures)
        destination = f"kafka {bootstrap}" + (f" (prefix {topic_prefix!r})" if topic_prefix else "")
    elapsed = time.monotonic() - started
    _summary(spec, destination, counts, population, elapsed, failures, truth_path)
    if failures:
        ctx.exit(1)


def _warn_about_future_events(console: Console, spec: SimulationSpec) -> None:
    """The worker (and replay) refuse events dated more than a day ahead of the wall clock."""
    end_ms = spec.month_starts_ms()[-1]
    if end_ms > time.time() * 1000 + DEFAULT_MAX_FUTURE_MS:
        console.print(f"[yellow]warning:[/] the history runs until {format_ms(end_ms)}; events dated more than a "
                      "day ahead of now will be refused as future_timestamp (choose an earlier --start)")


def _run(events: Iterable[Event], spec: SimulationSpec, sink: Callable[[Event], None], counts: Counter[str],
         console: Console, *, speed: float) -> None:
    """Feed every event to ``sink``; in live mode sleep so event time advances ``speed`` x wall time."""
    month_starts = spec.month_starts_ms()
    first, last = month_starts[0], month_starts[-1]
    wall_start = time.monotonic()
    with Progress(TextColumn("simulating [bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[events]:,} events"), console=console, transient=True) as progress:
        task = progress.add_task(format_ms(first)[:10], total=last - first, events=0)
        for n, event in enumerate(events):
            occurred = first if isinstance(event, Profile) else event.occurred_ms
            slept = False
            if speed > 0 and not isinstance(event, Profile):
                ahead = (occurred - first) / 1000.0 / speed - (time.monotonic() - wall_start)
                if ahead > 0.005:
                    time.sleep(ahead)
                    slept = True
            sink(event)
            counts[topic_of(event)] += 1
            if slept or n % PROGRESS_EVERY == 0:
                progress.update(task, completed=occurred - first, description=format_ms(occurred)[:10], events=n)


def _summary(spec: SimulationSpec, destination: str, counts: Counter[str], population: Sequence[Customer],
             elapsed: float, failures: int, truth_path: Path | None) -> None:
    total = sum(counts.values())
    events = Table("topic", "events")
    events.columns[1].justify = "right"
    for topic in TOPICS:
        events.add_row(topic, f"{counts[topic]:,}")
    events.add_row("[bold]total", f"[bold]{total:,}")
    stories = Table("scenario", "key accounts", "others")
    for column in stories.columns[1:]:
        column.justify = "right"
    by_story = Counter((c.scenario.scenario, c.profile.key_account) for c in population)
    for scenario in Scenario:
        stories.add_row(scenario.value, str(by_story[scenario, True]), str(by_story[scenario, False]))
    out = Console()
    out.print(f"simulated {spec.customers} customers x {spec.months} months (seed {spec.seed}) -> {destination}")
    out.print(events)
    out.print(stories)
    if truth_path is not None:
        out.print(f"truth: {truth_path}")
    out.print(f"elapsed {elapsed:.1f}s, {total / elapsed if elapsed else 0:,.0f} events/s"
              + (f", [red]{failures} produce failures[/]" if failures else ""))
