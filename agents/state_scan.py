"""Read what an index rebuild needs of every state a worker owns, as cheaply as the store allows.

Why: after every rebalance and at every start the worker rebuilds its gates and alert engines
from all the states of its partitions (`CustomerPipeline.rebuild_indexes`). Through the table
that means, per customer, a Faust key decode, a murmur2 hash (pure Python in kafka-python) to
find the partition, and a full `CustomerState` decode. The rocksdb store keeps one database per
partition, so the partition is known without hashing, and the raw JSON of each state is parsed
for the few fields the rebuild reads (`RecoveryFacts`). The memory store (tests, the demo)
holds decoded states already and is read through the table.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import orjson

from agents.core.state import RecoveryFacts


def owned_recovery_facts(table, owned: set[int], partition_of: Callable[[str], int]
                         ) -> Iterator[tuple[int, RecoveryFacts]]:
    """(partition, facts) of every state in `table` whose partition is in `owned`."""
    store = getattr(table, "data", None)  # a plain dict in unit tests
    databases = getattr(store, "_dbs", None)  # faust.stores.rocksdb.Store: partition -> database
    if databases is not None:
        for partition, database in list(databases.items()):
            if partition in owned:
                yield from ((partition, facts) for facts in _facts_of_encoded(store._visible_values(database)))
        return
    for customer_id, state in list(table.items()):  # a copy: the caller pauses, and standbys write
        partition = partition_of(customer_id)
        if partition in owned:
            yield partition, RecoveryFacts.of(state)


def _facts_of_encoded(values: Iterable[bytes | None]) -> Iterator[RecoveryFacts]:
    """Facts of states as the `churnwatch-state` codec wrote them (None: a deleted key)."""
    for value in values:
        if value is not None:
            yield RecoveryFacts.from_dict(orjson.loads(value))
