"""The acceptance bar of the alert rules, on simulated histories with a scripted truth.

For each seed: 2000 customers x 24 months (what `churnwatch simulate --customers 2000 --months 24
--seed S --truth truth.csv` writes), the default rules of config/rules.toml, one backtest.
Among key accounts: recall >= 0.9 for each churn story, every detection within two periods
(62 days) of the onset (of the first due date for a late payer), and precision >= 0.85 with any
alert on a steady customer or a false-alarm bait counted as false. Smaller populations leave
too few customers per story (one miss in seven is below 0.9), hence the full size: ~20 s a seed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.core.config import load_core_config
from agents.core.rules.config import load_rules_config
from churnwatch.backtest.metrics import RELEVANT_KINDS, WINDOW_DAYS, TruthEntry, score_against_truth
from churnwatch.backtest.runner import event_order, run_backtest
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import build_population
from churnwatch.simulation.spec import SimulationSpec

CONFIG = Path(__file__).resolve().parents[3] / "config"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 11, 23])
def test_default_rules_meet_the_bar_on_a_simulated_history(seed):
    spec = SimulationSpec(customers=2000, months=24, seed=seed)
    population = build_population(spec)
    truth = [TruthEntry(c.customer_id, c.scenario.scenario.value, c.scenario.onset_ms, c.profile.account_manager,
                        c.profile.key_account) for c in population]
    events = sorted(simulate(spec, population), key=event_order)
    run = run_backtest(events, load_core_config(CONFIG / "core.toml"), load_rules_config(CONFIG / "rules.toml"))
    score = score_against_truth(run.alerts, truth, run.states)
    report = {s: (row.get("detected"), row["customers"], row["alerted"]) for s, row in score["scenarios"].items()}
    for scenario in RELEVANT_KINDS:
        row = score["scenarios"][scenario]
        assert row["customers"] >= 15, report
        assert row["recall"] >= 0.9, (scenario, report)
        assert row["delay_days"]["max"] <= WINDOW_DAYS + 60, (scenario, row)  # late payers: + their terms
    assert score["precision"] >= 0.85, (score["precision"], score["false_alarms_by_kind"], report)
