"""Observability against real programs: promtool accepts the config and the rules, the rules
fire on synthetic series, and a real Prometheus scrapes a worker fed with a simulated history
(a worker with a web token: its pages refuse anonymous requests, /metrics stays open).

Prometheus comes from Debian's `prometheus` package, installed on demand (tests/tools.py); the
test fails, never skips, when it cannot be had.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests
import yaml

from streams.topics import ensure_topics
from tests.stack_fixtures import free_port, isolated_settings, start_worker, wait_until
from tests.tools import produce_simulation, require_debian_package

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_CONFIG = ROOT / "config" / "prometheus"
DASHBOARD = ROOT / "config" / "grafana" / "dashboards" / "churnwatch.json"
WEB_TOKEN = "test-token"


def _run(*args: str | Path) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_promtool_accepts_both_configs_and_the_rules(tmp_path):
    promtool = require_debian_package("prometheus", "promtool")
    out = _run(promtool, "check", "config", PROMETHEUS_CONFIG / "prometheus.yml")
    assert "SUCCESS" in out and "alerts.yml" in out
    # The docker config names the rules by their path inside the container: check it with the real file.
    docker = yaml.safe_load((PROMETHEUS_CONFIG / "prometheus.docker.yml").read_text())
    assert docker["rule_files"] == ["/etc/prometheus/alerts.yml"]
    docker["rule_files"] = [str(PROMETHEUS_CONFIG / "alerts.yml")]
    (tmp_path / "docker.yml").write_text(yaml.safe_dump(docker))
    _run(promtool, "check", "config", tmp_path / "docker.yml")
    assert "SUCCESS" in _run(promtool, "check", "rules", PROMETHEUS_CONFIG / "alerts.yml")


RULE_TESTS = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - name: a worker that cannot be scraped
    interval: 1m
    input_series:
      - series: 'up{{job="churnwatch", instance="w1:6066"}}'
        values: '1 0 0 0'
    alert_rule_test:
      - eval_time: 3m
        alertname: ChurnwatchWorkerDown
        exp_alerts:
          - exp_labels: {{severity: page, job: churnwatch, instance: "w1:6066"}}
            exp_annotations:
              summary: "churnwatch worker w1:6066 is down"
              description: "Prometheus cannot scrape w1:6066/metrics; its partitions are not processed until another worker takes them over."

  - name: dead letters at 5% of the input, and no events at all on another job
    interval: 1m
    input_series:
      - series: 'churnwatch_events_total{{job="churnwatch", topic="orders", outcome="processed"}}'
        values: '0+600x20'
      - series: 'churnwatch_dead_letters_total{{job="churnwatch", reason="missing_field"}}'
        values: '0+30x20'
      - series: 'up{{job="churnwatch"}}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 15m
        alertname: ChurnwatchDeadLettersHigh
        exp_alerts:
          - exp_labels: {{severity: warning, job: churnwatch}}
            exp_annotations:
              summary: "5% of input events go to the dead-letter topic"
              description: "{dlq_description}"
      - eval_time: 20m
        alertname: ChurnwatchNoEvents
        exp_alerts: []

  - name: a worker that is up but never processed an event
    interval: 1m
    input_series:
      - series: 'up{{job="churnwatch", instance="w1:6066"}}'
        values: '1x40'
    alert_rule_test:
      - eval_time: 10m
        alertname: ChurnwatchNoEvents
        exp_alerts: []
      - eval_time: 20m
        alertname: ChurnwatchNoEvents
        exp_alerts:
          - exp_labels: {{severity: warning, job: churnwatch}}
            exp_annotations:
              summary: "churnwatch has processed no input event for 15 minutes"
              description: "Producers (ERP, shop, billing, helpdesk) may have stopped, or the workers consume the wrong topics."

  - name: Redis errors, stale thresholds and growing lag
    interval: 1m
    input_series:
      - series: 'churnwatch_redis_errors_total{{job="churnwatch", instance="w1:6066"}}'
        values: '0+3x20'
      - series: 'churnwatch_population_threshold_age_seconds{{job="churnwatch", instance="w1:6066"}}'
        values: '0+120x20'
      - series: 'faust_topic_partition_end_offset{{job="churnwatch", instance="w1:6066", topic="orders", partition="0"}}'
        values: '0+500x30'
      - series: 'faust_topic_partition_offset_commited{{job="churnwatch", instance="w1:6066", topic="orders", partition="0"}}'
        values: '0+100x30'
    alert_rule_test:
      - eval_time: 10m
        alertname: ChurnwatchRedisErrors
        exp_alerts:
          - exp_labels: {{severity: warning, job: churnwatch, instance: "w1:6066"}}
            exp_annotations:
              summary: "Redis writes fail on w1:6066"
              description: "Cards are kept and retried (churnwatch_redis_pending_cards counts them); meanwhile Redis readers see stale cards."
      - eval_time: 15m
        alertname: ChurnwatchPopulationThresholdsStale
        exp_alerts:
          - exp_labels: {{severity: warning, job: churnwatch, instance: "w1:6066"}}
            exp_annotations:
              summary: "population thresholds on w1:6066 are 30m 0s old"
              description: "A partition's summary has not been refreshed; tiers and RFM scores are computed from stale figures."
      - eval_time: 25m
        alertname: ChurnwatchConsumerLagGrowing
        exp_alerts:
          - exp_labels: {{severity: warning, job: churnwatch, instance: "w1:6066", topic: orders}}
            exp_annotations:
              summary: "consumer lag on orders keeps growing (10k messages)"
              description: "The workers consume orders slower than it is produced; add partitions and workers, or look for slow batches."
"""


