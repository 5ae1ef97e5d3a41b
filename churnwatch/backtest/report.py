"""Presenting a backtest: rich tables on screen, a JSON document, the alert events as CSV.

The JSON document (``--json``) has the keys ``input`` (files, events, rejects, period covered),
``alerts`` (`metrics.summary_counts`), ``truth`` (`metrics.score_against_truth`, or null) and
``holdout`` (`metrics.score_holdout`, or null when a truth file was given).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from rich.console import Console
from rich.table import Table

ALERT_COLUMNS = ("alert_id", "customer_id", "account_manager", "kind", "severity", "state", "tier",
                 "occurred_at", "message", "evidence")


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_alerts_csv(path: Path, alerts: Sequence[Mapping[str, Any]]) -> None:
    """One row per alert event, in emission order; ``evidence`` as compact JSON."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALERT_COLUMNS)
        for alert in alerts:
            writer.writerow([json.dumps(alert["evidence"], ensure_ascii=False, separators=(",", ":"))
                             if column == "evidence" else alert[column] for column in ALERT_COLUMNS])


def print_report(console: Console, document: Mapping[str, Any]) -> None:
    source = document["input"]
    console.print(f"[bold]backtest[/] {source['first_event'] or '-'} .. {source['end'] or '-'}: "
                  f"{source['events']:,} events, {source['customers']:,} customers, "
                  f"{source['evaluations']:,} evaluations in {source['elapsed_seconds']:.1f}s")
    if source["rejected"]:
        console.print(f"[yellow]{sum(source['rejected'].values()):,} rows refused by validation:[/] "
                      + ", ".join(f"{k} {v}" for k, v in source["rejected"].items()))
    alerts = document["alerts"]
    console.print(_kinds_table(alerts))
    if alerts["per_manager_week"]:
        console.print(_managers_table(alerts["per_manager_week"]))
    if document.get("truth"):
        console.print(_truth_table(document["truth"]))
        truth = document["truth"]
        console.print(f"key accounts: {truth['key_accounts']}, alerted {truth['alerted']}, "
                      f"[bold]precision {_pct(truth['precision'])}[/], recall {_pct(truth['recall'])} "
                      f"(window {truth['window_days']} days); false alarms by kind: "
                      + (", ".join(f"{k} {v}" for k, v in truth["false_alarms_by_kind"].items()) or "none"))
    if document.get("holdout"):
        hold = document["holdout"]
        lead = hold["lead_days_to_last_order"]
        console.print(f"holdout {hold['holdout_days']} days: {hold['judged']} of {hold['alerted_customers']} "
                      f"alerted customers judged, {_pct(hold['stopped_share'])} did not order again; "
                      f"median lead to last order {lead['median'] if lead['median'] is not None else '-'} days")


def _kinds_table(alerts: Mapping[str, Any]) -> Table:
    table = Table("kind", "open", "escalated", "resolved", title=f"alerts ({alerts['opened']} opened on "
                  f"{alerts['customers_alerted']} customers)")
    for column in table.columns[1:]:
        column.justify = "right"
    for kind, states in alerts["by_kind"].items():
        table.add_row(kind, *(str(states.get(s, 0)) for s in ("open", "escalated", "resolved")))
    return table


def _managers_table(managers: Mapping[str, Mapping[str, Any]]) -> Table:
    table = Table("manager", "opened", "weeks", "max/week", "median/week",
                  title="alerts opened per manager-week (weeks with alerts)")
    for column in table.columns[1:]:
        column.justify = "right"
    for manager, row in managers.items():
        table.add_row(manager, str(row["alerts"]), str(row["weeks_with_alerts"]), str(row["max_per_week"]),
                      f"{row['median_per_active_week']:g}")
    return table


def _truth_table(truth: Mapping[str, Any]) -> Table:
    table = Table("scenario", "key", "alerted", "found", "recall", "false", "days med/p90/max",
                  title="against the truth (key accounts; days from onset to the alert)")
    table.columns[0].no_wrap = True
    for column in table.columns[1:]:
        column.justify = "right"
    for scenario, row in truth["scenarios"].items():
        if "recall" in row:
            delay = row["delay_days"]
            table.add_row(scenario, str(row["customers"]), str(row["alerted"]), str(row["detected"]),
                          _pct(row["recall"]), "", "/".join(_days(delay[k]) for k in ("median", "p90", "max")))
        else:
            table.add_row(f"[dim]{scenario}[/]", str(row["customers"]), str(row["alerted"]), "", "",
                          _pct(row["false_alarm_rate"]), "")
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
