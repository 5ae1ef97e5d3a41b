"""Copies re-read after a crash or a rebalance are duplicates, not late events, however old.

Faust re-reads from the committed offsets; a copy older than the customer's id memory (the
lateness allowance) used to go to the dead-letter topic as `late` although it had been applied.
"""

from __future__ import annotations

from agents.batch import Record, process_batch
from agents.core.config import CoreConfig
from agents.core.rules.config import RulesConfig
from agents.customer_agent import CustomerPipeline
from agents.core.state import CustomerState
from agents.core.timeutil import format_ms
from streams.codec import encode_event
from streams.population import PopulationBoard
from streams.settings import Settings
from tests.unit.gate.test_gate import DAY, _order


def _run(table: dict, records: list[Record]):
    settings, core = Settings(), CoreConfig()
    pipeline = CustomerPipeline(settings=settings, core=core, state=table, metrics=None,
                                board=PopulationBoard(core, settings.partitions), redis=None, alerts=None,
                                rules=RulesConfig())
    result = process_batch(records, table.get, now_ms=900 * DAY, work_for=pipeline.work_for,
                           read_horizon=lambda p: ([], None))
    table.update(result.changed)
    return result


def _orders(days: list[int], first_offset: int = 0) -> list[Record]:
    return [Record("orders", 0, first_offset + n, b"A", encode_event(_order("A", n, day)))
            for n, day in enumerate(days)]


def test_a_history_read_again_from_the_start_is_all_duplicates_and_nothing_is_dead_lettered():
    table: dict[str, CustomerState] = {}
    history = _orders([10, 40, 80, 120, 160, 200])
    first = _run(table, history)
    assert first.outcomes == {("orders", "processed"): 6}
    assert table["A"].read_to == {"orders": 5}
    version = table["A"].version

    again = _run(table, history)  # the committed offset was 0: everything comes again
    assert again.outcomes == {("orders", "duplicate"): 6}
    assert not again.dead_letters
    assert table["A"].version == version


def test_a_new_record_too_old_to_apply_is_still_dead_lettered_as_late():
    table: dict[str, CustomerState] = {}
    _run(table, _orders([10, 200]))
    late = Record("orders", 0, 2, b"A", encode_event(_order("A", 7, 20)))  # a new offset, 180 days behind
    result = _run(table, [late])
    assert result.outcomes == {("orders", "late"): 1}
    assert [letter.reason for letter in result.dead_letters] == ["late"]
    detail = result.dead_letters[0].detail
    assert format_ms(20 * DAY) in detail and format_ms(200 * DAY) in detail, "names its time and the customer's newest"


def test_read_to_survives_the_changelog():
    table: dict[str, CustomerState] = {}
    _run(table, _orders([10, 200], first_offset=40))
    restored = CustomerState.from_dict(table["A"].to_dict())
    assert restored.read_to == {"orders": 41}
