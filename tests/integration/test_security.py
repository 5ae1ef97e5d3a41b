"""Nobody let in: a stack whose Kafka asks for a SASL user and whose Redis asks for a password.

The worker is configured with both (SASL PLAIN), `churnwatch simulate` produces the history with
SCRAM-SHA-256 as the same user, and every card ends up correct over HTTP and in Redis. Clients
without the credentials, or with wrong ones, are refused by both servers. Neither the worker's
log nor its metrics show a customer's name or a password.
"""

from __future__ import annotations

import pytest
import redis

from churnwatch.simulation.population import build_population
from churnwatch.simulation.spec import SimulationSpec
from churnwatch.stack.kafka import metadata_ok
from streams.topics import ensure_topics
from tests.integration.card_truth import expected_cards, produce_simulation, wait_for_cards
from tests.integration.private_stack import private_stack
from tests.stack_fixtures import start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KAFKA_USER = {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN",
              "kafka_sasl_username": "churnwatch", "kafka_sasl_password": "kafka-secret"}


@pytest.mark.timeout(600)
def test_sasl_kafka_and_password_redis(tmp_path):
    with private_stack(tmp_path, redis_password="redis-secret", **KAFKA_USER) as (settings, cfg):
        assert metadata_ok(settings.kafka, security=settings), "the configured user is let in"
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_security_protocol="PLAINTEXT"))
        assert not metadata_ok(settings.kafka, security=settings.with_overrides(kafka_sasl_password="wrong"))
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=cfg.redis_host, port=cfg.redis_port).ping()

        spec = SimulationSpec(customers=60, months=6, seed=3)
        ensure_topics(settings)
        truth = expected_cards(spec, settings)
        worker = start_worker(settings, tmp_path)
        try:
            worker.wait_ready(timeout=180)
            produce_simulation(spec, settings.with_overrides(kafka_sasl_mechanism="SCRAM-SHA-256"))
            wait_for_cards(truth, lambda cid: worker.get(f"/customers/{cid}").json(), timeout=180)
            client = redis.Redis.from_url(settings.redis)
            wait_until(lambda: len(client.keys(f"{settings.app_id}:card:*")) == len(truth.cards), timeout=30,
                       what="every card in the password-protected Redis")
            assert worker.get("/readyz").json()["redis"] == "ok"
            names = {customer.profile.name for customer in build_population(spec)}
            exposed = worker.log_path.read_text(errors="replace") + worker.get("/metrics").text
            assert not [name for name in names if name in exposed], "customer names in logs or metrics"
            assert "kafka-secret" not in exposed and "redis-secret" not in exposed
        finally:
            worker.stop()
