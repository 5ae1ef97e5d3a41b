"""Redis down for a while, then back *empty*: processing goes on, /readyz says degraded, the
errors are counted, and once Redis answers again every card in it is current.

A private redis-server (own port, no persistence) is killed and restarted; the worker and the
shared test Kafka keep running.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
import redis

from churnwatch.bench.measure import parse_scrape
from churnwatch.stack.redis_server import ensure_binary
from streams.topics import ensure_topics
from tests.stack_fixtures import free_port, isolated_settings, produce_json, start_worker, wait_until

pytestmark = pytest.mark.integration

CUSTOMERS = 60
CATCH_UP_SECONDS = 30


class PrivateRedis:
    """A throw-away redis-server on its own port; `kill` and `start` again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [ensure_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _answers(client), timeout=20, interval=0.1, what="redis-server answering")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _orders(round_: int, customers: range = range(CUSTOMERS)) -> list[dict]:
    return [{"event_id": f"C{c:03d}-o-{round_}", "customer_id": f"C{c:03d}", "order_id": f"C{c:03d}-{round_}",
             "occurred_at": f"2025-03-01T{10 + round_:02d}:00:00Z", "amount": 100.0 + c, "quantity": 1,
             "lines": [{"sku": "S1", "category": "cat1", "quantity": 1, "amount": 100.0 + c}]}
            for c in customers]


@pytest.mark.timeout(300)
def test_redis_outage_degrades_then_catches_up(test_stack, tmp_path):
    private = PrivateRedis(free_port())
    private.start()
    # No threshold-driven republication during the test: only the loss detection may rewrite cards.
    settings = isolated_settings(redis=private.url, publish_interval=0.5, card_refresh_interval=3600.0)
    ensure_topics(settings)
    client = redis.Redis.from_url(private.url)
    worker = start_worker(settings, tmp_path)

    def scrape():
        return parse_scrape(worker.get("/metrics").text)

    def redis_versions() -> dict[str, int]:
        try:
            keys = client.keys(f"{settings.app_id}:card:*")
            return {key.decode().rsplit(":", 1)[1]: int(client.hget(key, "version")) for key in keys}
        except redis.RedisError:
            return {}

    try:
        worker.wait_ready()
        produce_json(settings, "orders", _orders(0))
        wait_until(lambda: len(redis_versions()) == CUSTOMERS, timeout=60, what="every card in Redis")
        # The first thresholds republish every card once; let that happen before the outage.
        wait_until(lambda: worker.metric("churnwatch_cards_published_total") >= 2 * CUSTOMERS, timeout=60,
                   what="the threshold-driven republication")

        private.kill()
        # Half the customers change during the outage (their cards wait in the sink); the other
        # half do not, and their cards die with the restarted Redis: the worker must notice.
        produce_json(settings, "orders", _orders(1, range(0, CUSTOMERS, 2)))
        wait_until(lambda: scrape().processed >= CUSTOMERS + CUSTOMERS // 2, timeout=60,
                   what="events processed while Redis is down")
        readiness = wait_until(lambda: (r := worker.get("/readyz").json())["status"] == "degraded" and r,
                               timeout=30, what="/readyz degraded")
        assert readiness["redis"].startswith("degraded")
        errors = wait_until(lambda: worker.metric("churnwatch_redis_errors_total"), timeout=30,
                            what="Redis errors counted")
        assert errors > 0

        private.start()  # back, and empty: no persistence
        returned_at = time.monotonic()

        def caught_up() -> bool:
            in_redis = redis_versions()
            if len(in_redis) != CUSTOMERS:
                return False
            return all(in_redis[f"C{c:03d}"] == worker.get(f"/customers/C{c:03d}").json()["version"]
                       for c in range(CUSTOMERS))

        wait_until(caught_up, timeout=CATCH_UP_SECONDS, what="every card in Redis current again")
        assert time.monotonic() - returned_at < CATCH_UP_SECONDS
        changed = json.loads(client.hget(f"{settings.app_id}:card:C008", "card"))
        unchanged = json.loads(client.hget(f"{settings.app_id}:card:C007", "card"))
        assert (changed["lifetime"]["orders"], unchanged["lifetime"]["orders"]) == (2, 1)
        assert wait_until(lambda: worker.get("/readyz").json()["status"] == "ready", timeout=30,
                          what="/readyz ready again")
    finally:
        worker.stop()
        private.kill()
