"""The alert lifecycle: open, escalate, resolve with hysteresis, cooldown, deterministic ids."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from agents.core.alerting import evaluate, next_period_start_ms, open_alerts
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from tests.unit.alerts.helpers import CORE, RULES, month_start
from tests.unit.core.builders import DAY, applied, order, profile

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "schemas/json/churn-alerts.schema.json").read_text())
CONTRACT_FIELDS = {"alert_id", "customer_id", "account_manager", "kind", "severity", "state", "tier", "evidence",
                   "message", "occurred_at", "emitted_at"}
LAST = month_start(2024, 3) + 20 * DAY
"""The last order of the weekly buyer below (threshold of its lapse: 60 days)."""


def weekly_buyer(key: bool = True) -> CustomerState:
    return applied([profile(key=key, manager="alice"), *(order(LAST - 7 * k * DAY) for k in range(10, -1, -1))])


def at_day(day: int) -> int:
    """The day boundary ``day`` days after the last order's day."""
    return (LAST // DAY + day) * DAY


def kinds(alerts: list[dict]) -> list[tuple[str, str, str]]:
    return [(a["alert_id"], a["state"], a["severity"]) for a in alerts]


def test_an_alert_carries_exactly_the_contract_fields_and_validates_against_the_schema():
    state = weekly_buyer()
    assert evaluate(state, at_day(60), None, RULES, CORE) == []
    [alert] = evaluate(state, at_day(61), None, RULES, CORE)
    assert set(alert) == CONTRACT_FIELDS
    assert alert["alert_id"] == "C1:recency_lapse:1"
    assert (alert["customer_id"], alert["account_manager"], alert["kind"], alert["state"], alert["tier"]) == \
        ("C1", "alice", "recency_lapse", "open", "A")
    assert alert["occurred_at"] == datetime.fromtimestamp(at_day(61) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert alert["emitted_at"] is None  # the adapter stamps its wall clock
    assert alert["evidence"]["days_silent"] == 61 and alert["evidence"]["thresholds"]["min_days"] == 60
    jsonschema.validate({**alert, "emitted_at": "2024-06-01T00:00:02Z"}, SCHEMA)
    assert open_alerts(state) == [alert]


def test_one_ongoing_problem_is_one_alert_that_escalates_then_resolves_after_the_hysteresis():
    state = weekly_buyer()
    events = []
    for day in range(61, 96):
        events += evaluate(state, at_day(day), None, RULES, CORE)
    # Opened once; escalated when the severity rose at 1.5 x the threshold (90 days of silence).
    assert kinds(events) == [("C1:recency_lapse:1", "open", "medium"), ("C1:recency_lapse:1", "escalated", "high")]
    state = applied([order(at_day(96) + 3_600_000)], state=state)
    assert evaluate(state, at_day(97), None, RULES, CORE) == []  # absent for 0 days
    assert evaluate(state, at_day(103), None, RULES, CORE) == []  # 6 days
    [resolved] = evaluate(state, at_day(104), None, RULES, CORE)
    assert (resolved["alert_id"], resolved["state"], resolved["severity"]) == ("C1:recency_lapse:1", "resolved", "high")
    assert resolved["message"].startswith("Resolved after 43 days (ordering again)")
    assert resolved["evidence"]["resolved"]["absent_since"].startswith(
        datetime.fromtimestamp(at_day(97) / 1000, UTC).strftime("%Y-%m-%d"))
    assert open_alerts(state) == []


def test_an_open_episode_escalates_once_when_it_lasts():
    config = RulesConfig.from_mapping({"lifecycle": {"escalate_after_days": 10},
                                       "recency_lapse": {"severity_multiples": [1.0, 5.0, 9.0]}})
    state = weekly_buyer()
    events = []
    for day in range(61, 90):
        events += evaluate(state, at_day(day), None, config, CORE)
    assert kinds(events) == [("C1:recency_lapse:1", "open", "medium"), ("C1:recency_lapse:1", "escalated", "medium")]
    assert events[1]["occurred_at"] == events[0]["occurred_at"].replace(
        datetime.fromtimestamp(at_day(61) / 1000, UTC).strftime("%m-%d"),
        datetime.fromtimestamp(at_day(71) / 1000, UTC).strftime("%m-%d"))


def test_a_new_episode_waits_for_the_cooldown_and_gets_the_next_id():
    config = RulesConfig.from_mapping({"lifecycle": {"resolve_after_days": 0, "cooldown_days": 30}})
    state = weekly_buyer()
    assert kinds(evaluate(state, at_day(61), None, config, CORE))[0][:2] == ("C1:recency_lapse:1", "open")
    back = at_day(62) + 3_600_000
    state = applied([order(back - 14 * DAY), order(back - 7 * DAY), order(back)], state=state)
    assert kinds(evaluate(state, at_day(63), None, config, CORE))[0][:2] == ("C1:recency_lapse:1", "resolved")
    # Silent again past the threshold; the cooldown ended long before, so a second episode opens.
    assert kinds(evaluate(state, at_day(62 + 62), None, config, CORE))[0][:2] == ("C1:recency_lapse:2", "open")


def test_a_signal_inside_the_cooldown_opens_nothing_until_the_cooldown_ends():
    config = RulesConfig.from_mapping({"lifecycle": {"resolve_after_days": 0, "cooldown_days": 80},
                                       "recency_lapse": {"min_days": 20, "gap_multiple": 1.0}})
    state = weekly_buyer()
    assert kinds(evaluate(state, at_day(21), None, config, CORE))[0][1] == "open"
    back = at_day(22) + 3_600_000
    state = applied([order(back)], state=state)
    assert kinds(evaluate(state, at_day(23), None, config, CORE))[0][1] == "resolved"
    assert evaluate(state, at_day(23 + 30), None, config, CORE) == []  # silent 30 days, but in the cooldown
    assert state.alerts["nc"] <= at_day(23 + 80)  # the engine looks again by the end of the cooldown
    assert evaluate(state, at_day(23 + 79), None, config, CORE) == []
    assert kinds(evaluate(state, at_day(23 + 80), None, config, CORE))[0][:2] == ("C1:recency_lapse:2", "open")


def test_replaying_the_same_history_yields_the_same_alerts_with_the_same_ids():
    def replay() -> list[dict]:
        state = weekly_buyer()
        return [a for day in range(55, 120, 3) for a in evaluate(state, at_day(day), None, RULES, CORE)]

    first, second = replay(), replay()
    assert first and first == second


def test_state_alerts_survive_a_round_trip_through_the_changelog_form():
    state = weekly_buyer()
    evaluate(state, at_day(61), None, RULES, CORE)
    restored = CustomerState.from_dict(json.loads(json.dumps(state.to_dict())))
    later = deepcopy(state)
    assert evaluate(restored, at_day(95), None, RULES, CORE) == evaluate(later, at_day(95), None, RULES, CORE)


def test_customers_outside_the_key_account_scope_raise_nothing_and_cost_nothing_later():
    state = weekly_buyer(key=False)
    assert evaluate(state, at_day(100), None, RULES, CORE) == []
    assert "nc" not in state.alerts and "ep" not in state.alerts
    assert state.alerts["le"] == at_day(100) and state.alerts["lv"] == state.version


def test_the_next_check_is_the_nearest_deadline_or_period_boundary():
    state = weekly_buyer()
    evaluate(state, at_day(1), None, RULES, CORE)
    assert state.alerts["nc"] == next_period_start_ms(at_day(1), CORE)
    evaluate(state, at_day(45), None, RULES, CORE)
    assert state.alerts["nc"] == LAST + 60 * DAY + 1  # the lapse deadline comes before the next month


def test_a_customer_without_profile_is_unassigned():
    state = applied([order(LAST - 7 * k * DAY) for k in range(10, -1, -1)])
    state.key_account = True  # in scope by flag without a profile (e.g. a test double of the scope)
    [alert] = evaluate(state, at_day(61), None, RULES, CORE)
    assert alert["account_manager"] == "unassigned"
