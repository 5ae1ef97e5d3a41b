"""The simulated population: Pareto revenue, key accounts, scenario allocation, determinism."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

import pytest

from agents.core.events import Order, Profile
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import build_population, manager_names
from churnwatch.simulation.scenarios import KEY_ACCOUNT_SHARES, OTHER_SHARES, Scenario
from churnwatch.simulation.spec import SimulationSpec


def top_share(values: list[int], share: float = 0.2) -> float:
    ordered = sorted(values, reverse=True)
    return sum(ordered[:round(share * len(ordered))]) / sum(ordered)


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_expected_revenue_is_pareto_80_20(seed: int) -> None:
    population = build_population(SimulationSpec(customers=2000, seed=seed))
    assert 0.77 <= top_share([c.monthly_revenue_cents for c in population]) <= 0.83


def test_realised_revenue_keeps_the_80_20_split() -> None:
    spec = SimulationSpec(customers=600, months=12, seed=3)
    revenue: Counter[str] = Counter()
    for event in simulate(spec):
        if isinstance(event, Order):
            revenue[event.customer_id] += event.amount_cents
    assert len(revenue) == 600
    assert 0.72 <= top_share(list(revenue.values())) <= 0.88


def test_key_accounts_are_the_top_fifth_by_expected_revenue() -> None:
    population = build_population(SimulationSpec(customers=500, seed=5))
    key = [c for c in population if c.profile.key_account]
    assert len(key) == 100
    assert min(c.monthly_revenue_cents for c in key) >= max(
        c.monthly_revenue_cents for c in population if not c.profile.key_account)


def test_stories_have_exact_counts_and_sit_mostly_among_key_accounts() -> None:
    population = build_population(SimulationSpec(customers=2000))
    counts = Counter((c.scenario.scenario, c.profile.key_account) for c in population)
    for scenario, share in KEY_ACCOUNT_SHARES.items():
        assert counts[scenario, True] == round(share * 400)
        assert counts[scenario, False] == round(OTHER_SHARES[scenario] * 1600)
    key_stories = sum(n for (s, key), n in counts.items() if key and s is not Scenario.STEADY)
    other_stories = sum(n for (s, key), n in counts.items() if not key and s is not Scenario.STEADY)
    assert key_stories / 400 > 2 * other_stories / 1600


def test_onsets_lie_in_the_second_half_with_room_to_play_out() -> None:
    spec = SimulationSpec(customers=2000, months=24)
    starts = spec.month_starts_ms()
    for customer in build_population(spec):
        plan = customer.scenario
        if plan.scenario is Scenario.STEADY:
            assert plan.onset_ms is None and plan.onset_month is None
        else:
            assert 12 <= plan.onset_month <= 21
            assert starts[plan.onset_month] <= plan.onset_ms < starts[plan.onset_month + 1]


def test_profiles_are_plausible_master_data() -> None:
    population = build_population(SimulationSpec(customers=300, managers=4))
    ids = [c.customer_id for c in population]
    assert ids[:3] == ["C00001", "C00002", "C00003"] and len(set(ids)) == 300
    assert {c.profile.account_manager for c in population} == set(manager_names(4))
    assert {c.profile.payment_terms_days for c in population} == {30, 45, 60}
    for customer in population:
        assert 2 <= len(customer.categories) <= 6
        assert math.isclose(sum(customer.category_weights), 1.0)
    key_by_manager = Counter(c.profile.account_manager for c in population if c.profile.key_account)
    assert max(key_by_manager.values()) - min(key_by_manager.values()) <= 1


def test_manager_names_stay_distinct_beyond_the_named_list() -> None:
    names = manager_names(30)
    assert len(set(names)) == 30


def test_same_seed_same_events_other_seed_other_events() -> None:
    spec = SimulationSpec(customers=80, months=8, seed=11)
    first = list(simulate(spec))
    assert first == list(simulate(spec))
    assert first != list(simulate(SimulationSpec(customers=80, months=8, seed=12)))


def test_profiles_first_then_time_order_within_the_history() -> None:
    spec = SimulationSpec(customers=120, months=6, start=date(2023, 11, 1))
    events = list(simulate(spec))
    assert all(isinstance(e, Profile) for e in events[:120])
    timed = events[120:]
    assert not any(isinstance(e, Profile) for e in timed)
    times = [e.occurred_ms for e in timed]
    assert times == sorted(times)
    starts = spec.month_starts_ms()
    assert starts[0] <= times[0] and times[-1] < starts[-1]
    assert len({e.event_id for e in events}) == len(events)


def test_orders_invoices_and_payments_tie_together() -> None:
    spec = SimulationSpec(customers=60, months=6)
    population = {c.customer_id: c for c in build_population(spec)}
    invoices, payments, orders = {}, defaultdict(list), {}
    for event in simulate(spec, list(population.values())):
        if isinstance(event, Order):
            orders[event.order_id] = event
            assert event.amount_cents == sum(line.amount_cents for line in event.lines) > 0
            assert event.quantity_milli == sum(line.quantity_milli for line in event.lines) > 0
            assert {line.category for line in event.lines} <= set(population[event.customer_id].categories)
        elif getattr(event, "kind", None) == "invoice":
            terms = population[event.customer_id].profile.payment_terms_days
            assert event.due_ms - event.occurred_ms == terms * 86_400_000
            invoices[event.invoice_id] = event
        elif getattr(event, "kind", None) == "payment":
            payments[event.invoice_id].append(event)
    assert len(invoices) == len(orders)
    for invoice_id, paid in payments.items():
        assert len(paid) == 1 and paid[0].amount_cents == invoices[invoice_id].amount_cents
        assert paid[0].occurred_ms > invoices[invoice_id].occurred_ms
