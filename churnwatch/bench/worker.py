"""A real `churnwatch worker` process for the bench, and what the bench reads from it.

Why a subprocess (not an in-process app): the figures must be those of the worker users run,
with its own interpreter, event loop and memory, so the bench starts `python -m churnwatch
worker` with ``CHURNWATCH_*`` variables, exactly as an operator or the integration tests do,
and talks to it over HTTP (stdlib only: `requests` is not a runtime dependency).
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from churnwatch.bench.measure import Scrape, cpu_seconds, parse_scrape, rss_bytes
from streams.settings import Settings


class WorkerFailed(RuntimeError):
    """The worker exited or did not get ready; the message carries the end of its log."""


def worker_env(settings: Settings) -> dict[str, str]:
    return settings.as_environ()


@dataclass
class Worker:
    settings: Settings
    proc: subprocess.Popen
    log_path: Path
    started: float
    """time.monotonic() just before the process was spawned."""

    @classmethod
    def start(cls, settings: Settings, log_path: Path, python: str = sys.executable) -> "Worker":
        """`python -m churnwatch worker`, started in the log's directory: with the current
        directory a checkout, `-m` would import that checkout's code, whatever `python`'s
        virtualenv has installed (`churnwatch bench-ab` starts another install's workers)."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            started = time.monotonic()
            proc = subprocess.Popen([python, "-m", "churnwatch", "worker"], env=worker_env(settings),
                                    cwd=log_path.parent, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        return cls(settings, proc, log_path, started)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """Status and body of ``GET path`` (an HTTP error status is returned, not raised)."""
        try:
            with urllib.request.urlopen(self.settings.web_url + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get_json(self, path: str) -> tuple[int, dict]:
        status, body = self.get(path)
        return status, json.loads(body)

    def poll_json(self, path: str, timeout: float = 10.0) -> tuple[int, dict] | None:
        """``get_json`` for a polling loop: None when the worker does not answer in time (its
        event loop is busy, e.g. scanning a large state), an error if it exited."""
        self.check_alive()
        try:
            status, body = self.get(path, timeout=timeout)
        except TimeoutError:
            return None
        return status, json.loads(body)

    def timed_gets(self, paths: Iterable[str], timeout: float = 10.0) -> list[tuple[int, float]]:
        """(status, seconds) of ``GET path`` for each path, one after the other on one keep-alive
        connection: what a client of the card API sees per request, without connection set-up."""
        url = urlsplit(self.settings.web_url)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        timings = []
        try:
            for path in paths:
                started = time.perf_counter()
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                timings.append((response.status, time.perf_counter() - started))
        finally:
            connection.close()
        return timings

    def scrape(self, timeout: float = 10.0) -> Scrape:
        status, body = self.get("/metrics", timeout=timeout)
        if status != 200:
            raise WorkerFailed(f"/metrics answered {status}")
        return parse_scrape(body.decode())

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise WorkerFailed(f"worker pid {self.pid} exited with {self.proc.returncode}:\n{self.log_tail()}")

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Poll /readyz until 200; return time.monotonic() of that answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.get("/readyz", timeout=2.0)[0] == 200:
                    return time.monotonic()
            except (OSError, urllib.error.URLError):
                pass  # web server not up yet
            time.sleep(0.1)
        raise WorkerFailed(f"worker not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def rss(self) -> int:
        self.check_alive()
        return rss_bytes(self.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker process so far (all its threads)."""
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM (the member leaves its group at once), SIGKILL if it does not exit in time."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
