"""Session fixtures: the real test stack (Kafka + Redis) is started here, once, when needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.stack_fixtures import TEST_KAFKA, TEST_REDIS, TEST_STACK_DIR, isolated_settings


@pytest.fixture(scope="session")
def test_stack():
    """Start (or reuse) the private test stack with the same code as `churnwatch stack up`.

    A stack another session is running is reused as it is (every test has its own topics).
    One this session starts is started `--fresh`: tests leave thousands of topic partitions
    behind, and a broker restarted on them is slow to make new topics visible.
    """
    from churnwatch.stack import manager
    from churnwatch.stack.config import StackConfig

    env = dict(os.environ, CHURNWATCH_STACK_DIR=str(TEST_STACK_DIR))
    cfg = StackConfig.from_settings(isolated_settings(kafka=TEST_KAFKA, redis=TEST_REDIS), env)
    already_running = all(status.running for status in manager.status(cfg))
    manager.up(cfg, fresh=not already_running, echo=lambda line: None)
    yield cfg
    if not already_running:  # leave a stack another session started to that session
        manager.down(cfg)


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path
