"""Where the local stack lives and listens, derived from the settings and the environment.

Two directories, on purpose: the Kafka jars are a *cache* (downloaded once, shared by every
stack on the machine, survives `up --fresh`), while data, logs and pid files belong to one
*stack directory* (tests use their own, so they never touch a user's running demo).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from churnwatch.stack import certificates
from streams.kafka_security import MECHANISMS, SCRAM_MECHANISMS, uses_sasl, uses_tls
from streams.settings import Settings, SettingsError

KAFKA_VERSION = "3.9.2"


def _first_host_port(bootstrap: str) -> tuple[str, int]:
    first = bootstrap.split(",")[0].strip()
    if "://" in first:
        first = first.split("://", 1)[1]
    host, _, port = first.rpartition(":")
    if not host or not port.isdigit():
        raise SettingsError(f"CHURNWATCH_KAFKA={bootstrap!r}: expected host:port")
    return host, int(port)


@dataclass(frozen=True)
class StackConfig:
    kafka_host: str
    kafka_port: int
    controller_port: int
    redis_url: str
    redis_host: str
    redis_port: int
    redis_password: str | None
    cache_dir: Path
    stack_dir: Path
    kafka_version: str = KAFKA_VERSION
    kafka_heap: str = "512m"
    kafka_security: Settings = Settings()
    """The settings whose CHURNWATCH_KAFKA_SECURITY_PROTOCOL / _SASL_* the broker is set up for:
    its client listener speaks that protocol (TLS with SSL / SASL_SSL) and, with SASL_*, asks for
    that user (PLAIN and SCRAM-SHA-256/512)."""

    @property
    def kafka_listener(self) -> str:
        """Name and protocol of the client listener (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)."""
        return self.kafka_security.kafka_security_protocol

    @property
    def kafka_sasl(self) -> bool:
        return uses_sasl(self.kafka_security)

    @property
    def kafka_tls(self) -> bool:
        return uses_tls(self.kafka_security)

    @property
    def redis_tls(self) -> bool:
        return self.redis_url.startswith("rediss://")

    @property
    def redis_ca_certs(self) -> str:
        """The CA file the Redis clients verify the server with (`ssl_ca_certs` of a rediss:// URL)."""
        return parse_qs(urlparse(self.redis_url).query).get("ssl_ca_certs", [""])[0]

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.kafka_host}:{self.kafka_port}"

    @property
    def kafka_libs(self) -> Path:
        return self.cache_dir / f"kafka-{self.kafka_version}" / "libs"

    @property
    def kafka_dir(self) -> Path:
        return self.stack_dir / "kafka"

    @property
    def kafka_data(self) -> Path:
        return self.kafka_dir / "data"

    @property
    def kafka_log(self) -> Path:
        return self.stack_dir / "logs" / "kafka.log"

    @property
    def kafka_pid(self) -> Path:
        return self.stack_dir / "run" / "kafka.pid"

    @property
    def tls_dir(self) -> Path:
        """The stack's CA and server certificate (see `churnwatch.stack.certificates`)."""
        return self.stack_dir / "tls"

    @property
    def tls_ca(self) -> Path:
        return self.tls_dir / certificates.CA_FILE

    @property
    def tls_server(self) -> Path:
        return self.tls_dir / certificates.SERVER_FILE

    @property
    def redis_dir(self) -> Path:
        return self.stack_dir / "redis"

    @property
    def redis_log(self) -> Path:
        return self.stack_dir / "logs" / "redis.log"

    @property
    def redis_pid(self) -> Path:
        return self.stack_dir / "run" / "redis.pid"

    @classmethod
    def from_settings(cls, settings: Settings, environ: dict[str, str] | None = None) -> "StackConfig":
        env = os.environ if environ is None else environ
        host, port = _first_host_port(settings.kafka)
        redis = urlparse(settings.redis)
        cache = Path(env.get("CHURNWATCH_CACHE_DIR") or Path.home() / ".cache" / "churnwatch")
        stack = Path(env.get("CHURNWATCH_STACK_DIR") or Path.home() / ".local" / "share" / "churnwatch" / "stack")
        return cls(
            kafka_host=host,
            kafka_port=port,
            controller_port=int(env.get("CHURNWATCH_KAFKA_CONTROLLER_PORT") or port + 1),
            redis_url=settings.redis,
            redis_host=redis.hostname or "127.0.0.1",
            redis_port=redis.port or 6379,
            redis_password=redis.password,
            cache_dir=cache.expanduser(),
            stack_dir=stack.expanduser(),
            kafka_version=env.get("CHURNWATCH_KAFKA_VERSION") or KAFKA_VERSION,
            kafka_heap=env.get("CHURNWATCH_KAFKA_HEAP") or "512m",
            kafka_security=settings,
        )


