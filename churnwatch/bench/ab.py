"""`churnwatch bench-ab OTHER_PYTHON`: this install's worker against another install's, in turns,
over the same pre-produced orders.

Why: on a shared 2-core machine a worker's events/s moves by tens of percent between runs of
`churnwatch bench` minutes apart, which hides a change of 10%. Here both versions read the same
orders from the same broker in alternating passes (this, other, then other, this, ...), so a
slow stretch of the machine hits both, and the medians are compared. OTHER_PYTHON is the Python
of the other checkout's virtualenv (with that checkout installed, e.g. `pip install -e`); each
pass is a fresh worker with its own app id (consumer group, changelog, state), timed from its
`/readyz` to the last order handled, as in the throughput phase of `churnwatch bench`.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Callable

import click

from churnwatch.bench.run import BenchParams, BenchRun
from streams.settings import Settings, SettingsError

INSTALLS = ("this", "other")


def run_ab(params: BenchParams, base: Settings, other_python: str, rounds: int,
           echo: Callable[[str], None]) -> dict[str, list[float]]:
    """Events/s of each pass, by install ("this", "other")."""
    pythons = {"this": sys.executable, "other": other_python}
    rates: dict[str, list[float]] = {install: [] for install in INSTALLS}
    bench = BenchRun(params, base, echo)
    failed = True
    try:
        bench.produce_workload()
        for round_ in range(rounds):
            for install in INSTALLS if round_ % 2 == 0 else INSTALLS[::-1]:
                events_per_s = bench.fresh_worker_pass(f"{install}{round_}", pythons[install])
                rates[install].append(events_per_s)
                echo(f"round {round_ + 1}, {install}: {events_per_s:,.0f} events/s")
        failed = False
    finally:
        bench.clean_up(keep_files=failed)
    return rates


def summary(rates: dict[str, list[float]]) -> str:
    medians = {install: statistics.median(values) for install, values in rates.items()}
    ranges = {install: f"{min(values):,.0f}-{max(values):,.0f}" for install, values in rates.items()}
    return (f"median events/s: this {medians['this']:,.0f} ({ranges['this']}), other {medians['other']:,.0f} "
            f"({ranges['other']}); this / other {medians['this'] / medians['other']:.3f}")


@click.command("bench-ab")
@click.argument("other_python", type=click.Path(exists=True, dir_okay=False))
@click.option("--orders", type=click.IntRange(min=1000), default=100_000, show_default=True)
@click.option("--customers", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--partitions", type=click.IntRange(min=1), default=6, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Simulation seed.")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="Passes of each install.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write every pass's events/s as JSON to this file.")
def bench_ab_command(other_python: str, orders: int, customers: int, partitions: int, seed: int, rounds: int,
                     json_out: str | None) -> None:
    """Compare this install's worker with the one of OTHER_PYTHON (another checkout's
    virtualenv) in alternating passes over the same orders, on CHURNWATCH_KAFKA."""
    try:
        base = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    params = BenchParams(orders=orders, customers=customers, partitions=partitions, seed=seed, workers=1)
    rates = run_ab(params, base, other_python, rounds, click.echo)
    click.echo(summary(rates))
    if json_out is not None:
        Path(json_out).write_text(json.dumps({"other_python": other_python, "orders": orders,
                                              "customers": customers, "events_per_s": rates}, indent=2) + "\n")
