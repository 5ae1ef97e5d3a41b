"""`churnwatch bench-core`: the worker's domain work per event, no broker (see `core_cost`).

Prints one line per round and the median of the rounds; ``--json`` adds them as JSON (``--json``
alone: to stdout, and the lines go to stderr). To compare two versions, run it alternately in
their checkouts (each with its own virtualenv) and compare the medians.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict
from pathlib import Path

import click

from streams.settings import Settings, SettingsError


@click.command("bench-core")
@click.option("--orders", type=click.IntRange(min=1000), default=100_000, show_default=True)
@click.option("--customers", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Simulation seed.")
@click.option("--rounds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed passes; the median is reported.")
@click.option("--json", "json_out", is_flag=False, flag_value="-", default=None, metavar="[FILE]",
              help="Also write the figures as JSON to FILE (to stdout when no FILE is given).")
def bench_core_command(orders: int, customers: int, seed: int, rounds: int, json_out: str | None) -> None:
    """Time the worker's domain work per event (decode, gate, apply, rules, state encode, card)
    over the bench's simulated orders, without Kafka, Redis or Faust."""
    from agents.core.config import load_core_config
    from agents.core.rules.config import load_rules_config
    from churnwatch.bench.core_cost import measure, order_records
    from streams.gc_tuning import tune_gc

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    core = load_core_config(settings.config_dir / "core.toml")
    rules = load_rules_config(settings.config_dir / "rules.toml")
    now_ms = int(time.time() * 1000)
    say = click.get_text_stream("stderr" if json_out == "-" else "stdout")
    records = order_records(orders, customers, seed, now_ms)
    tune_gc(settings.gc_threshold)  # as the worker does once it has started
    costs = []
    for round_ in range(1, rounds + 1):
        cost = measure(records, core, rules, now_ms)
        costs.append(cost)
        say.write(f"round {round_}: {_line(cost.batch_us, cost.encode_us, cost.cards_us)}; "
                  f"{cost.changed:,} state writes and cards, {cost.alerts:,} alerts\n")
    median = {part: statistics.median(getattr(cost, part) for cost in costs)
              for part in ("batch_us", "encode_us", "cards_us")}
    say.write(f"median of {rounds}: {_line(median['batch_us'], median['encode_us'], median['cards_us'])}\n")
    if json_out is not None:
        document = json.dumps({"orders": orders, "customers": customers, "seed": seed,
                               "rounds": [asdict(cost) for cost in costs],
                               "median_us_per_event": median}, indent=2)
        if json_out == "-":
            click.echo(document)
        else:
            Path(json_out).write_text(document + "\n")


def _line(batch_us: float, encode_us: float, cards_us: float) -> str:
    total = batch_us + encode_us + cards_us
    return (f"{total:.1f} us/event ({1e6 / total:,.0f} events/s of domain work): batch step {batch_us:.1f}, "
            f"state encode {encode_us:.1f}, cards {cards_us:.1f}")
