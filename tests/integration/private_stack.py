"""A whole Kafka + Redis stack of one test's own, for tests that break or lock down the stack.

The shared test stack serves every other test, so a test that stops the broker, or needs SASL
and a Redis password, starts its own with the same code as `churnwatch stack up` (free ports, a
stack directory under the test's tmp_path) and stops it afterwards.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from churnwatch.stack import manager
from churnwatch.stack.config import StackConfig
from streams.settings import Settings
from tests.stack_fixtures import free_port, isolated_settings


@contextmanager
def private_stack(tmp_path: Path, redis_password: str = "", redis_tls: bool = False,
                  **overrides: object) -> Iterator[tuple[Settings, StackConfig]]:
    """Settings for a fresh stack on free ports (with `overrides`, e.g. Kafka SASL or SASL_SSL), and
    its config. With `redis_tls` Redis speaks only TLS (rediss://); the Redis and Kafka clients
    verify the servers with the stack's CA, which `stack up` makes."""
    env = {"CHURNWATCH_STACK_DIR": str(tmp_path / "stack"), "CHURNWATCH_KAFKA_CONTROLLER_PORT": str(free_port())}
    ca = StackConfig.from_settings(Settings(), env).tls_ca
    auth = f":{redis_password}@" if redis_password else ""
    redis = (f"rediss://{auth}127.0.0.1:{free_port()}/0?ssl_ca_certs={ca}" if redis_tls
             else f"redis://{auth}127.0.0.1:{free_port()}/0")
    settings = isolated_settings(kafka=f"127.0.0.1:{free_port()}", redis=redis,
                                 **{"kafka_ssl_cafile": str(ca), **overrides})
    cfg = StackConfig.from_settings(settings, env)
    try:
        manager.up(cfg, fresh=True, echo=lambda line: None)
        yield settings, cfg
    finally:
        manager.down(cfg)
