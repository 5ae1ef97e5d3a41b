"""The batch consumer notices records its fetch loop skipped instead of taking them for a gap."""

from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP

from streams.batch_consumer import BatchingConsumer

ORDERS, PROFILES = TP("orders", 0), TP("customers", 0)


def _consumer(committed: int) -> BatchingConsumer:
    consumer = object.__new__(BatchingConsumer)  # only the bookkeeping is exercised, no broker
    consumer.app = SimpleNamespace(consumer_generation_id=4)
    consumer._batch_topics = frozenset({"orders", "customers"})
    consumer._contiguous_topics = frozenset({"orders"})
    consumer._confirmed_gaps = {}
    consumer._committed_offset = {ORDERS: committed, PROFILES: committed}
    consumer._delivered, consumer._delivered_generation = None, None
    return consumer


def test_a_jump_past_the_committed_offset_is_read_again_once_and_then_taken_for_a_gap():
    consumer = _consumer(committed=5414)
    assert consumer._skipped_to(ORDERS, 6059, {}) == 5414, "the dropped records are sought back"
    assert consumer._skipped_to(ORDERS, 6059, {}) is None, "the same jump again: a real gap"
    assert consumer._skipped_to(ORDERS, 5414, {}) is None


def test_contiguous_records_and_compacted_topics_pass():
    consumer = _consumer(committed=10)
    assert consumer._skipped_to(ORDERS, 11, {ORDERS: 10}) is None
    assert consumer._skipped_to(ORDERS, 13, {ORDERS: 10}) == 11
    assert consumer._skipped_to(PROFILES, 500, {}) is None, "compaction leaves gaps by design"


def test_what_was_handed_out_in_this_generation_sets_the_next_offset_expected():
    consumer = _consumer(committed=10)
    consumer._delivered, consumer._delivered_generation = {ORDERS: 20}, 4
    assert consumer._skipped_to(ORDERS, 21, {}) is None
    assert consumer._skipped_to(ORDERS, 30, {}) == 21
    consumer._delivered_generation = 3  # a rebalance since: the committed offset counts again
    assert consumer._skipped_to(ORDERS, 11, {}) == 10
