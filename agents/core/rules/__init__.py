"""The early-warning rules: one small module per alert kind, each a pure function of the state.

``RULES`` lists them in the order they run (the order of ``KINDS``). Thresholds live in
``config/rules.toml`` (`agents.core.rules.config`); the lifecycle that turns signals into
alert events is `agents.core.alerting`, the scheduling is `agents.core.engine`.
"""

from __future__ import annotations

from agents.core.rules import (
    complaint_unresolved,
    payment_overdue,
    range_narrowing,
    recency_lapse,
    segment_transition,
    tier_downgrade,
    volume_decline,
)
from agents.core.rules.base import Rule, RuleInput, Signal
from agents.core.rules.config import KINDS, RulesConfig, load_rules_config

RULES: tuple[Rule, ...] = (
    volume_decline.RULE,
    range_narrowing.RULE,
    recency_lapse.RULE,
    payment_overdue.RULE,
    complaint_unresolved.RULE,
    tier_downgrade.RULE,
    segment_transition.RULE,
)
assert tuple(rule.kind for rule in RULES) == KINDS

__all__ = ["KINDS", "RULES", "Rule", "RuleInput", "RulesConfig", "Signal", "load_rules_config"]
