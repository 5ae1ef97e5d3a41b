"""Indexes that spare the worker full scans of its state (a million customers in rocksdb):
RFM windows for the population summaries, tier counts for the gauge."""

from __future__ import annotations

import random

from agents.core.apply import apply_event
from agents.core.config import CoreConfig
from agents.core.population import PartitionSummary
from agents.core.rfm import rfm_values, rfm_window
from agents.core.timeutil import DAY_MS
from agents.core.rules.config import RulesConfig
from agents.customer_agent import CustomerPipeline, partition_of
from streams.population import PopulationBoard
from streams.settings import Settings
from tests.unit.gate.test_gate import _order

CORE = CoreConfig()


def _customer(cid: str, days: list[int]):
    state = None
    for n, day in enumerate(sorted(days)):
        state = apply_event(state, _order(cid, n, day), CORE)[0]
    return state


def test_a_window_gives_rfm_values_at_every_clock_it_holds_and_ends_when_they_change():
    rng = random.Random(5)
    for n in range(40):
        state = _customer(f"C{n}", rng.sample(range(1, 900), rng.randint(1, 12)))
        for clock_day in rng.sample(range(1, 1300), 20):
            clock = clock_day * DAY_MS + rng.randrange(DAY_MS)
            window = rfm_window(state, clock, CORE)
            assert window.values(clock) == rfm_values(state, clock, CORE)
            for probe in (clock + 1, (clock + window.until_ms) // 2, window.until_ms - 1):
                if probe < window.until_ms:
                    assert window.values(probe) == rfm_values(state, probe, CORE)
            if window.until_ms < 1 << 62:
                assert window.values(window.until_ms) is None
                before, after = rfm_values(state, window.until_ms - 1, CORE), rfm_values(state, window.until_ms, CORE)
                assert before[1:] != after[1:], "a window ends where frequency or monetary change"
            assert window.values(clock - 1) is None


def test_partition_summaries_from_windows_equal_those_from_states_and_follow_changes():
    settings = Settings()
    rng = random.Random(9)
    table = {f"C{n}": _customer(f"C{n}", rng.sample(range(1, 700), rng.randint(1, 8))) for n in range(60)}
    pipeline = CustomerPipeline(settings=settings, core=CORE, state=table, metrics=None,
                                board=PopulationBoard(CORE, settings.partitions), redis=None, alerts=None, rules=RulesConfig())
    pipeline.rebuild_indexes(owned=set(range(settings.partitions)))
    for partition in range(settings.partitions):
        for clock_day in (700, 800, 1200):
            pipeline.work_for(partition).gate.known_max_ms = clock_day * DAY_MS
            states = [table[c] for c in pipeline.customers_by_partition.get(partition, ())]
            expected = PartitionSummary.from_states(states, clock_day * DAY_MS, CORE)
            assert PartitionSummary.from_values(pipeline.rfm_values_of(partition, clock_day * DAY_MS), clock_day * DAY_MS, CORE) == expected
    changed = next(iter(table))
    table[changed] = apply_event(table[changed], _order(changed, 99, 1190), CORE)[0]
    partition = partition_of(changed, settings.partitions)
    pipeline.remember(changed, partition)
    states = [table[c] for c in pipeline.customers_by_partition[partition]]
    assert (PartitionSummary.from_values(pipeline.rfm_values_of(partition, 1200 * DAY_MS), 1200 * DAY_MS, CORE)
            == PartitionSummary.from_states(states, 1200 * DAY_MS, CORE))


def test_tier_counts_follow_the_tiers_on_published_cards():
    pipeline = CustomerPipeline(settings=Settings(), core=CORE, state={}, metrics=None,
                                board=PopulationBoard(CORE, 6), redis=None, alerts=None, rules=RulesConfig())
    for cid, tier in [("a", "A"), ("b", "A"), ("c", "none"), ("a", "B"), ("b", "A")]:
        pipeline.note_tier(cid, tier)
    assert {t: n for t, n in pipeline.tier_counts.items() if n} == {"A": 1, "B": 1, "none": 1}


def test_a_customer_with_only_held_events_is_indexed_without_a_new_card_or_summary():
    pipeline = CustomerPipeline(settings=Settings(), core=CORE, state={}, metrics=None,
                                board=PopulationBoard(CORE, 6), redis=None, alerts=None, rules=RulesConfig())
    pipeline.remember("held", 2, card_changed=False)
    assert pipeline.customers_by_partition == {2: {"held"}}
    assert pipeline.cards_pending == {} and pipeline.summaries_pending == set()
    pipeline.remember("held", 2)
    assert pipeline.cards_pending == {"held": 2} and pipeline.summaries_pending == {2}