def test_alert_rules_fire_on_synthetic_series(tmp_path):
    promtool = require_debian_package("prometheus", "promtool")
    tests = tmp_path / "rules_test.yml"
    dlq_description = ("A producer sends invalid events; `churnwatch_dead_letters_total` by reason says what is wrong, "
                       "the DLQ topic has the original bytes.")
    tests.write_text(textwrap.dedent(RULE_TESTS).format(rules=json.dumps(str(PROMETHEUS_CONFIG / "alerts.yml")),
                                                        dlq_description=dlq_description))
    assert "SUCCESS" in _run(promtool, "test", "rules", tests)


class PrometheusServer:
    """A real Prometheus on a free loopback port, scraping one worker every second."""

    def __init__(self, binary: str, work: Path, worker_url: str) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        target = worker_url.removeprefix("http://")
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(PROMETHEUS_CONFIG / "alerts.yml")],
            "scrape_configs": [{"job_name": "churnwatch", "metrics_path": "/metrics",
                                "static_configs": [{"targets": [target]}]}],
        }
        (work / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = work / "prometheus.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'tsdb'}",
                 f"--web.listen-address={self.url.removeprefix('http://')}", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def api(self, path: str, **params) -> dict:
        response = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def value(self, query: str) -> float | None:
        """The single value of an instant query, None when it returns nothing."""
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log.read_text()[-3000:]}")
        try:
            result = self.api("query", query=query)["result"]
        except requests.RequestException:
            return None
        return float(result[0]["value"][1]) if result else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def test_prometheus_scrapes_a_worker_fed_with_a_simulated_history(test_stack, tmp_path):
    binary = require_debian_package("prometheus", "prometheus")
    # With a web token: Prometheus must still scrape /metrics without credentials.
    settings = isolated_settings(web_token=WEB_TOKEN)
    ensure_topics(settings)
    worker = start_worker(settings, tmp_path)
    prometheus = None
    try:
        worker.wait_ready()
        assert {path: worker.get(path).status_code for path in ("/ui", "/alerts", "/customers/C00001", "/metrics")} \
            == {"/ui": 401, "/alerts": 401, "/customers/C00001": 401, "/metrics": 200}
        assert worker.get("/ui", headers={"Authorization": f"Bearer {WEB_TOKEN}"}).status_code == 200
        fed = produce_simulation(settings, customers=200, months=12)
        prometheus = PrometheusServer(binary, tmp_path, worker.url)
        assert wait_until(lambda: prometheus.value('up{job="churnwatch"}'), timeout=45, what="the worker scraped") == 1
        wait_until(lambda: (prometheus.value("sum(churnwatch_events_total)") or 0) >= fed.events, timeout=90,
                   what=f"all {fed.events} produced events counted in Prometheus")
        assert prometheus.value('sum(churnwatch_events_total{outcome="processed"})') > 0.9 * fed.events
        # Rates need two scrapes inside their window: poll until Prometheus has them.
        for rate_query in ("sum(rate(faust_total_sent_messages_total[1m]))",  # ticks keep it moving
                           "histogram_quantile(0.99, sum by (le) (rate(churnwatch_batch_seconds_bucket[1m])))"):
            assert wait_until(lambda: prometheus.value(rate_query), timeout=45, what=rate_query) > 0

        # The rules are loaded and evaluate without error against the live series.
        def rules_healthy():
            groups = prometheus.api("rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            return len(rules) >= 8 and all(r["health"] == "ok" for r in rules) and rules
        names = {r["name"] for r in wait_until(rules_healthy, timeout=30, what="every rule evaluated")}
        assert {"ChurnwatchWorkerDown", "ChurnwatchDeadLettersHigh", "churnwatch:consumer_lag:sum"} <= names
        assert prometheus.value("sum(churnwatch:consumer_lag:sum)") is not None

        # Every dashboard query is valid PromQL for this Prometheus.
        panels = json.loads(DASHBOARD.read_text())["panels"]
        for expr in [t["expr"] for p in panels for t in p.get("targets", [])]:
            prometheus.api("query", query=expr.replace("$__rate_interval", "1m"))

        # A history with scripted churn stories raises alerts, and Prometheus counts them.
        assert wait_until(lambda: prometheus.value("sum(churnwatch_alerts_total)"), timeout=90,
                          what="alerts counted in Prometheus") > 0
    finally:
        if prometheus is not None:
            prometheus.stop()
        worker.stop()
