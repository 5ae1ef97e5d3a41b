"""Test helpers for the real local stack: a private Kafka + Redis, worker processes, producers.

The test stack runs on its own ports and directory (not the user's 9092/6379 demo stack), is
started once per test session, and every test gets its own topic prefix and consumer group, so
tests never see each other's data.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from streams.settings import Settings

TEST_KAFKA = os.environ.get("CHURNWATCH_TEST_KAFKA", "127.0.0.1:19092")
TEST_REDIS = os.environ.get("CHURNWATCH_TEST_REDIS", "redis://127.0.0.1:16379/0")
TEST_STACK_DIR = Path(os.environ.get("CHURNWATCH_TEST_STACK_DIR", "/tmp/churnwatch-test-stack"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_settings(**overrides: object) -> Settings:
    """Settings for one test: unique topic prefix, consumer group and web port."""
    tag = uuid.uuid4().hex[:8]
    base = Settings(
        kafka=TEST_KAFKA, redis=TEST_REDIS, topic_prefix=f"t{tag}-", app_id=f"churnwatch-test-{tag}",
        web_port=free_port(), partitions=6, batch_within=0.05, card_refresh_interval=5.0,
    )
    return base.with_overrides(**overrides) if overrides else base


def settings_env(settings: Settings) -> dict[str, str]:
    return settings.as_environ()


@dataclass
class WorkerProcess:
    settings: Settings
    proc: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return self.settings.web_url

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.get("/readyz").status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"worker not ready after {timeout}s:\n{self.log_tail()}")

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the worker's samples of `name` (e.g. churnwatch_events_total) with these labels."""
        from prometheus_client.parser import text_string_to_metric_families

        return sum(sample.value for family in text_string_to_metric_families(self.get("/metrics").text)
                   for sample in family.samples
                   if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()))

    def processed(self) -> float:
        """Input events applied so far (not duplicates, invalid or late ones)."""
        return self.metric("churnwatch_events_total", outcome="processed")

    def dead_letters(self) -> float:
        return self.metric("churnwatch_dead_letters_total")

    def diagnose(self) -> str:
        """The worker's own view of where it stands, for a failure message: `GET /status` (gates,
        consumer), `GET /population` and its lag and event counters, and from its log the
        rebalances and warnings (a worker that has stopped still has those)."""
        if self.proc.poll() is not None:
            return "\n".join([f"{self.log_path.name}: exited with {self.proc.returncode}", *self.notable_log_lines()])
        try:
            counters = [line for line in self.get("/metrics").text.splitlines()
                        if line.startswith(("churnwatch_consumer_lag", "churnwatch_events_total"))]
            return "\n".join([f"{self.log_path.name}:", "status " + self.get("/status").text,
                              "population " + self.get("/population").text, *counters, *self.notable_log_lines()])
        except requests.RequestException as exc:
            return f"{self.log_path.name}: no answer ({exc})"

    def notable_log_lines(self, limit: int = 40) -> list[str]:
        """The log's warnings, errors and generation lines (rebuilds, seeks), the last `limit`."""
        return [line for line in self._log_lines()
                if "[WARNING]" in line or "[ERROR]" in line or "] generation " in line][-limit:]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self._log_lines()[-lines:])

    def _log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit: the crash case."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> bool:
        """SIGTERM; SIGKILL after 60 s. True if the worker stopped by itself (or had already)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
                return False
        return True


def start_worker(settings: Settings, log_dir: Path, name: str = "worker") -> WorkerProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{settings.web_port}.log"
    data_dir = log_dir / f"data-{name}-{settings.web_port}"
    env = settings_env(settings.with_overrides(data_dir=data_dir))
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "churnwatch", "worker"], env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return WorkerProcess(settings, proc, log_path)


def produce_json(settings: Settings, topic: str, events: list[dict]) -> None:
    """Produce events with kafka-python the way any producer would: key = raw customer id."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.kafka, acks="all", linger_ms=20)
    try:
        for event in events:
            producer.send(settings.topic_prefix + topic, key=event["customer_id"].encode(),
                          value=json.dumps(event).encode())
        producer.flush()
    finally:
        producer.close()


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def dead_letter_reasons(settings: Settings) -> dict[str, int]:
    """Reason -> records in the run's dead-letter topic (every worker's, dead ones included: a
    killed worker's metrics die with it, its dead letters stay in Kafka)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka, enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        partitions = [TopicPartition(settings.dlq_topic, p) for p in consumer.partitions_for_topic(settings.dlq_topic) or ()]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end, reasons = consumer.end_offsets(partitions), {}
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    reason = json.loads(record.value)["reason"]
                    reasons[reason] = reasons.get(reason, 0) + 1
        return reasons
    finally:
        consumer.close()