def kafka_server_properties(cfg: StackConfig) -> str:
    """server.properties for a single KRaft node (broker + controller in one process).

    The client listener speaks the configured protocol. With SASL_* it authenticates the
    configured user with PLAIN or SCRAM (its SCRAM credentials are written when the storage is
    formatted); there is no authorizer, so an authenticated user may do everything. With SSL /
    SASL_SSL it serves the stack's certificate from PEM files (`tls_server` holds key and chain,
    the broker trusts `tls_ca` when it connects to itself); clients need no certificate. The
    controller listener stays PLAINTEXT on loopback: only the broker itself talks to it.

    Single-node settings: replication 1 everywhere, a one-partition offsets topic (fast group
    coordination), no initial rebalance delay (tests and the demo start consumers often), and a
    small log-cleaner dedupe buffer so compaction of changelog topics fits the small heap.
    """
    h = cfg.kafka_host
    listener = cfg.kafka_listener
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{h}:{cfg.controller_port}",
        "listeners": f"{listener}://{h}:{cfg.kafka_port},CONTROLLER://{h}:{cfg.controller_port}",
        "advertised.listeners": f"{listener}://{h}:{cfg.kafka_port}",
        "inter.broker.listener.name": listener,
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,{listener}:{listener}",
        "log.dirs": str(cfg.kafka_data),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
        "log.cleaner.dedupe.buffer.size": "2097152",
        "message.max.bytes": "2097152",
    }
    if cfg.kafka_sasl:
        user, password = cfg.kafka_security.kafka_sasl_username, cfg.kafka_security.kafka_sasl_password
        props.update({
            "sasl.enabled.mechanisms": ",".join(MECHANISMS),
            "sasl.mechanism.inter.broker.protocol": "PLAIN",
            f"listener.name.{listener.lower()}.plain.sasl.jaas.config":
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{user}" password="{password}" user_{user}="{password}";',
            **{f"listener.name.{listener.lower()}.{m}.sasl.jaas.config":
               "org.apache.kafka.common.security.scram.ScramLoginModule required;"
               for m in (mechanism.lower() for mechanism in SCRAM_MECHANISMS)},
        })
    if cfg.kafka_tls:
        props.update({
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(cfg.tls_server),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(cfg.tls_ca),
        })
    return "".join(f"{k}={v}\n" for k, v in props.items())


def redis_server_args(cfg: StackConfig) -> list[str]:
    """Command line for a foreground redis-server bound to the configured address.

    With a rediss:// URL the port speaks only TLS (`--port 0` closes the plaintext one) with the
    stack's certificate; clients need no certificate of their own (`--tls-auth-clients no`).
    """
    port = str(cfg.redis_port)
    args = [
        "--bind", cfg.redis_host, *(["--port", "0", "--tls-port", port] if cfg.redis_tls else ["--port", port]),
        "--dir", str(cfg.redis_dir), "--daemonize", "no",
        "--save", "", "--appendonly", "no", "--protected-mode", "yes",
    ]
    if cfg.redis_tls:
        args += ["--tls-cert-file", str(cfg.tls_server), "--tls-key-file", str(cfg.tls_server),
                 "--tls-ca-cert-file", str(cfg.tls_ca), "--tls-auth-clients", "no"]
    if cfg.redis_password:
        args += ["--requirepass", cfg.redis_password]
    return args
