"""The `churnwatch` command line (click)."""

from __future__ import annotations

import sys

import click

from churnwatch.command_support import settings_from_env as _settings
from churnwatch.stack.errors import StackError


@click.group()
def main() -> None:
    """churnwatch: early warning for key accounts, on Kafka and Faust."""


@main.group()
def stack() -> None:
    """The embedded local stack: Apache Kafka (KRaft) and Redis on loopback."""


def _stack_config():
    from churnwatch.stack.config import StackConfig

    return StackConfig.from_settings(_settings())


@stack.command("up")
@click.option("--fresh", is_flag=True, help="Start from empty Kafka and Redis data.")
def stack_up(fresh: bool) -> None:
    """Start Kafka and Redis (idempotent) and wait until both answer."""
    from churnwatch.stack import manager

    cfg = _stack_config()
    try:
        states = manager.up(cfg, fresh=fresh, echo=click.echo)
    except StackError as exc:
        raise click.ClickException(str(exc)) from None
    for s in states:
        click.echo(s.line())


@stack.command("down")
def stack_down() -> None:
    """Stop the Kafka and Redis processes that `stack up` started (nothing else)."""
    from churnwatch.stack import manager

    stopped = manager.down(_stack_config(), echo=click.echo)
    if not stopped:
        click.echo("nothing of ours was running")


@stack.command("status")
def stack_status() -> None:
    """Say what runs where; exit 1 when a service is down."""
    from churnwatch.stack import manager

    states = manager.status(_stack_config())
    for s in states:
        click.echo(s.line())
    if not all(s.running for s in states):
        sys.exit(1)


@main.command()
@click.option("--loglevel", default=None, help="Log level (default from CHURNWATCH_LOG_LEVEL).")
def worker(loglevel: str | None) -> None:
    """Run a Faust worker: the customer agent plus web API on CHURNWATCH_WEB_PORT."""
    from churnwatch.worker import run_worker

    run_worker(_settings(), loglevel=loglevel)


def _register_tool_commands() -> None:
    """Commands whose modules are heavier (pandas, kafka clients) are imported on demand."""
    from churnwatch.alerts_tail import alerts_group
    from churnwatch.backtest.command import backtest_command
    from churnwatch.bench.ab_command import bench_ab_command
    from churnwatch.bench.command import bench_command
    from churnwatch.bench.core_command import bench_core_command
    from churnwatch.demo import demo_command
    from churnwatch.replay.command import replay_command
    from churnwatch.simulation.command import simulate_command

    main.add_command(simulate_command, "simulate")
    main.add_command(replay_command, "replay")
    main.add_command(demo_command, "demo")
    main.add_command(alerts_group, "alerts")
    main.add_command(backtest_command, "backtest")
    main.add_command(bench_command, "bench")
    main.add_command(bench_core_command, "bench-core")
    main.add_command(bench_ab_command, "bench-ab")


_register_tool_commands()
