"""`churnwatch bench --only-state` end to end, small: states written into a changelog come back
through a real rocksdb worker (twice: from the changelog, then from its files), every figure is
reported, and the run leaves no topic or Redis key behind."""

from __future__ import annotations

import pytest

from churnwatch.bench.run import BenchParams, run_bench
from tests.integration.bench_leftovers import assert_nothing_left
from tests.stack_fixtures import isolated_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STATE_FIGURES = ("state_produce_s", "state_recovery_changelog_s", "state_population_s", "state_lookup_p50_ms",
                 "state_lookup_p95_ms", "state_lookup_p99_ms", "state_lookup_missing_p99_ms", "state_worker_rss_mb",
                 "state_rss_per_100k_customers_mb", "state_loop_stall_s", "state_recovery_rocksdb_s")


@pytest.mark.timeout(300)
def test_a_state_only_bench_measures_both_recoveries_and_cleans_up(test_stack):
    settings = isolated_settings()
    report = run_bench(BenchParams(partitions=2, state_customers=600, only_state=True), settings, print)
    values = report.to_json()["values"]
    assert [key for key in values if key.startswith("state_")] == list(STATE_FIGURES)
    assert all(values[key] is not None and values[key] >= 0 for key in STATE_FIGURES)
    notes = {figure.key: figure.notes for figure in report.figures}
    assert "600 changelog records read" in notes["state_recovery_changelog_s"]
    assert "0 unexpected statuses" in notes["state_lookup_p50_ms"]
    assert_nothing_left(settings, report.parameters["namespace"])
