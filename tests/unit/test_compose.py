"""docker-compose.yml: the five services, their ports, the worker's settings, and every file it
mounts, checked against the code and config they must agree with (no Docker needed)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from streams.settings import Settings
from streams.ui.auth import bind_refusal

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS_VARIABLES = {f"CHURNWATCH_{f.name.upper()}" for f in fields(Settings)}


def _published(service: str) -> dict[int, int]:
    """container port -> host port of a service's `ports` entries ("[ip:]host:container")."""
    mapping = {}
    for entry in SERVICES[service].get("ports", []):
        *_, host, container = str(entry).split(":")
        mapping[int(container)] = int(host)
    return mapping


def _mounts(service: str) -> dict[str, str]:
    """container path -> host path of a service's bind mounts (named volumes left out)."""
    mounts = {}
    for entry in SERVICES[service].get("volumes", []):
        source, target, *_ = entry.split(":")
        if source.startswith(("./", "/")):
            mounts[target] = source
    return mounts


def test_the_five_services_are_there():
    assert {"kafka", "redis", "worker", "prometheus", "grafana"} <= set(SERVICES)


@pytest.mark.parametrize("service, port", [
    ("kafka", 9092), ("redis", 6379), ("worker", 6066), ("prometheus", 9090), ("grafana", 3000),
])
def test_published_ports(service, port):
    assert _published(service).get(port) == port


def test_worker_environment_is_valid_churnwatch_settings():
    env = {k: str(v) for k, v in SERVICES["worker"]["environment"].items()}
    unknown = {k for k in env if k.startswith("CHURNWATCH_")} - SETTINGS_VARIABLES
    assert not unknown, f"not Settings fields (typo?): {unknown}"
    settings = Settings.from_env(env)
    kafka_internal = [listener.split("://")[1] for listener in
                      SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",")
                      if listener.startswith("INTERNAL://")]
    assert settings.kafka == kafka_internal[0] == "kafka:29092"
    assert settings.redis.startswith("redis://redis:6379")
    assert settings.web_port in _published("worker")
    assert settings.store.startswith("rocksdb://")
    assert str(settings.data_dir) in [v.split(":")[1] for v in SERVICES["worker"]["volumes"]]


def test_worker_web_beyond_loopback_has_a_token_or_says_insecure():
    env = SERVICES["worker"]["environment"]
    insecure = str(env.get("CHURNWATCH_WEB_INSECURE", "")).lower() in {"1", "true", "yes", "on"}
    refusal = bind_refusal(str(env.get("CHURNWATCH_WEB_HOST", "127.0.0.1")), str(env.get("CHURNWATCH_WEB_TOKEN", "")),
                           insecure)
    assert refusal is None, f"the worker would refuse to start: {refusal}"


def test_worker_waits_for_healthy_kafka_and_redis():
    depends = SERVICES["worker"]["depends_on"]
    assert depends["kafka"]["condition"] == depends["redis"]["condition"] == "service_healthy"


def test_every_mounted_file_exists():
    for service in SERVICES:
        for target, source in _mounts(service).items():
            assert (ROOT / source).exists(), f"{service} mounts missing {source} at {target}"


def test_prometheus_scrapes_the_worker_and_loads_the_mounted_rules():
    mounts = _mounts("prometheus")
    config = yaml.safe_load((ROOT / mounts["/etc/prometheus/prometheus.yml"]).read_text())
    targets = [t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"worker:{Settings.from_env(SERVICES['worker']['environment']).web_port}"]
    assert all(path in mounts for path in config["rule_files"])


def test_grafana_provisioning_points_at_the_mounted_dashboards_and_prometheus():
    mounts = _mounts("grafana")
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    providers = yaml.safe_load((provisioning / "dashboards" / "churnwatch.yml").read_text())["providers"]
    dashboards_dir = providers[0]["options"]["path"]
    assert (ROOT / mounts[dashboards_dir] / "churnwatch.json").exists()
    datasource = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090" and 9090 in _published("prometheus")
