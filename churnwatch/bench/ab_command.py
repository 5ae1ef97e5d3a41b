"""`churnwatch bench-ab OTHER_PYTHON` (see `churnwatch.bench.ab`); light to import, as every
command module is imported when the command line starts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from churnwatch.command_support import settings_from_env


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
    from churnwatch.bench.ab import run_ab, summary
    from churnwatch.bench.run import BenchParams

    base = settings_from_env()
    params = BenchParams(orders=orders, customers=customers, partitions=partitions, seed=seed, workers=1)
    rates = run_ab(params, base, other_python, rounds, click.echo)
    click.echo(summary(rates))
    if json_out is not None:
        Path(json_out).write_text(json.dumps({"other_python": other_python, "orders": orders,
                                              "customers": customers, "events_per_s": rates}, indent=2) + "\n")
