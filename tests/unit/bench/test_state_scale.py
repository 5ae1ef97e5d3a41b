from datetime import UTC, datetime

import orjson
import pytest
from kafka.partitioner.default import murmur2

from agents.core.config import CoreConfig
from agents.core.rules.config import RulesConfig
from agents.state_codec import StateCodec
from churnwatch.bench.state_scale import ScaledStates, build_templates

NOW_MS = int(datetime(2026, 11, 23, 21, 0, tzinfo=UTC).timestamp() * 1000)
NAMESPACE = "bench-t-state-"


@pytest.fixture(scope="module")
def templates():
    return build_templates(12, NAMESPACE, NOW_MS, CoreConfig(), RulesConfig())


def test_templates_are_states_the_core_built_from_orders(templates):
    assert 1 < len(templates) <= 12
    for template in templates:
        state = StateCodec().loads(template.encoded)
        assert state.customer_id == NAMESPACE + template.token.decode()
        assert state.orders == template.orders > 0
        assert state.max_event_ms <= NOW_MS and state.seen_orders and state.periods
        assert "le" in state.alerts, "the rules evaluated it at the day boundaries its orders crossed"


def test_every_scaled_customer_is_distinct_namespaced_and_decodable(templates):
    states = ScaledStates(NAMESPACE, 100, templates)
    records = list(states.records(6))
    keys = [key.decode() for key, _, _ in records]
    assert len(set(keys)) == 100 and all(key.startswith(NAMESPACE) for key in keys)
    codec = StateCodec()
    for index, (key, _, value) in enumerate(records):
        state = codec.loads(value)
        template = states.template(index)
        assert state.customer_id == key.decode() == states.customer_id(index)
        assert state.orders == template.orders
        assert template.token not in value, "the template's id is replaced everywhere"
        token = states.token(index)
        assert all(token in event_id for event_id in [*state.seen_events, *state.seen_orders])


def test_a_scaled_state_differs_from_its_template_only_by_the_id(templates):
    states = ScaledStates(NAMESPACE, 50, templates)
    index = len(templates) + 3
    template = orjson.loads(states.template(index).encoded)
    scaled = orjson.loads(states.record(index, 6)[2])
    again = orjson.dumps(scaled).replace(states.token(index).encode(), states.template(index).token)
    assert orjson.loads(again) == template


def test_partitions_are_the_default_partitioners(templates):
    states = ScaledStates(NAMESPACE, 200, templates)
    partitions = [partition for _, partition, _ in states.records(6)]
    assert partitions == [(murmur2(states.customer_id(i).encode()) & 0x7FFFFFFF) % 6 for i in range(200)]
    assert set(partitions) == set(range(6))


def test_no_templates_is_refused():
    with pytest.raises(ValueError):
        ScaledStates(NAMESPACE, 10, ())
