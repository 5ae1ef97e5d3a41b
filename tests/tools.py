"""What the observability and browser tests need besides the stack: outside programs
(Prometheus, Chromium) installed on demand, and a simulated history to feed a worker.

Why install instead of skip: a test that skips when its tool is missing passes on a machine
where it checked nothing. These tests run as root on Debian, so the tool is installed with
apt-get the first time it is needed; if that is impossible, the test fails and says why.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from streams.settings import Settings

APT_LOCK = Path("/tmp/churnwatch-tests-apt.lock")
"""Serialises installs of parallel test sessions (apt's own lock would just make one fail)."""


class ToolInstallError(RuntimeError):
    """A Debian package could not be installed; the message carries apt-get's output."""


def _apt_get(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True, timeout=900)


def require_debian_package(package: str, executable: str) -> str:
    """The path of ``executable``, installing Debian ``package`` first when it is missing.

    Raises `ToolInstallError` (never skips) when the program is absent and cannot be installed:
    not root, no apt-get, or apt-get failing (its output is in the message).
    """
    found = shutil.which(executable)
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise ToolInstallError(f"{executable!r} is missing and there is no apt-get to install {package!r}")
    if os.geteuid() != 0:
        raise ToolInstallError(f"{executable!r} is missing; installing {package!r} needs root: "
                               f"sudo apt-get install --no-install-recommends {package}")
    with open(APT_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = shutil.which(executable)  # another session may have installed it meanwhile
        if found:
            return found
        install = ("install", "-y", "-q", "--no-install-recommends", package)
        result = _apt_get(*install)
        if result.returncode != 0:  # usually stale or missing package lists
            update = _apt_get("update", "-q")
            result = _apt_get(*install) if update.returncode == 0 else update
        if result.returncode != 0:
            raise ToolInstallError(f"apt-get could not install {package!r} (exit {result.returncode}):\n"
                                   f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    found = shutil.which(executable)
    if found is None:
        raise ToolInstallError(f"installed {package!r} but {executable!r} is still not on PATH")
    return found


@dataclass(frozen=True)
class FedHistory:
    """What was produced: the simulated customers and, per customer, the number of orders."""

    customers: list  # churnwatch.simulation.population.Customer
    orders: Counter[str]
    events: int


def produce_simulation(settings: Settings, customers: int = 200, months: int = 12, seed: int = 11,
                       start: date = date(2024, 1, 1)) -> FedHistory:
    """Produce a seeded simulated history into the settings' (prefixed) input topics.

    The same path as `churnwatch simulate`: the simulation generator, `encode_event`, and a
    kafka-python producer keyed by the raw customer id.
    """
    from kafka import KafkaProducer

    from churnwatch.producer import DayByDay
    from churnwatch.replay.format import topic_of
    from churnwatch.simulation.generator import simulate
    from churnwatch.simulation.population import build_population
    from churnwatch.simulation.spec import SimulationSpec
    from streams.codec import encode_event

    spec = SimulationSpec(customers=customers, months=months, seed=seed, start=start, managers=4)
    population = build_population(spec)
    orders: Counter[str] = Counter()
    producer = KafkaProducer(bootstrap_servers=settings.kafka, acks="all", linger_ms=20, batch_size=256 * 1024)
    day_by_day = DayByDay(producer.flush)
    n = 0
    try:
        for n, event in enumerate(simulate(spec, population), start=1):
            day_by_day.before(event)
            topic = topic_of(event)
            if topic == "orders":
                orders[event.customer_id] += 1
            producer.send(settings.topic_prefix + topic, key=event.customer_id.encode(), value=encode_event(event))
        producer.flush(timeout=120)
    finally:
        producer.close()
    return FedHistory(list(population), orders, n)
