"""Nobody let in: stacks whose Kafka asks for a SASL user and whose Redis asks for a password.

The worker is configured with both, `churnwatch simulate` produces the history as the same user,
and every card ends up correct over HTTP and in Redis. First over plaintext connections (worker
with SASL PLAIN, producer with SCRAM-SHA-256), then with TLS everywhere (SASL_SSL with
SCRAM-SHA-512, rediss://), the clients verifying the servers with the stack's own CA. Clients
without the credentials, with wrong ones, without TLS or without the CA are refused by both
servers. Neither the worker's log nor its metrics show a customer's name, a customer's amount or a
password.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis

from churnwatch.simulation.population import build_population
from churnwatch.simulation.spec import SimulationSpec
from churnwatch.stack import manager
from churnwatch.stack.kafka import metadata_ok
from streams.settings import Settings
from streams.topics import ensure_topics
from tests.integration.card_truth import expected_cards, produce_simulation, wait_for_cards
from tests.integration.private_stack import private_stack
from tests.stack_fixtures import start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KAFKA_USER = {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN",
              "kafka_sasl_username": "churnwatch", "kafka_sasl_password": "kafka-secret"}
KAFKA_USER_OVER_TLS = {**KAFKA_USER, "kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512"}
SPEC = SimulationSpec(customers=60, months=6, seed=3)


def _customer_amounts(cards: dict[str, dict]) -> list[re.Pattern]:
    """Each customer's lifetime and trailing revenue, in currency units and in cents, as whole
    numbers in a text (at least 1,000 cents, so that a histogram bucket or a port number cannot
    pass for one)."""
    cents = {round(value * 100) for card in cards.values()
             for value in (card["lifetime"]["amount"], card["rfm"]["monetary"]) if value}
    return [re.compile(rf"(?<![\d.]){re.escape(text)}(?!\.?\d)")
            for c in cents if c >= 1000 for text in (str(c), f"{c / 100:.2f}", repr(c / 100))]


def assert_a_worker_makes_every_card(settings: Settings, producer: Settings, tmp_path: Path) -> None:
    """A worker configured with `settings` makes every card of SPEC, produced by `producer` (the
    same user, maybe another SASL mechanism), correct over HTTP and in Redis; its log and metrics
    show no customer name, no customer amount and no password."""
    ensure_topics(settings)
    truth = expected_cards(SPEC, settings)
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready(timeout=180)
        produce_simulation(SPEC, producer)
        wait_for_cards(truth, lambda cid: worker.get(f"/customers/{cid}").json(), timeout=180, workers=[worker])
        client = redis.Redis.from_url(settings.redis)
        wait_until(lambda: len(client.keys(f"{settings.app_id}:card:*")) == len(truth.cards), timeout=30,
                   what="every card in the password-protected Redis")
        assert worker.get("/readyz").json()["redis"] == "ok"
        names = {customer.profile.name for customer in build_population(SPEC)}
        exposed = worker.log_path.read_text(errors="replace") + worker.get("/metrics").text
        assert not [name for name in names if name in exposed], "customer names in logs or metrics"
        assert not [a for a in _customer_amounts(truth.cards) if a.search(exposed)], "customer amounts in logs or metrics"
        assert "kafka-secret" not in exposed and "redis-secret" not in exposed
    finally:
        worker.stop()


@pytest.mark.timeout(600)
def test_sasl_kafka_and_password_redis(tmp_path):
    with private_stack(tmp_path, redis_password="redis-secret", **KAFKA_USER) as (settings, cfg):
        assert metadata_ok(settings.kafka, security=settings), "the configured user is let in"
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_security_protocol="PLAINTEXT"))
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_sasl_password="wrong"))
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=cfg.redis_host, port=cfg.redis_port).ping()

        assert_a_worker_makes_every_card(settings, settings.with_overrides(kafka_sasl_mechanism="SCRAM-SHA-256"), tmp_path)


@pytest.mark.timeout(600)
def test_tls_kafka_and_redis_verified_with_the_stacks_ca(tmp_path):
    with private_stack(tmp_path, redis_password="redis-secret", redis_tls=True, **KAFKA_USER_OVER_TLS) as (settings, cfg):
        assert settings.redis.startswith("rediss://") and settings.kafka_ssl_cafile == str(cfg.tls_ca)
        assert cfg.tls_server.stat().st_mode & 0o077 == 0, "the server's private key is readable by others"
        assert all(str(cfg.tls_ca) in state.detail for state in manager.status(cfg)), "status names the CA"

        assert metadata_ok(settings.kafka, security=settings), "the configured user is let in over TLS"
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_security_protocol="SASL_PLAINTEXT"))
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_ssl_cafile="")), \
            "a client trusting only the system's CAs must not accept the broker's certificate"

        with pytest.raises(redis.ConnectionError):
            redis.Redis(host=cfg.redis_host, port=cfg.redis_port, password="redis-secret").ping()
        with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            redis.Redis.from_url(settings.redis.split("?")[0]).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(settings.redis.replace(":redis-secret@", "")).ping()

        assert_a_worker_makes_every_card(settings, settings, tmp_path)
