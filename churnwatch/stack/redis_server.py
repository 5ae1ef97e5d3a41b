"""Redis for the local stack: reuse a reachable server, else start Debian's `redis-server`."""

from __future__ import annotations

import shutil
import subprocess
import time

import redis

from churnwatch.stack import certificates, process
from churnwatch.stack.debian import install_for
from churnwatch.stack.config import StackConfig, redis_server_args
from churnwatch.stack.errors import StackError


def ping(url: str, timeout: float = 1.0) -> bool:
    """A real readiness probe: PING answered (with AUTH when the URL carries a password; over TLS,
    verified with the URL's `ssl_ca_certs`, when it is rediss://)."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def ensure_binary() -> str:
    """Path of redis-server; installs the Debian package when missing and we are root."""
    had = shutil.which("redis-server")
    found = install_for("redis-server", "redis-server")
    if found:
        if not had:
            _stop_distro_service()
        return found
    raise StackError(
        "redis-server not found: install it (Debian: sudo apt-get install -y redis-server) "
        "or point CHURNWATCH_REDIS at a running Redis"
    )


def _stop_distro_service() -> None:
    """The Debian package may start its own service on 6379; ours must own the port."""
    for cmd in (["service", "redis-server", "stop"], ["systemctl", "stop", "redis-server"]):
        if shutil.which(cmd[0]):
            subprocess.run(cmd, capture_output=True)


def start(cfg: StackConfig) -> int:
    binary = ensure_binary()
    if cfg.redis_tls:
        certificates.prepare(cfg.tls_dir, cfg.redis_ca_certs, "ssl_ca_certs in CHURNWATCH_REDIS",
                             f"add ?ssl_ca_certs={cfg.tls_ca} to CHURNWATCH_REDIS")
    cfg.redis_dir.mkdir(parents=True, exist_ok=True)
    return process.spawn([binary, *redis_server_args(cfg)], log_file=cfg.redis_log, pid_file=cfg.redis_pid)


def wait_ready(cfg: StackConfig, pid: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.read_pid(cfg.redis_pid) is None:
            raise StackError(f"redis-server exited during start-up: {process.log_tail(cfg.redis_log, 1)} (log: {cfg.redis_log})")
        if ping(cfg.redis_url):
            return
        time.sleep(0.2)
    raise StackError(f"redis-server (pid {pid}) did not answer PING within {timeout:.0f}s; log: {cfg.redis_log}")
