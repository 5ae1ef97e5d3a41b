"""`churnwatch demo`: the whole pipeline on the local stack, with a manager's summary at the end.

Steps: stack up; a worker on its own topics (a fresh prefix per run, so a demo never mixes with
earlier data); two simulated years produced as fast as possible; wait until the worker has
processed every event; then print alerts by kind, the at-risk key accounts of each account
manager with their one-line messages, and where to look next. Unless `--keep`, it stops the
worker and the stack it started.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import click
import requests
from rich.console import Console
from rich.table import Table

from churnwatch.stack import manager
from churnwatch.stack.config import StackConfig
from churnwatch.stack.errors import StackError
from streams.settings import Settings

console = Console()


def _processed(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("churnwatch_events_total{") and 'outcome="invalid"' not in line)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise click.ClickException(f"timed out after {timeout:.0f}s waiting for {what}")


@click.command("demo")
@click.option("--customers", default=500, show_default=True, help="Simulated customers.")
@click.option("--months", default=24, show_default=True, help="Months of simulated history.")
@click.option("--seed", default=7, show_default=True)
@click.option("--keep", is_flag=True, help="Leave the worker and the stack running at the end.")
def demo_command(customers: int, months: int, seed: int, keep: bool) -> None:
    """Stack up, a worker, simulated history, and the at-risk key accounts per manager."""
    base = Settings.from_env()
    run = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    settings = base.with_overrides(topic_prefix=f"demo{run}-", app_id=f"churnwatch-demo{run}",
                                   data_dir=Path(base.data_dir) / f"demo{run}")
    cfg = StackConfig.from_settings(settings)
    was_running = all(s.running for s in manager.status(cfg))
    console.rule("[bold]1. local stack")
    try:
        manager.up(cfg, echo=console.print)
    except StackError as exc:
        raise click.ClickException(str(exc)) from None

    console.rule("[bold]2. worker")
    log_path = Path(settings.data_dir) / "worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "churnwatch", "worker"], env=settings.as_environ(),
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = settings.web_url
    try:
        _wait(lambda: requests.get(url + "/readyz", timeout=2).status_code == 200, 120, "the worker")
        console.print(f"worker ready at {url} (log: {log_path})")

        console.rule(f"[bold]3. {months} months of history for {customers} customers")
        truth = Path(settings.data_dir) / "truth.csv"
        subprocess.run([sys.executable, "-m", "churnwatch", "simulate", "--customers", str(customers),
                        "--months", str(months), "--seed", str(seed), "--truth", str(truth),
                        "--topic-prefix", settings.topic_prefix, "--partitions", str(settings.partitions),
                        "--bootstrap", settings.kafka], env=settings.as_environ(), check=True)
        produced = sum(1 for _ in _simulated_events(customers, months, seed))
        started = time.monotonic()
        with console.status("the worker is catching up...") as status:
            def caught_up() -> bool:
                done = _processed(url)
                status.update(f"the worker is catching up: {done:,.0f} / {produced:,} events")
                return done >= produced
            _wait(caught_up, 3600, "the worker to process the history")
        console.print(f"processed {produced:,} events in {time.monotonic() - started:.0f}s after production")
        time.sleep(2 * settings.publish_interval + settings.population_interval)

        console.rule("[bold]4. what an account manager sees")
        _summary(url)
        console.print(f"\nmanager page: [bold]{url}/ui[/]   metrics: [bold]{url}/metrics[/]   "
                      f"alerts API: {url}/alerts?manager=...   truth file: {truth}")
        if keep:
            console.print(f"worker left running (pid {worker.pid}); stop it with `kill {worker.pid}`"
                          " and the stack with `churnwatch stack down`")
    finally:
        if not keep:
            worker.terminate()
            worker.wait(timeout=60)
            if not was_running:
                manager.down(cfg, echo=console.print)


def _simulated_events(customers: int, months: int, seed: int):
    from churnwatch.simulation.generator import simulate
    from churnwatch.simulation.spec import SimulationSpec

    return simulate(SimulationSpec(customers=customers, months=months, seed=seed))


def _summary(url: str) -> None:
    alerts = requests.get(url + "/alerts", timeout=10).json()["alerts"]
    by_kind = Counter((a["kind"], a["state"]) for a in alerts)
    table = Table(title="alert lifecycle events by kind")
    table.add_column("kind")
    for state in ("open", "escalated", "resolved"):
        table.add_column(state, justify="right")
    for kind in sorted({k for k, _ in by_kind}):
        table.add_row(kind, *(str(by_kind[(kind, s)]) for s in ("open", "escalated", "resolved")))
    console.print(table)

    live = [a for a in alerts if a["state"] in ("open", "escalated")]
    per_manager: dict[str, list[dict]] = defaultdict(list)
    for alert in live:
        per_manager[alert.get("account_manager") or "(no manager)"].append(alert)
    for manager_name in sorted(per_manager):
        rows = sorted(per_manager[manager_name], key=lambda a: a["customer_id"])
        table = Table(title=f"{manager_name}: {len({a['customer_id'] for a in rows})} at-risk accounts",
                      title_justify="left")
        for column in ("customer", "tier", "kind", "severity", "message"):
            table.add_column(column)
        for alert in rows:
            table.add_row(alert["customer_id"], str(alert.get("tier")), alert["kind"], alert["severity"],
                          alert["message"])
        console.print(table)
    if not live:
        console.print("no open alerts")
