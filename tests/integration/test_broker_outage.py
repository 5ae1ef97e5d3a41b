"""Kafka stopped for 30 s in the middle of a history and started again: the same worker
process carries on by itself, and every card ends up equal to the pandas reference.

The broker is a private one (the shared test broker serves the other tests); it is stopped
the way an operator or a crash of its host would stop it (SIGTERM) and restarted on its data.
"""

from __future__ import annotations

import time

import pytest

from churnwatch.simulation.spec import SimulationSpec
from churnwatch.stack import kafka, process
from streams.topics import ensure_topics
from tests.integration.card_truth import expected_cards, produce_simulation, wait_for_cards
from tests.integration.private_stack import private_stack
from tests.stack_fixtures import start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OUTAGE_SECONDS = 30


@pytest.mark.timeout(900)
def test_kafka_stopped_for_30_seconds_mid_stream(tmp_path):
    with private_stack(tmp_path) as (settings, cfg):
        spec = SimulationSpec(customers=1000, months=24, seed=23)
        ensure_topics(settings)
        truth = expected_cards(spec, settings)
        produce_simulation(spec, settings)
        worker = start_worker(settings, tmp_path)
        try:
            worker.wait_ready(timeout=180)
            wait_until(lambda: worker.processed() >= truth.events * 0.3, timeout=300, interval=0.2,
                       what="the worker to be in the middle of the history")
            assert process.stop(cfg.kafka_pid), "the broker was running and is stopped now"
            stopped_at = worker.processed()
            assert stopped_at < truth.events, f"the outage must fall in the middle of the stream ({stopped_at})"
            time.sleep(OUTAGE_SECONDS)
            assert worker.proc.poll() is None, f"the worker must outlive the outage:\n{worker.log_tail()}"
            assert worker.get("/healthz").status_code == 200
            kafka.wait_ready(cfg, kafka.start(cfg))
            wait_for_cards(truth, lambda cid: worker.get(f"/customers/{cid}").json(), timeout=420, workers=[worker])
            assert worker.proc.poll() is None, "the same worker process recovered, nobody restarted it"
            assert worker.dead_letters() == 0
        finally:
            worker.stop()
