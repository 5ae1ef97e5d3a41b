"""`churnwatch stack up | status | down` as a user runs them, on its own ports and directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from churnwatch.stack import process
from tests.stack_fixtures import free_port

pytestmark = pytest.mark.integration


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "churnwatch", "stack", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_up_twice_status_down(tmp_path):
    kafka_port, redis_port = free_port(), free_port()
    env = dict(os.environ, CHURNWATCH_STACK_DIR=str(tmp_path / "stack"),
               CHURNWATCH_KAFKA=f"127.0.0.1:{kafka_port}", CHURNWATCH_KAFKA_CONTROLLER_PORT=str(free_port()),
               CHURNWATCH_REDIS=f"redis://127.0.0.1:{redis_port}/0")
    first = _cli(env, "up")
    try:
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"kafka  started at 127.0.0.1:{kafka_port}" in first.stdout
        assert f"redis  started at 127.0.0.1:{redis_port}" in first.stdout
        kafka_pid = process.read_pid(tmp_path / "stack" / "run" / "kafka.pid")
        redis_pid = process.read_pid(tmp_path / "stack" / "run" / "redis.pid")
        assert kafka_pid and redis_pid

        second = _cli(env, "up")
        assert second.returncode == 0, second.stderr
        assert "kafka  already running" in second.stdout and "redis  already running" in second.stdout
        assert process.read_pid(tmp_path / "stack" / "run" / "kafka.pid") == kafka_pid

        status = _cli(env, "status")
        assert status.returncode == 0
        assert status.stdout.count(" up ") == 2 and "log: " in status.stdout
    finally:
        down = _cli(env, "down")
    assert down.returncode == 0 and "kafka  stopped" in down.stdout and "redis  stopped" in down.stdout
    for pid in (kafka_pid, redis_pid):
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z"
    after = _cli(env, "status")
    assert after.returncode == 1 and after.stdout.count("DOWN") == 2


def test_port_taken_by_something_else_is_named(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = dict(os.environ, CHURNWATCH_STACK_DIR=str(tmp_path / "stack"), CHURNWATCH_KAFKA=f"127.0.0.1:{port}")
        result = _cli(env, "up")
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use by another process" in result.stderr
    assert "CHURNWATCH_KAFKA" in result.stderr and "kafka.log" in result.stderr


def test_missing_java_is_named(tmp_path):
    env = dict(os.environ, PATH="/nonexistent", CHURNWATCH_STACK_DIR=str(tmp_path / "stack"),
               CHURNWATCH_CACHE_DIR=str(tmp_path / "cache"), CHURNWATCH_KAFKA=f"127.0.0.1:{free_port()}")
    result = _cli(env, "up")
    assert result.returncode == 1
    assert "java and mvn not found on PATH" in result.stderr and "apt-get install" in result.stderr
