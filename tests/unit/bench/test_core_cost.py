"""`churnwatch bench-core`: the domain work per event over the bench's orders, no broker."""

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from agents.core.config import CoreConfig
from agents.core.rules.config import RulesConfig
from agents.customer_agent import partition_of
from churnwatch.bench.core_cost import PARTITIONS, measure, order_records
from churnwatch.cli import main

NOW_MS = int(datetime(2026, 11, 23, 21, 0, tzinfo=UTC).timestamp() * 1000)


def test_orders_arrive_as_the_worker_gets_them():
    records = order_records(1000, 50, 7, NOW_MS)
    assert len(records) == 1000
    for partition in range(PARTITIONS):
        offsets = [r.offset for r in records if r.partition == partition]
        assert offsets == list(range(len(offsets))), "consecutive offsets per partition"
    assert all(r.partition == partition_of(r.key.decode(), PARTITIONS) for r in records)


def test_every_batch_writes_each_changed_customer_once():
    records = order_records(1000, 50, 7, NOW_MS)
    [cost] = measure(records, CoreConfig(), RulesConfig(), NOW_MS, batch_size=400)
    per_batch = sum(len({r.key for r in records[start:start + 400]}) for start in range(0, 1000, 400))
    assert (cost.events, cost.changed) == (1000, per_batch)
    assert cost.batch_us > 0 and cost.encode_us > 0 and cost.cards_us > 0
    assert cost.events_per_s == 1e6 / (cost.batch_us + cost.encode_us + cost.cards_us)


def test_the_command_reports_each_round_and_the_median(monkeypatch, tmp_path):
    tuned = []
    monkeypatch.setattr("streams.gc_tuning.tune_gc", tuned.append)  # keep the test process's collector
    out = tmp_path / "core.json"
    result = CliRunner().invoke(main, ["bench-core", "--orders", "1000", "--customers", "40", "--rounds", "2",
                                       "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == ["round 1", "round 2", "median of 2"]
    document = json.loads(out.read_text())
    assert [r["events"] for r in document["rounds"]] == [1000, 1000]
    assert set(document["median_us_per_event"]) == {"batch_us", "encode_us", "cards_us"}
    assert tuned == [20_000], "the worker's collector settings"
