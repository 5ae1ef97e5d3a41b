"""Cards and open alerts in Redis, written off the event path and never blocking it.

Why this shape:
- the agent only marks a customer "pending"; a timer writes pending cards in pipelined
  batches, so one Redis round trip serves hundreds of customers and a slow Redis never slows
  the stream;
- writes are versioned upserts (a Lua script compares the card's `version`, the state version),
  so a late write never replaces a card of a newer state, whatever order the writes arrive in;
  a card of the same version may replace it (same state, a newer clock or newer thresholds);
- when Redis is down the pending set is kept (bounded by the number of customers this worker
  owns: one entry each) and retried, so Redis is caught up as soon as it answers again;
- a Redis that comes back *empty* (restarted without persistence, flushed, failed over to an
  empty replica) is noticed by the worker's own marker key, rewritten with a 10-minute expiry on
  every flush: when it is gone, `on_data_lost` asks the worker to re-offer every card and open
  alert it owns. Without it, cards written before the loss stayed missing until the customer's
  next change (found by tests/integration/test_redis_outage.py).

Keys (``<prefix>`` is the app id and a colon, ``churnwatch:`` by default):
- ``<prefix>card:<customer_id>``: hash {version, card (JSON)}
- ``<prefix>alerts:<manager>``: sorted set of the manager's open alert ids by severity rank
- ``<prefix>alert:<alert_id>``: the alert JSON (deleted when resolved)
- ``<prefix>sink:<worker>``: the marker of one worker process (expires 10 minutes after it stops)
"""

from __future__ import annotations

import time
import uuid
from typing import Callable

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from streams.alert_book import SEVERITY_RANK
from streams.metrics import Metrics

MARKER_TTL_SECONDS = 600

UPSERT_CARD = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'card', ARGV[2])
return 1
"""


class RedisSink:
    def __init__(self, url: str, metrics: Metrics, prefix: str = "churnwatch:", batch: int = 500) -> None:
        self._client = aioredis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._upsert = self._client.register_script(UPSERT_CARD)
        self._metrics = metrics
        self.prefix = prefix
        self.batch = batch
        self.pending: dict[str, tuple[int, bytes]] = {}
        """Customer id -> (version, JSON) of its newest card not yet in Redis (a newer card
        replaces an older one). The JSON is the bytes the cards topic got: a card is serialised
        once."""
        self.pending_alerts: dict[str, dict] = {}
        """Alert id -> newest lifecycle event not yet in Redis."""
        self.last_error: str | None = None
        self.last_ok_at: float | None = None
        self.on_data_lost: Callable[[], None] = lambda: None
        """Called when Redis lost what this worker wrote: re-offer every owned card and alert."""
        self.marker_key = f"{prefix}sink:{uuid.uuid4().hex}"
        self._marker_written = False

    def _failed(self, exc: Exception) -> None:
        self.last_error = f"{exc.__class__.__name__}: {exc}"
        self._metrics.redis_errors.inc()

    async def _check_marker(self) -> bool:
        """Refresh this worker's marker; False if Redis does not answer. One round trip per
        flush, which also makes `healthy` follow an outage when nothing is pending."""
        try:
            previous = await self._client.set(self.marker_key, "1", ex=MARKER_TTL_SECONDS, get=True)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False
        if previous is None and self._marker_written:
            self.on_data_lost()
        self._marker_written = True
        self.last_error = None
        self.last_ok_at = time.time()
        return True

    @property
    def healthy(self) -> bool:
        return self.last_error is None

    def card_key(self, customer_id: str) -> str:
        return f"{self.prefix}card:{customer_id}"

    def offer(self, customer_id: str, version: int, card_json: bytes) -> None:
        """Queue a card for the next `flush` (which sets the pending gauge)."""
        self.pending[customer_id] = (version, card_json)

    def offer_alert(self, alert: dict) -> None:
        self.pending_alerts[alert["alert_id"]] = alert

    async def _flush_alerts(self) -> None:
        """Each manager's inbox: a sorted set of open alert ids, most severe first (by score)."""
        if not self.pending_alerts:
            return
        batch, self.pending_alerts = self.pending_alerts, {}
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for alert_id, alert in batch.items():
                    inbox = f"{self.prefix}alerts:{alert.get('account_manager') or '-'}"
                    if alert["state"] == "resolved":
                        pipe.zrem(inbox, alert_id)
                        pipe.delete(f"{self.prefix}alert:{alert_id}")
                    else:
                        pipe.zadd(inbox, {alert_id: SEVERITY_RANK.get(alert["severity"], 0)})
                        pipe.set(f"{self.prefix}alert:{alert_id}", orjson.dumps(alert))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            for alert_id, alert in batch.items():
                self.pending_alerts.setdefault(alert_id, alert)

    async def flush(self) -> int:
        """Write pending alerts and cards in pipelined batches; on error keep them for the next flush."""
        written = 0
        if not await self._check_marker():
            self._metrics.redis_pending.set(len(self.pending))
            return written
        await self._flush_alerts()
        while self.pending:
            chunk = list(self.pending.items())[: self.batch]
            started = time.perf_counter()
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for cid, (version, card_json) in chunk:
                        await self._upsert(keys=[self.card_key(cid)], args=[version, card_json], client=pipe)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                self._failed(exc)
                break
            self._metrics.redis_write_seconds.observe(time.perf_counter() - started)
            for cid, entry in chunk:
                if self.pending.get(cid) is entry:
                    del self.pending[cid]
            written += len(chunk)
            self.last_error = None
            self.last_ok_at = time.time()
        self._metrics.redis_pending.set(len(self.pending))
        return written

    async def close(self) -> None:
        await self._client.aclose()
