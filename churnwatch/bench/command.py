"""`churnwatch bench`: throughput, latency, memory and recovery beside a plain aiokafka baseline.

Runs against the Kafka and Redis of ``CHURNWATCH_KAFKA`` / ``CHURNWATCH_REDIS`` (every topic,
app id and customer id of a run is namespaced ``bench-<tag>-`` and removed at the end), starts
and stops its own worker processes, and prints a table; ``--json`` adds the same figures as
JSON (``--json`` alone: to stdout, and the table goes to stderr).
"""

from __future__ import annotations

import json

import click
from rich.console import Console

from churnwatch.command_support import json_option, settings_from_env, write_json


@click.command("bench")
@click.option("--orders", type=click.IntRange(min=1000), default=100_000, show_default=True,
              help="Orders pre-produced for the throughput runs.")
@click.option("--customers", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--rate", type=click.IntRange(min=1), default=None,
              help="Orders per second offered in the latency phase [default: a quarter of the measured "
                   "throughput].")
@click.option("--latency-seconds", type=click.FloatRange(min=1.0), default=20.0, show_default=True,
              help="Length of the latency phase.")
@click.option("--partitions", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Simulation seed.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Workers of the scale-out phase (1 skips it).")
@click.option("--state-customers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Customers of the state-scale phase: their states are written into a rocksdb worker's "
                   "changelog, then recovery (from the changelog, then from rocksdb), card lookups and memory "
                   "are measured. 0 skips it; the issue's scale is 1000000.")
@click.option("--only-state", is_flag=True,
              help="Run only the state-scale phase (after the idle worker); needs --state-customers.")
@json_option
def bench_command(orders: int, customers: int, rate: int | None, latency_seconds: float, partitions: int, seed: int,
                  workers: int, state_customers: int, only_state: bool, json_out: str | None) -> None:
    """Measure a real worker beside a plain aiokafka consumer, in one run on this machine.

    Throughput (events/s, and the ratio to the baseline), event-to-processed latency at a fixed
    offered rate (p50/p95/p99), worker memory per 100,000 customers, and cold recovery time of
    a new worker restoring the state from the changelog, and the throughput of several workers.
    With --state-customers: the same at scale in rocksdb (recovery, card lookup latency, memory).
    """
    from churnwatch.bench.report import parameters_line, render_table
    from churnwatch.bench.run import BenchParams, run_bench
    from churnwatch.bench.worker import WorkerFailed

    if only_state and not state_customers:
        raise click.UsageError("--only-state needs --state-customers N (N > 0)")
    base = settings_from_env()
    progress = Console(stderr=True)
    screen = Console(stderr=json_out == "-")
    params = BenchParams(orders=orders, customers=customers, rate=rate, latency_seconds=latency_seconds,
                         partitions=partitions, seed=seed, workers=workers, state_customers=state_customers,
                         only_state=only_state)
    try:
        report = run_bench(params, base, lambda line: progress.print(f"[dim]bench:[/] {line}", highlight=False))
    except (WorkerFailed, RuntimeError, TimeoutError) as exc:
        raise click.ClickException(str(exc)) from None
    screen.print(render_table(report))
    screen.print(parameters_line(report), highlight=False)
    if json_out is not None:
        write_json(json.dumps(report.to_json(), indent=2), json_out)
