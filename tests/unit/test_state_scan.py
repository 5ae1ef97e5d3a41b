"""The index rebuild reads the same facts from rocksdb's raw bytes as from decoded states."""

from __future__ import annotations

from types import SimpleNamespace

from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.state import RecoveryFacts
from agents.customer_agent import partition_of
from agents.state_codec import StateCodec
from agents.state_scan import owned_recovery_facts
from tests.unit.gate.test_gate import DAY, _invoice, _order

PARTITIONS = 3


def _states() -> dict:
    """Customers on every partition; some hold events (out of order on purpose), some carry an
    alert book."""
    states = {}
    for n in range(12):
        cid = f"C{n:03d}"
        state = apply_event(None, _order(cid, 0, 100 + n), CoreConfig())[0]
        if n % 3 == 0:
            state.held = [[(200 + n) * DAY, 0, 7, _order(cid, 1, 200 + n)],
                          [(190 + n) * DAY, 1, 3, _invoice(cid, 0, 190 + n)]]
        if n % 4 == 0:
            state.alerts = {"lv": state.version - 1, "nc": (300 + n) * DAY}
        states[cid] = state
    return states


def _never_hashed(customer_id: str) -> int:
    raise AssertionError("rocksdb keeps a database per partition: no key needs hashing")


def test_rocksdb_bytes_give_the_facts_of_the_decoded_states_of_owned_partitions_only():
    states, codec = _states(), StateCodec()
    databases = {p: [] for p in range(PARTITIONS)}
    for cid, state in states.items():
        databases[partition_of(cid, PARTITIONS)].append(codec.dumps(state))
    databases[1].append(None)  # a deleted key
    store = SimpleNamespace(_dbs=databases, _visible_values=iter)
    scanned = sorted(owned_recovery_facts(SimpleNamespace(data=store), {0, 2}, _never_hashed),
                     key=lambda pf: pf[1].customer_id)
    expected = sorted(((partition_of(cid, PARTITIONS), RecoveryFacts.of(state)) for cid, state in states.items()
                       if partition_of(cid, PARTITIONS) in {0, 2}), key=lambda pf: pf[1].customer_id)
    assert scanned == expected and len(scanned) > 0
    held = next(facts for _, facts in scanned if facts.oldest_held_ms is not None)
    assert held.newest_held_ms - held.oldest_held_ms == 10 * DAY, "oldest and newest, whatever the order"


def test_a_table_of_decoded_states_gives_the_same_facts():
    states = _states()
    scanned = dict((facts.customer_id, (partition, facts))
                   for partition, facts in owned_recovery_facts(states, {0, 1, 2}, lambda c: partition_of(c, PARTITIONS)))
    assert scanned == {cid: (partition_of(cid, PARTITIONS), RecoveryFacts.of(state)) for cid, state in states.items()}
