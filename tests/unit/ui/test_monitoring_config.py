"""The Prometheus rules and the Grafana dashboard refer only to metrics the worker exposes.

Names are checked against the real registries (churnwatch's `Metrics` and Faust's sensor
metrics, built exactly as `streams.app.create_app` builds them), so renaming a metric without
updating the rules or the dashboard fails here, not silently in production.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from faust.sensors.prometheus import FaustMetrics

from streams.metrics import Metrics

CONFIG = Path(__file__).resolve().parents[3] / "config"
RULES = CONFIG / "prometheus" / "alerts.yml"
DASHBOARD = CONFIG / "grafana" / "dashboards" / "churnwatch.json"
METRIC_NAME = re.compile(r"\b(?:churnwatch|faust)_[a-zA-Z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exposed_names() -> set[str]:
    registry = Metrics.create().registry
    FaustMetrics.create(registry, "faust")
    return {family.name + suffix for family in registry.collect() for suffix in SUFFIXES[family.type]}


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def test_rules_and_dashboard_use_only_exposed_metric_names():
    known = exposed_names()
    assert {"churnwatch_events_total", "churnwatch_batch_seconds_bucket", "faust_topic_partition_end_offset"} <= known
    for expr in [r["expr"] for r in rules()] + dashboard_exprs():
        unknown = set(METRIC_NAME.findall(expr)) - known
        assert not unknown, f"{unknown} in {expr!r}"


def test_recorded_series_used_by_alerts_are_recorded():
    recorded = {r["record"] for r in rules() if "record" in r}
    used = {name for r in rules() if "alert" in r for name in re.findall(r"\bchurnwatch:[a-z_:]+", r["expr"])}
    assert used and used <= recorded


def test_the_promised_alerts_exist_with_severity_and_summary():
    alerts = {r["alert"]: r for r in rules() if "alert" in r}
    assert {"ChurnwatchWorkerDown", "ChurnwatchConsumerLagGrowing", "ChurnwatchDeadLettersHigh",
            "ChurnwatchNoEvents", "ChurnwatchRedisErrors", "ChurnwatchPopulationThresholdsStale"} <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"page", "warning"}, name
        assert rule["annotations"]["summary"], name


def test_dashboard_covers_the_pipeline_and_is_well_formed():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "churnwatch"
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for p in panels:
        grid = p["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, p["title"]
        for target in p.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}", p["title"]
    exprs = "\n".join(dashboard_exprs())
    for needed in ("churnwatch_events_total", "churnwatch_dead_letters_total", "churnwatch_batch_seconds_bucket",
                   "churnwatch_event_time_lag_seconds_bucket", "churnwatch_alerts_total", "churnwatch_open_alerts",
                   "churnwatch_customers", "churnwatch_redis_errors_total", "churnwatch_consumer_lag"):
        assert needed in exprs, needed
    for quantile in ("0.50", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}, sum by (le) (rate(churnwatch_batch_seconds_bucket" in exprs
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
