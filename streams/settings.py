"""One typed settings object, read from ``CHURNWATCH_*`` environment variables.

Why one object: the worker, the CLI tools, the local stack and the tests all need the same
addresses and names; passing a frozen ``Settings`` around (instead of reading the environment
everywhere) lets a test build an isolated app with its own topics and ports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from streams import kafka_security

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"


class SettingsError(ValueError):
    """A ``CHURNWATCH_*`` variable has a value that cannot be used; the message names it."""


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"CHURNWATCH_{name.upper()}={raw!r}: expected true/false")


def _parse_int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"CHURNWATCH_{name.upper()}={raw!r}: expected an integer") from None
    if value < minimum:
        raise SettingsError(f"CHURNWATCH_{name.upper()}={raw!r}: must be >= {minimum}")
    return value


_ZERO_ALLOWED = {"web_port", "standby_replicas"}
"""Integer settings for which 0 is meaningful (any free port; no standby replicas)."""


@dataclass(frozen=True)
class Settings:
    """Everything a churnwatch process needs to know about its surroundings.

    Each field maps to ``CHURNWATCH_<FIELD NAME IN UPPER CASE>``; see the README table.
    """

    kafka: str = "127.0.0.1:9092"
    """Kafka bootstrap servers, comma separated (``host:port``)."""
    kafka_security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (see `streams.kafka_security`)."""
    kafka_sasl_mechanism: str = "PLAIN"
    """PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL_* protocol)."""
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)
    kafka_ssl_cafile: str = ""
    """CA bundle that signed the brokers' certificates (empty: the system's CAs)."""
    kafka_ssl_certfile: str = ""
    """Client certificate (PEM) for brokers that require one, with `kafka_ssl_keyfile`."""
    kafka_ssl_keyfile: str = ""
    redis: str = "redis://127.0.0.1:6379/0"
    """Redis URL (``redis://``, ``rediss://`` for TLS; ``redis://:password@host`` for AUTH)."""
    web_host: str = "127.0.0.1"
    """Interface the worker's web server binds to: loopback unless told otherwise."""
    web_port: int = 6066
    web_token: str = field(default="", repr=False)
    """Shared bearer token for every web path but /healthz, /readyz, /metrics (empty: no token asked)."""
    web_insecure: bool = False
    """Allow binding beyond loopback without a token (not recommended)."""
    app_id: str = "churnwatch"
    """Kafka consumer group and prefix of the changelog topics."""
    topic_prefix: str = ""
    """Prefix for every topic name (isolated tests, several tenants on one cluster)."""
    partitions: int = 6
    """Partition count of the co-partitioned topics (orders, payments, complaints, customers)."""
    replication: int = 1
    store: str = "memory://"
    """Faust table store: ``memory://`` or ``rocksdb://`` (needs the ``rocksdb`` extra)."""
    data_dir: Path = Path("./churnwatch-data")
    """Where the worker keeps local table state (rocksdb) and Faust's own files."""
    config_dir: Path = DEFAULT_CONFIG_DIR
    """Directory of ``core.toml`` and ``rules.toml``."""
    log_level: str = "info"
    batch_size: int = 10000
    """Most records handled in one batch (one fetch). A worker that keeps up fetches a few records
    at a time whatever this is; under a backlog, bigger batches coalesce more events of a
    customer into one step and one card (`churnwatch bench`: 1,000 -> 10,000 lifted 10,000
    customers from ~1,700 to ~2,500-2,800 events/s, when states were still written per batch)."""
    commit_interval: float = 10.0
    """Seconds between two commits of the input offsets. The changed customer states are written
    to the changelog (and rocksdb) just before each commit, each customer's newest state once
    (`streams.state_writer`), so a longer interval means fewer state writes (`churnwatch bench
    --rate 5000 --workers 1` reports them per event), but more events read again after a crash
    (at-least-once) and standby copies up to that far behind. Faust's default is 2.8 s."""
    batch_within: float = 0.1
    """Seconds to wait for a batch to fill (only on Faust's stock stream path, see agents/customer_agent.py)."""
    gc_threshold: int = 20000
    """Allocations between two young collections of Python's cyclic garbage collector (Python's
    default is 700, which cost a fifth of the batch step's time; see `streams.gc_tuning`)."""
    standby_replicas: int = 1
    """Standby copies of each table partition kept warm on other workers (faster fail-over, more
    changelog reading); 0 turns them off."""
    publish_interval: float = 1.0
    """Seconds between publications of changed cards (topic + Redis); coalesces many updates into one."""
    card_refresh_interval: float = 60.0
    """At most this often, every owned card is republished when the population thresholds moved."""
    population_interval: float = 5.0
    """Seconds between per-partition population summaries (RFM quintiles, tiers)."""
    tick_interval: float = 2.0
    """Seconds between ticks: a record on every partition that wakes quiet partitions."""
    gate_grace: float = 2.0
    """Seconds a record may take from its producer's send to the broker's log (linger, a busy
    broker): a topic read to its end vouches only for records sent that long before its last
    fetch (see agents/core/gate.py). Live events wait that long only in the first grace period
    of a UTC day (the rest of the day passes the gate at once). Measured
    on 2 busy cores with a history produced into a running worker: 0.3 s let ~800 of 49,000
    events through too early (dead-lettered as late); 1 s a few dozen in a CI run; 2 s none
    seen so far."""
    live_clock: bool = False
    """Let wall time advance the event-time clock when the stream is quiet (live mode); off for replays."""

    @property
    def orders_topic(self) -> str:
        return self.topic_prefix + "orders"

    @property
    def payments_topic(self) -> str:
        return self.topic_prefix + "payments"

    @property
    def complaints_topic(self) -> str:
        return self.topic_prefix + "complaints"

    @property
    def customers_topic(self) -> str:
        return self.topic_prefix + "customers"

    @property
    def alerts_topic(self) -> str:
        return self.topic_prefix + "churn-alerts"

    @property
    def cards_topic(self) -> str:
        return self.topic_prefix + "customer-cards"

    @property
    def dlq_topic(self) -> str:
        return self.topic_prefix + "churnwatch-dlq"

    @property
    def ticks_topic(self) -> str:
        return self.topic_prefix + "churnwatch-ticks"

    @property
    def population_topic(self) -> str:
        return self.topic_prefix + "churnwatch-population"

    @property
    def input_topics(self) -> tuple[str, str, str, str]:
        return (self.orders_topic, self.payments_topic, self.complaints_topic, self.customers_topic)

    @property
    def web_url(self) -> str:
        host = "127.0.0.1" if self.web_host in {"0.0.0.0", ""} else self.web_host
        return f"http://{host}:{self.web_port}"

    def as_environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) plus these settings as CHURNWATCH_* variables,
        for starting another churnwatch process (a worker, the simulator) with the same settings."""
        env = dict(os.environ if base is None else base)
        env.update({f"CHURNWATCH_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)})
        return env

    def with_overrides(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``CHURNWATCH_*`` variables; unknown variables are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CHURNWATCH_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = _parse_bool(f.name, raw)
            elif isinstance(default, int):
                values[f.name] = _parse_int(f.name, raw, minimum=0 if f.name in _ZERO_ALLOWED else 1)
            elif isinstance(default, float):
                try:
                    values[f.name] = float(raw)
                except ValueError:
                    raise SettingsError(f"CHURNWATCH_{f.name.upper()}={raw!r}: expected a number") from None
            elif isinstance(default, Path):
                values[f.name] = Path(raw).expanduser()
            else:
                values[f.name] = raw
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.store.startswith(("memory://", "rocksdb://")):
            raise SettingsError(f"CHURNWATCH_STORE={self.store!r}: expected memory:// or rocksdb://")
        if not self.redis.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"CHURNWATCH_REDIS={self.redis!r}: expected a redis:// or rediss:// URL")
        if not self.kafka.strip():
            raise SettingsError("CHURNWATCH_KAFKA is empty: give host:port of a Kafka broker")
        kafka_security.check(self)
