"""The scripted truth of a run: which customer lives which story, from when.

A backtest joins its alerts to this file to score precision, recall and lead time (alert time
minus onset). Steady customers are listed too, with an empty onset, so that "no story" is an
explicit fact rather than a missing row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from churnwatch.replay.format import format_ms, parse_rfc3339_ms
from churnwatch.simulation.population import Customer
from churnwatch.simulation.scenarios import Scenario

TRUTH_COLUMNS = ("customer_id", "scenario", "onset", "account_manager", "key_account")


@dataclass(frozen=True, slots=True)
class TruthRow:
    customer_id: str
    scenario: Scenario
    onset_ms: int | None
    account_manager: str
    key_account: bool


def truth_rows(customers: Iterable[Customer]) -> list[TruthRow]:
    return [
        TruthRow(c.customer_id, c.scenario.scenario, c.scenario.onset_ms,
                 c.profile.account_manager, c.profile.key_account)
        for c in customers
    ]


def write_truth(path: Path, rows: Iterable[TruthRow]) -> None:
    """CSV with ``TRUTH_COLUMNS``; onset in RFC 3339 UTC (empty for steady), key_account true/false."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        for row in rows:
            writer.writerow((
                row.customer_id, row.scenario.value, "" if row.onset_ms is None else format_ms(row.onset_ms),
                row.account_manager, "true" if row.key_account else "false",
            ))


def read_truth(path: Path) -> list[TruthRow]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            TruthRow(
                record["customer_id"], Scenario(record["scenario"]),
                parse_rfc3339_ms(record["onset"]) if record["onset"] else None,
                record["account_manager"], record["key_account"] == "true",
            )
            for record in csv.DictReader(handle)
        ]
