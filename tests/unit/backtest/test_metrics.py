"""Scoring rules of the backtest on hand-made alerts and truth."""

from __future__ import annotations

from agents.core.state import CustomerState
from churnwatch.backtest.metrics import TruthEntry, read_truth, score_against_truth, score_holdout, summary_counts
from churnwatch.replay.format import format_ms
from tests.unit.core.builders import DAY, ms

ONSET = ms("2025-03-01")


def alert(cid: str, kind: str, at: int, state: str = "open", manager: str = "alice") -> dict:
    return {"alert_id": f"{cid}:{kind}:1", "customer_id": cid, "account_manager": manager, "kind": kind,
            "severity": "medium", "state": state, "tier": "A", "evidence": {}, "message": "",
            "occurred_at": format_ms(at), "emitted_at": None}


def truth(cid: str, scenario: str, onset: int | None = ONSET, key: bool = True) -> TruthEntry:
    return TruthEntry(cid, scenario, onset, "alice", key)


def test_detection_needs_a_relevant_kind_inside_the_window_after_the_onset():
    entries = [truth("D1", "volume_decline"), truth("D2", "volume_decline"), truth("D3", "volume_decline"),
               truth("D4", "volume_decline"), truth("L1", "silent_lapse")]
    alerts = [alert("D1", "volume_decline", ONSET + 61 * DAY),  # in time
              alert("D2", "volume_decline", ONSET - DAY),  # before the onset
              alert("D3", "recency_lapse", ONSET + 10 * DAY),  # wrong kind for a decline
              alert("D4", "volume_decline", ONSET + 63 * DAY),  # too late
              alert("L1", "volume_decline", ONSET + 40 * DAY)]  # a lapse may be caught as a decline
    score = score_against_truth(alerts, entries, {})
    assert score["scenarios"]["volume_decline"]["detected"] == 1
    assert score["scenarios"]["volume_decline"]["recall"] == 0.25
    assert score["scenarios"]["silent_lapse"]["detected"] == 1
    assert score["scenarios"]["volume_decline"]["delay_days"]["median"] == 61
    assert score["precision"] == 0.4  # 2 detected of 5 alerted customers


def test_alerts_on_steady_customers_and_baits_are_false_alarms():
    entries = [truth("S1", "steady", None), truth("B1", "seasonal_dip"), truth("B2", "consolidation"),
               truth("D1", "volume_decline"), truth("N1", "steady", None, key=False)]
    alerts = [alert("S1", "recency_lapse", ONSET), alert("B1", "volume_decline", ONSET + 40 * DAY),
              alert("D1", "volume_decline", ONSET + 40 * DAY), alert("N1", "volume_decline", ONSET)]
    score = score_against_truth(alerts, entries, {})
    assert score["key_accounts"] == 4  # N1 is not a key account: out of the scoring
    assert score["false_alarm_customers"] == 2
    assert score["false_alarms_by_kind"] == {"recency_lapse": 1, "volume_decline": 1}
    assert score["scenarios"]["seasonal_dip"]["false_alarm_rate"] == 1.0
    assert score["scenarios"]["consolidation"]["false_alarm_rate"] == 0.0
    assert score["precision"] == round(1 / 3, 4)


def test_a_late_payer_is_visible_only_once_its_first_late_invoice_is_due():
    state = CustomerState("P1", has_profile=True, payment_terms_days=60)
    entries = [truth("P1", "late_payer")]
    in_time = score_against_truth([alert("P1", "payment_overdue", ONSET + 110 * DAY)], entries, {"P1": state})
    assert in_time["scenarios"]["late_payer"]["detected"] == 1
    too_late = score_against_truth([alert("P1", "payment_overdue", ONSET + 125 * DAY)], entries, {"P1": state})
    assert too_late["scenarios"]["late_payer"]["detected"] == 0


def test_counts_by_kind_and_manager_week():
    alerts = [alert("A", "volume_decline", ms("2025-03-03")), alert("B", "recency_lapse", ms("2025-03-05")),
              alert("A", "volume_decline", ms("2025-04-01"), "escalated"),
              alert("C", "payment_overdue", ms("2025-03-20"), manager="bob")]
    counts = summary_counts(alerts)
    assert counts["opened"] == 3 and counts["customers_alerted"] == 3
    assert counts["by_kind"]["volume_decline"] == {"escalated": 1, "open": 1}
    assert counts["per_manager_week"]["alice"] == {"alerts": 2, "weeks_with_alerts": 1, "max_per_week": 2,
                                                   "median_per_active_week": 2}


def test_holdout_share_of_alerted_customers_that_stopped_ordering():
    at = ms("2025-01-10")
    alerts = [alert("GONE", "recency_lapse", at), alert("BACK", "recency_lapse", at),
              alert("TOO_RECENT", "recency_lapse", ms("2025-12-01"))]
    orders = {"GONE": [at - 70 * DAY, at - 61 * DAY], "BACK": [at - 61 * DAY, at + 20 * DAY]}
    score = score_holdout(alerts, orders, ms("2026-01-01"), 90)
    assert (score["alerted_customers"], score["judged"], score["stopped_ordering"]) == (3, 2, 1)
    assert score["stopped_share"] == 0.5
    assert score["lead_days_to_last_order"]["median"] == -61


def test_read_truth_accepts_the_simulator_file(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text("customer_id,scenario,onset,account_manager,key_account\n"
                    "C1,steady,,li.wei,true\nC2,late_payer,2025-03-04T09:00:00Z,li.wei,false\n")
    assert read_truth(path) == [TruthEntry("C1", "steady", None, "li.wei", True),
                                TruthEntry("C2", "late_payer", ms("2025-03-04T09:00:00"), "li.wei", False)]
