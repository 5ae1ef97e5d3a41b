"""A store that hands out a new copy per read (rocksdb decodes its bytes each time) gives the
same states and outcomes as one that hands out the stored object (the memory store).

Found by the join-and-leave test with rocksdb: a release took the held events out of one copy
of the state, the engine applied them to a second copy that still held them, and that second
copy was saved; a rocksdb worker fed while the history was produced lost most of its events."""

from __future__ import annotations

from agents import state_codec
from agents.batch import PartitionWork, Record, process_batch
from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.gate import EventTimeGate
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from streams.codec import encode_event
from tests.unit.gate.test_gate import DAY, _invoice, _order


class ObjectStore(dict):
    """The memory store: a read returns the stored object."""

    def save(self, changed: dict[str, CustomerState]) -> None:
        self.update(changed)


class CopyingStore(dict):
    """The rocksdb store: states kept as their changelog bytes, a new object per read (decoded
    with the table's codec, as Faust's rocksdb store does)."""

    codec = state_codec.StateCodec()

    def get(self, cid: str) -> CustomerState | None:  # type: ignore[override]
        raw = super().get(cid)
        return self.codec.loads(raw) if raw is not None else None

    def save(self, changed: dict[str, CustomerState]) -> None:
        self.update({cid: state_codec.encode(state) for cid, state in changed.items()})


def _history() -> list[tuple[list[Record], list[str]]]:
    """Batches as a worker reads a history being produced: orders run ahead while the payments
    topic still has unread records (so they are held), then payments catch up and release them."""
    batches, offsets = [], {"orders": 0, "payments": 0}

    def record(topic: str, cid: str, event) -> Record:
        offsets[topic] += 1
        return Record(topic, 0, offsets[topic] - 1, cid.encode(), encode_event(event))

    for month in range(6):
        orders = [record("orders", f"C{c}", _order(f"C{c}", month * 10 + n, 30 * month + 3 * n + c))
                  for n in range(3) for c in range(4)]
        batches.append((orders, ["payments"]))  # held: payments not yet read this far
        payments = [record("payments", f"C{c}", _invoice(f"C{c}", month, 30 * month + 28)) for c in range(4)]
        batches.append((payments, ["orders"]))  # releases the orders before the invoices' time
    batches.append(([], []))  # every topic read to its end: the rest leaves the gate
    return batches


def _run(store) -> tuple[dict, dict, int]:
    work = PartitionWork(EventTimeGate(), PartitionEngine(CoreConfig(), RulesConfig()))
    outcomes: dict = {}
    for records, unread in _history():
        result = process_batch(records, store.get, now_ms=20_000 * DAY, work_for=lambda p: work,
                               read_horizon=lambda p, unread=unread: (unread, None), wake=[0])
        store.save(result.changed)
        for key, count in result.outcomes.items():
            outcomes[key] = outcomes.get(key, 0) + count
    states = {cid: store.get(cid).to_dict() for cid in sorted(store)}
    return states, outcomes, sum(len(store.get(cid).held) for cid in store)


def test_a_store_of_copies_gives_what_a_store_of_objects_gives():
    by_object, by_copy = _run(ObjectStore()), _run(CopyingStore())
    states, outcomes, still_held = by_copy
    assert outcomes == {("orders", "processed"): 72, ("payments", "processed"): 24}, outcomes
    assert still_held == 0, "every held event left the gate and its state"
    assert all(state["v"] == 24 for state in states.values())
    assert by_copy == by_object
