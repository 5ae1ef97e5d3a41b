"""A bench worker is started by the given Python in its log's directory, so that another
checkout's install runs its own code (`python -m` would import a checkout in the current
directory first)."""

from pathlib import Path

from churnwatch.bench.worker import Worker
from streams.settings import Settings


def test_the_worker_runs_the_given_python_in_its_log_directory(tmp_path):
    fake_python = tmp_path / "python"
    fake_python.write_text('#!/bin/sh\necho "$PWD $@"\n')
    fake_python.chmod(0o755)
    log = tmp_path / "run" / "w.log"

    worker = Worker.start(Settings(), log, python=str(fake_python))
    assert worker.proc.wait(timeout=30) == 0

    assert log.read_text().split() == [str(Path(log.parent)), "-m", "churnwatch", "worker"]
