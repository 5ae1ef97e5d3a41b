"""`churnwatch alerts tail`: follow the alert topic, filtered (kafka-python, no consumer group)."""

from __future__ import annotations

import json

import click
from kafka import KafkaConsumer

from streams.kafka_security import client_options
from streams.settings import Settings


@click.group("alerts")
def alerts_group() -> None:
    """Early-warning alerts."""


@alerts_group.command("tail")
@click.option("--manager", help="Only this account manager's alerts.")
@click.option("--kind", help="Only this kind (volume_decline, range_narrowing, ...).")
@click.option("--severity", help="Only this severity (low, medium, high, critical).")
@click.option("--from-beginning", is_flag=True, help="Start with the oldest alert, not the next one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document per line.")
@click.option("--max-messages", type=int, default=None, help="Stop after this many matching alerts.")
@click.option("--idle-timeout", type=float, default=None, help="Stop after this many seconds without a message.")
def tail_command(manager: str | None, kind: str | None, severity: str | None, from_beginning: bool,
                 as_json: bool, max_messages: int | None, idle_timeout: float | None) -> None:
    """Print alerts as they are raised, escalated and resolved."""
    settings = Settings.from_env()
    consumer = KafkaConsumer(
        settings.alerts_topic, bootstrap_servers=settings.kafka, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        consumer_timeout_ms=int(idle_timeout * 1000) if idle_timeout else float("inf"),
        **client_options(settings),
    )
    shown = 0
    try:
        for message in consumer:
            alert = json.loads(message.value)
            if (manager and alert.get("account_manager") != manager) or (kind and alert.get("kind") != kind) \
                    or (severity and alert.get("severity") != severity):
                continue
            if as_json:
                click.echo(json.dumps(alert, ensure_ascii=False))
            else:
                click.echo(f"{alert['occurred_at']}  {alert['state']:<9} {alert['severity']:<8} "
                           f"{alert['customer_id']:<10} {alert.get('account_manager') or '-':<12} "
                           f"{alert['kind']:<20} {alert['message']}")
            shown += 1
            if max_messages is not None and shown >= max_messages:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
