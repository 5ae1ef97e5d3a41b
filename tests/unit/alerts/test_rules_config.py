"""config/rules.toml: documented defaults, loud failures, reloadable without code changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.core.config import CoreConfig
from agents.core.rules.config import KINDS, RulesConfig, load_rules_config

RULES_FILE = Path(__file__).resolve().parents[3] / "config" / "rules.toml"


def test_the_shipped_file_states_exactly_the_defaults():
    assert load_rules_config(RULES_FILE) == RulesConfig()


def test_a_changed_value_is_picked_up_from_the_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[recency_lapse]\nmin_days = 90\n[scope]\ntiers = ["A", "B"]\n'
                    '[complaint_unresolved]\nsla_days = { critical = 1, high = 2, medium = 3, low = 4 }\n')
    config = load_rules_config(path)
    assert config.recency_lapse.min_days == 90 and config.recency_lapse.gap_multiple == 2.5
    assert config.scope.tiers == ("A", "B")
    assert config.complaint_unresolved.sla_days["critical"] == 1
    assert config.volume_decline == RulesConfig().volume_decline


@pytest.mark.parametrize("mapping, message", [
    ({"recency_lapse": {"min_dayz": 30}}, "recency_lapse.min_dayz"),
    ({"volume": {}}, "section"),
    ({"volume_decline": {"measures": ["weight"]}}, "measures"),
    ({"volume_decline": {"trend_periods": 1}}, "trend_periods"),
    ({"scope": {"tiers": ["Z"]}}, "tiers"),
    ({"complaint_unresolved": {"sla_days": {"high": 7}}}, "sla_days"),
    ({"payment_overdue": {"severity_days": [30, 60]}}, "three steps"),
])
def test_mistakes_fail_loudly(mapping, message):
    with pytest.raises(ValueError, match=message):
        RulesConfig.from_mapping(mapping)


def test_every_kind_has_a_section_that_can_be_switched_off():
    config = RulesConfig.from_mapping({kind: {"enabled": False} for kind in KINDS})
    assert not any(config.enabled(kind) for kind in KINDS)


def test_windows_must_fit_what_the_core_remembers():
    RulesConfig().check_against(CoreConfig())
    with pytest.raises(ValueError, match="complaint_recent_days"):
        RulesConfig.from_mapping({"complaint_unresolved": {"burst_days": 120}}).check_against(CoreConfig())
