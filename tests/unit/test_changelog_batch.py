"""Changelog records applied a fetch at a time by `BatchRecovery` (no broker: the recovery's
bookkeeping and a real memory-store table of a real app)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from faust.types import TP, Message

from agents.core.state import CustomerState
from agents.state_codec import StateCodec
from streams.app import create_app
from streams.changelog_batch import BatchRecovery, batch_recovery
from streams.settings import Settings


def _message(tp: TP, offset: int, customer_id: str, orders: int) -> Message:
    state = CustomerState(customer_id)
    state.orders = orders
    return Message(tp.topic, tp.partition, offset, 0.0, 0, None, customer_id.encode(), StateCodec().dumps(state),
                   None, tp=tp)


@pytest.fixture
def recovering(tmp_path):
    """An app's recovery in the middle of restoring partition 0 (offsets 0..2) as an active and
    partition 1 as a standby."""
    app = create_app(Settings(data_dir=tmp_path))
    table = app.churnwatch.state
    topic = table.changelog_topic.get_topic_name()
    active, standby = TP(topic, 0), TP(topic, 1)
    recovery = batch_recovery(app)
    assert isinstance(recovery, BatchRecovery)
    recovery.active_tps, recovery.standby_tps = {active}, {standby}
    recovery.tp_to_table = {active: table, standby: table}
    recovery.active_offsets, recovery.active_highwaters = Counter({active: -1}), Counter({active: 2})
    recovery.standby_offsets, recovery.standby_highwaters = Counter({standby: -1}), Counter({standby: 5})
    recovery._set_recovery_started()
    return recovery, table, active, standby


def test_a_fetch_is_applied_and_ends_the_recovery_once_the_actives_are_caught_up(recovering):
    recovery, table, active, standby = recovering
    asyncio.run(recovery.apply_fetched([_message(active, 0, "C1", 1), _message(active, 1, "C2", 1)]))
    assert recovery.in_recovery and not recovery.signal_recovery_end.is_set(), "offset 2 is still to come"

    asyncio.run(recovery.apply_fetched([_message(active, 1, "C2", 99), _message(active, 2, "C1", 2),
                                        _message(TP(active.topic, 5), 0, "C9", 1)]))
    assert not recovery.in_recovery and recovery.signal_recovery_end.is_set()
    assert recovery.active_offsets[active] == 2
    assert {cid: table.data[cid].orders for cid in ("C1", "C2")} == {"C1": 2, "C2": 1}, \
        "the last write of a key wins; an offset seen before changes nothing"
    assert "C9" not in table.data, "a partition neither active nor standby here is skipped"


def test_standby_records_wait_for_a_full_buffer_and_standbys_become_ready_at_their_highwater(recovering):
    recovery, table, active, standby = recovering
    asyncio.run(recovery.apply_fetched([_message(standby, offset, f"S{offset}", 1) for offset in range(3)]))
    assert recovery.standby_offsets[standby] == 2 and not recovery.tables.standbys_ready
    assert "S0" not in table.data, "buffered until a standby buffer is full, as in Faust"

    asyncio.run(recovery.apply_fetched([_message(standby, offset, f"S{offset}", 1) for offset in range(3, 6)]))
    assert recovery.tables.standbys_ready


def test_a_rocksdb_table_gets_the_raw_bytes_without_a_state_decode_per_record(tmp_path, monkeypatch):
    """Faust's rocksdb store writes each record's raw key and value: decoding a whole state per
    record for it was 8% of a restore."""
    app = create_app(Settings(data_dir=tmp_path, store="rocksdb://"))
    table = app.churnwatch.state
    tp = TP(table.changelog_topic.get_topic_name(), 0)
    recovery = batch_recovery(app)
    recovery.active_tps, recovery.standby_tps, recovery.tp_to_table = {tp}, set(), {tp: table}
    recovery.active_offsets, recovery.active_highwaters = Counter({tp: -1}), Counter({tp: 0})
    recovery._set_recovery_started()

    def no_decode(self, data):
        raise AssertionError("a changelog value was decoded")
    monkeypatch.setattr(StateCodec, "_loads", no_decode)
    message = _message(tp, 0, "C1", 3)
    asyncio.run(recovery.apply_fetched([message]))
    monkeypatch.undo()

    assert not recovery.in_recovery
    assert table.data._dbs[0].get(b"C1") == message.value
    assert StateCodec().loads(table.data._dbs[0].get(b"C1")).orders == 3
