"""`churnwatch backtest FILE...`: run the alert rules over a history offline and score them.

FILE may be a history file (CSV, TSV, whitespace text, Parquet in the replay layout; the topic is
read from the file name, orders/payments/complaints/customers, or given with ``--topic-for``) or
a directory written by ``churnwatch simulate --out`` (its four files are used). Every row passes
the worker's validation; refused rows are counted, not replayed. Exit code 0 once the report is
written; 2 when an input cannot be read as asked.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from agents.core.config import CoreConfig, load_core_config
from agents.core.events import Order
from agents.core.rules.config import RulesConfig, load_rules_config
from agents.core.timeutil import format_ms
from churnwatch.backtest.metrics import read_truth, score_against_truth, score_holdout, summary_counts
from churnwatch.backtest.report import print_report, write_alerts_csv, write_json
from churnwatch.backtest.runner import TOPIC_NAMES, BacktestInputError, load_history, run_backtest
from streams.settings import DEFAULT_CONFIG_DIR

_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; a directory stands for its orders/payments/complaints/customers files."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in _SUFFIXES and p.stem.lower() in TOPIC_NAMES)
        if not found:
            raise click.UsageError(f"{path} holds no orders/payments/complaints/customers file")
        files += found
    return files


def _default(path: Path) -> Path | None:
    return path if path.exists() else None


def _topic_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, topic = pair.rpartition("=")
        if not sep or not name or topic not in TOPIC_NAMES:
            raise click.BadParameter(f"{pair!r}: expected FILE=TOPIC with TOPIC one of {', '.join(TOPIC_NAMES)}",
                                     param_hint="--topic-for")
        overrides[name] = topic
    return overrides


@click.command("backtest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--truth", "truth_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Scripted truth CSV (customer_id, scenario, onset, account_manager, key_account): "
                   "score precision, recall and lead time per scenario.")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rule thresholds [default: config/rules.toml].")
@click.option("--core", "core_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Core settings [default: config/core.toml].")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as JSON.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a PNG of alerts opened per week, by kind.")
@click.option("--alerts", "alerts_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every alert event (open, escalated, resolved) as CSV.")
@click.option("--holdout-days", type=click.IntRange(min=1), default=90, show_default=True,
              help="Without --truth: did an alerted customer order again within this many days?")
@click.option("--topic-for", "topic_for", multiple=True, metavar="FILE=TOPIC",
              help="Topic of a file whose name does not say it (repeatable).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
              help="Advance the event-time clock to this date (UTC) after the last event "
                   "[default: the day after the last event].")
def backtest_command(files: tuple[Path, ...], truth_path: Path | None, rules_path: Path | None,
                     core_path: Path | None, json_path: Path | None, chart_path: Path | None,
                     alerts_path: Path | None, holdout_days: int, topic_for: tuple[str, ...],
                     until: datetime | None) -> None:
    """Run the early-warning rules over history FILE(s) offline, as the worker would have.

    Events are sorted by occurred_at and driven through the same engine as a worker partition
    (evaluations at day boundaries of event time). Reports alerts per kind and per
    manager-week; with --truth precision, recall and days from onset to alert per scenario (key
    accounts, within two periods of the onset); without it, the share of alerted customers who
    did not order again within --holdout-days.
    """
    console = Console()
    rules_path = rules_path or _default(DEFAULT_CONFIG_DIR / "rules.toml")
    core_path = core_path or _default(DEFAULT_CONFIG_DIR / "core.toml")
    try:
        core = load_core_config(core_path) if core_path else CoreConfig()
        rules = load_rules_config(rules_path) if rules_path else RulesConfig()
        truth = read_truth(truth_path) if truth_path else None
        started = time.monotonic()
        with console.status("reading history"):
            history = load_history(_expand(files), _topic_overrides(topic_for))
    except (BacktestInputError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    until_ms = None if until is None else int(until.replace(tzinfo=UTC).timestamp()) * 1000
    with console.status("running the rules"):
        run = run_backtest(history.events, core, rules, until_ms=until_ms)
    elapsed = time.monotonic() - started
    document = {
        "input": {
            "files": [str(f) for f in _expand(files)],
            "events": len(history.events),
            "events_by_topic": dict(history.accepted),
            "rejected": {f"{topic}:{reason}": n for (topic, reason), n in sorted(history.rejected.items())},
            "outcomes": dict(run.outcomes),
            "customers": len(run.states),
            "first_event": format_ms(run.first_ms),
            "end": format_ms(run.end_ms),
            "evaluations": run.evaluations,
            "elapsed_seconds": round(elapsed, 2),
            "rules": str(rules_path) if rules_path else "(built-in defaults)",
        },
        "alerts": summary_counts(run.alerts),
        "truth": None,
        "holdout": None,
    }
    if truth is not None:
        document["truth"] = score_against_truth(run.alerts, truth, run.states)
    elif run.end_ms is not None:
        orders: dict[str, list[int]] = defaultdict(list)
        for event in history.events:
            if isinstance(event, Order):
                orders[event.customer_id].append(event.occurred_ms)
        document["holdout"] = score_holdout(run.alerts, orders, run.end_ms, holdout_days)
    print_report(console, document)
    if json_path:
        write_json(json_path, document)
    if alerts_path:
        write_alerts_csv(alerts_path, run.alerts)
    if chart_path:
        from churnwatch.backtest.chart import write_chart

        write_chart(chart_path, run.alerts)
    written = [str(p) for p in (json_path, alerts_path, chart_path) if p]
    if written:
        console.print("written: " + ", ".join(written))
