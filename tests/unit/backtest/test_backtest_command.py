"""`churnwatch backtest` end to end on a small simulated history written as replay files."""

from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from agents.core.engine import PartitionEngine
from agents.core.rules.config import RulesConfig
from churnwatch.backtest.command import backtest_command
from churnwatch.backtest.runner import event_order, load_history, run_backtest
from churnwatch.replay.format import ReplayFileWriter
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import build_population
from churnwatch.simulation.spec import SimulationSpec
from churnwatch.simulation.truth import truth_rows, write_truth
from tests.unit.alerts.helpers import CORE, RULES

SPEC = SimulationSpec(customers=60, months=14, seed=3)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """orders/payments/complaints/customers.csv and truth.csv of SPEC, as `simulate --out` writes them."""
    directory = tmp_path_factory.mktemp("history")
    population = build_population(SPEC)
    with ReplayFileWriter(directory) as writer:
        for event in simulate(SPEC, population):
            writer.write(event)
    write_truth(directory / "truth.csv", truth_rows(population))
    return directory


def invoke(*args: str):
    return CliRunner().invoke(backtest_command, list(args), catch_exceptions=False)


def test_the_command_reports_writes_json_alerts_and_chart(history, tmp_path):
    out = tmp_path / "report.json"
    result = invoke(str(history), "--truth", str(history / "truth.csv"), "--json", str(out),
                    "--alerts", str(tmp_path / "alerts.csv"), "--chart", str(tmp_path / "alerts.png"))
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "against the truth" in result.output
    document = json.loads(out.read_text())
    assert set(document) == {"input", "alerts", "truth", "holdout"}
    assert document["input"]["events"] > 3000 and document["input"]["rejected"] == {}
    assert document["truth"]["key_accounts"] == 12 and "volume_decline" in document["truth"]["scenarios"]
    with (tmp_path / "alerts.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == document["alerts"]["events"] > 0
    assert json.loads(rows[0]["evidence"])["rule"] == rows[0]["kind"]
    assert (tmp_path / "alerts.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_files_give_the_same_alerts_as_the_events_they_were_written_from(history, tmp_path):
    invoke(str(history), "--alerts", str(tmp_path / "alerts.csv"))
    with (tmp_path / "alerts.csv").open() as handle:
        from_files = [(r["alert_id"], r["state"], r["occurred_at"], r["message"]) for r in csv.DictReader(handle)]
    events = sorted(simulate(SPEC), key=event_order)
    direct = run_backtest(events, CORE, RULES).alerts
    assert from_files == [(a["alert_id"], a["state"], a["occurred_at"], a["message"]) for a in direct]


def test_without_truth_it_reports_the_holdout(history, tmp_path):
    out = tmp_path / "report.json"
    assert invoke(str(history), "--json", str(out), "--holdout-days", "60").exit_code == 0
    holdout = json.loads(out.read_text())["holdout"]
    assert holdout["holdout_days"] == 60 and holdout["alerted_customers"] > 0


def test_a_file_whose_name_does_not_tell_the_topic_needs_topic_for(history, tmp_path):
    renamed = tmp_path / "export.csv"
    renamed.write_bytes((history / "complaints.csv").read_bytes())
    result = CliRunner().invoke(backtest_command, [str(renamed)])
    assert result.exit_code == 2 and "--topic-for" in result.output
    assert invoke(str(renamed), "--topic-for", "export.csv=complaints").exit_code == 0


def test_streaming_partitions_and_the_backtest_raise_the_same_alerts(history):
    """Kafka order (partitions by key hash, each in time order), one engine per partition == the backtest.

    Population-independent rules only (scope by the key-account flag): the worker's population
    thresholds come from its own timer, so tier and segment alerts are compared in the engine tests
    with fixed thresholds instead.
    """
    rules = RulesConfig.from_mapping({"scope": {"tiers": []}, "tier_downgrade": {"enabled": False},
                                      "segment_transition": {"enabled": False}})
    events = load_history([history / f"{topic}.csv" for topic in ("orders", "payments", "complaints",
                                                                   "customers")]).events
    batch = run_backtest(events, CORE, rules)
    partitions = 4
    streamed = []
    for partition in range(partitions):
        engine, states = PartitionEngine(CORE, rules), {}
        for event in events:
            if zlib.crc32(event.customer_id.encode()) % partitions == partition:
                streamed += engine.apply(event, states.get, states.__setitem__)[1]
        streamed += engine.advance_to(batch.end_ms, states.get, states.__setitem__)
    assert batch.alerts and sorted(map(json.dumps, streamed)) == sorted(map(json.dumps, batch.alerts))
