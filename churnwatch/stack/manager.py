"""`stack up | down | status`: the orchestration over the Kafka and Redis pieces.

`up` is idempotent: a service already running (ours, or a reachable Redis of the user's) is
left alone. `down` stops only the processes whose pid files `up` wrote.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from churnwatch.stack import kafka, process, redis_server
from churnwatch.stack.config import StackConfig
from churnwatch.stack.errors import StackError


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    address: str
    running: bool
    owner: str
    """"ours" (pid file), "external" (reachable, not started by us) or "-" (down)."""
    pid: int | None
    log: str
    detail: str = ""

    def line(self) -> str:
        state = "up" if self.running else "DOWN"
        pid = f" pid {self.pid}" if self.pid else ""
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.name:<6} {state:<5} {self.address:<28} {self.owner}{pid}  log: {self.log}{extra}"


def _tls_detail(cfg: StackConfig, tls: bool, pid: int | None) -> str:
    """Where the CA is, for a TLS server of ours: its clients must be set up with it."""
    return f"TLS, clients verify it with the CA {cfg.tls_ca}" if tls and pid else ""


def kafka_status(cfg: StackConfig) -> ServiceStatus:
    pid = process.read_pid(cfg.kafka_pid)
    ready = process.port_open(cfg.kafka_host, cfg.kafka_port) and kafka.metadata_ok(cfg.kafka_bootstrap, security=cfg.kafka_security)
    owner = "ours" if pid else ("external" if ready else "-")
    detail = _tls_detail(cfg, cfg.kafka_tls, pid) if ready or not pid else "process alive but not answering metadata requests"
    return ServiceStatus("kafka", cfg.kafka_bootstrap, ready, owner, pid, str(cfg.kafka_log), detail)


def redis_status(cfg: StackConfig) -> ServiceStatus:
    pid = process.read_pid(cfg.redis_pid)
    ready = redis_server.ping(cfg.redis_url)
    owner = "ours" if pid else ("external" if ready else "-")
    address = f"{cfg.redis_host}:{cfg.redis_port}"
    return ServiceStatus("redis", address, ready, owner, pid, str(cfg.redis_log), _tls_detail(cfg, cfg.redis_tls, pid))


def status(cfg: StackConfig) -> list[ServiceStatus]:
    return [kafka_status(cfg), redis_status(cfg)]


def _wipe(cfg: StackConfig) -> None:
    shutil.rmtree(cfg.kafka_data, ignore_errors=True)
    shutil.rmtree(cfg.redis_dir, ignore_errors=True)


def _fail_if_port_taken(host: str, port: int, what: str, env_hint: str, log: str) -> None:
    if process.port_open(host, port):
        raise StackError(
            f"{host}:{port} is already in use by another process, so the {what} cannot start there; "
            f"stop that process or choose another address with {env_hint} (log: {log})"
        )


def up(cfg: StackConfig, *, fresh: bool = False, echo=print) -> list[ServiceStatus]:
    """Bring Kafka and Redis up (or confirm they are up) and return their status."""
    started = time.monotonic()
    if fresh:
        if process.read_pid(cfg.kafka_pid) or process.read_pid(cfg.redis_pid):
            echo("--fresh: stopping the running stack first")
        down(cfg)
        _wipe(cfg)
        if redis_server.ping(cfg.redis_url):
            echo(f"note: the Redis at {cfg.redis_url} is not ours; --fresh leaves its data alone")

    if kafka_status(cfg).running:
        echo(f"kafka  already running at {cfg.kafka_bootstrap}")
    else:
        if process.read_pid(cfg.kafka_pid) is None:
            _fail_if_port_taken(cfg.kafka_host, cfg.kafka_port, "Kafka broker", "CHURNWATCH_KAFKA", str(cfg.kafka_log))
            _fail_if_port_taken(cfg.kafka_host, cfg.controller_port, "Kafka controller",
                                "CHURNWATCH_KAFKA_CONTROLLER_PORT", str(cfg.kafka_log))
            if kafka.ensure_jars(cfg):
                echo(f"kafka  downloaded Apache Kafka {cfg.kafka_version} jars into {cfg.kafka_libs}")
            pid = kafka.start(cfg)
        else:
            pid = process.read_pid(cfg.kafka_pid) or 0
        kafka.wait_ready(cfg, pid)
        echo(f"kafka  started at {cfg.kafka_bootstrap} (pid {pid})")

    if redis_server.ping(cfg.redis_url):
        echo(f"redis  already running at {cfg.redis_host}:{cfg.redis_port}")
    else:
        if process.read_pid(cfg.redis_pid) is None:
            _fail_if_port_taken(cfg.redis_host, cfg.redis_port, "Redis server", "CHURNWATCH_REDIS", str(cfg.redis_log))
            pid = redis_server.start(cfg)
        else:
            pid = process.read_pid(cfg.redis_pid) or 0
        redis_server.wait_ready(cfg, pid)
        echo(f"redis  started at {cfg.redis_host}:{cfg.redis_port} (pid {pid})")

    states = status(cfg)
    down_ones = [s.name for s in states if not s.running]
    if down_ones:
        raise StackError(f"{', '.join(down_ones)} not ready after start; see `churnwatch stack status`")
    echo(f"stack ready in {time.monotonic() - started:.1f}s")
    return states


def down(cfg: StackConfig, echo=None) -> list[str]:
    """Stop what `up` started; returns the names of the services stopped."""
    stopped = []
    for name, pid_file in (("kafka", cfg.kafka_pid), ("redis", cfg.redis_pid)):
        if process.stop(pid_file):
            stopped.append(name)
            if echo:
                echo(f"{name:<6} stopped")
    return stopped
