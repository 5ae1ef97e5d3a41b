"""`churnwatch bench-core`: the worker's domain work per event, no broker (see `core_cost`).

Prints one line per round and the median of the rounds; ``--json`` adds them as JSON (``--json``
alone: to stdout, and the lines go to stderr). To compare two versions, run it alternately in
their checkouts (each with its own virtualenv) and compare the medians.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

import click

from churnwatch.command_support import json_option, settings_from_env, write_json

if TYPE_CHECKING:  # the command line imports every command at start: the core comes in on use
    from churnwatch.bench.core_cost import CoreCost


@click.command("bench-core")
@click.option("--orders", type=click.IntRange(min=1000), default=100_000, show_default=True)
@click.option("--customers", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Simulation seed.")
@click.option("--rounds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed passes; the median is reported.")
@json_option
def bench_core_command(orders: int, customers: int, seed: int, rounds: int, json_out: str | None) -> None:
    """Time the worker's domain work per event (decode, gate, apply, rules, state encode, card)
    over the bench's simulated orders, without Kafka, Redis or Faust."""
    from agents.core.config import load_core_config
    from agents.core.rules.config import load_rules_config
    from churnwatch.bench.core_cost import measure, order_records
    from streams.gc_tuning import tune_gc

    settings = settings_from_env()
    core = load_core_config(settings.config_dir / "core.toml")
    rules = load_rules_config(settings.config_dir / "rules.toml")
    now_ms = int(time.time() * 1000)
    say = click.get_text_stream("stderr" if json_out == "-" else "stdout")
    records = order_records(orders, customers, seed, now_ms)
    tune_gc(settings.gc_threshold)  # as the worker does once it has started
    costs = []
    for round_, cost in enumerate(measure(records, core, rules, now_ms, rounds), 1):
        costs.append(cost)
        say.write(f"round {round_}: {_line(cost)}; "
                  f"{cost.changed:,} state writes and cards, {cost.alerts:,} alerts\n")
    median = {part: statistics.median(getattr(cost, part) for cost in costs)
              for part in ("batch_us", "encode_us", "cards_us")}
    say.write(f"median of {rounds}: {_line(replace(costs[0], **median))}\n")
    if json_out is not None:
        write_json(json.dumps({"orders": orders, "customers": customers, "seed": seed,
                               "rounds": [asdict(cost) for cost in costs],
                               "median_us_per_event": median}, indent=2), json_out)


def _line(cost: CoreCost) -> str:
    return (f"{cost.total_us:.1f} us/event ({cost.events_per_s:,.0f} events/s of domain work): batch step "
            f"{cost.batch_us:.1f}, state encode {cost.encode_us:.1f}, cards {cost.cards_us:.1f}")
