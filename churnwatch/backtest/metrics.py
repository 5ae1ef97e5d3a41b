"""Scoring a backtest: counts, precision / recall / lead time against a truth file, or a holdout.

With truth (``customer_id, scenario, onset, account_manager, key_account``, as written by
``churnwatch simulate --truth``), restricted to key accounts (``key_account`` true in the truth):
- a churn customer is *detected* when an alert of a relevant kind (``RELEVANT_KINDS``) opens no
  earlier than its onset and at most ``window_days`` (two periods, 62 days) after the moment the
  problem can first be seen: the onset itself, except for a late payer, whose first late invoice
  is only overdue once its payment terms have passed (onset + the customer's terms);
- recall per scenario = detected / customers of that scenario; the delay is the days from the
  onset to the first relevant alert (median and 90th percentile over the detected);
- precision = alerted key accounts that are detected churn customers / all alerted key accounts:
  an alert on a steady customer or a false-alarm bait (seasonal dip, one-month gap,
  consolidation) is false, and so is a churn customer alerted only with unrelated kinds or at
  the wrong time. The share of alerts (episodes) that fall on steady or bait customers is shown
  by kind, to see which rule raises the false alarms.

Without truth: of the customers alerted at least ``holdout_days`` before the end of the history,
the share that did not order again within ``holdout_days`` after their first alert, and for those
the lead time from the alert to their last order (negative: the last order came before the
alert, as for every lapse; positive: the alert came while they were still buying).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS

RELEVANT_KINDS: Mapping[str, frozenset[str]] = {
    "volume_decline": frozenset({"volume_decline"}),
    "range_narrowing": frozenset({"range_narrowing"}),
    "silent_lapse": frozenset({"recency_lapse", "volume_decline"}),
    "late_payer": frozenset({"payment_overdue"}),
    "unresolved_complaint": frozenset({"complaint_unresolved"}),
}
"""Churn scenario -> alert kinds that count as catching it."""
QUIET_SCENARIOS = frozenset({"steady", "seasonal_dip", "one_month_gap", "consolidation"})
"""Scenarios on which any alert is a false alarm."""
WINDOW_DAYS = 62


@dataclass(frozen=True, slots=True)
class TruthEntry:
    customer_id: str
    scenario: str
    onset_ms: int | None
    account_manager: str
    key_account: bool


def read_truth(path: Path) -> list[TruthEntry]:
    """A truth CSV: ``customer_id, scenario, onset`` (RFC 3339, empty for none), optionally
    ``account_manager`` and ``key_account`` (true/false; a file without the column counts every
    customer as a key account)."""
    from churnwatch.replay.format import parse_rfc3339_ms

    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"customer_id", "scenario", "onset"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: the truth file lacks the column(s) {', '.join(sorted(missing))}")
        return [TruthEntry(row["customer_id"], row["scenario"].strip(),
                           parse_rfc3339_ms(row["onset"]) if row["onset"].strip() else None,
                           row.get("account_manager") or "",
                           (row.get("key_account") or "true").strip().lower() in ("true", "1", "yes"))
                for row in reader]


def alert_ms(alert: Mapping[str, Any]) -> int:
    """Epoch ms of an alert's ``occurred_at`` (RFC 3339 UTC)."""
    return int(datetime.fromisoformat(alert["occurred_at"]).astimezone(UTC).timestamp() * 1000)


def summary_counts(alerts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Alert events by state and kind, opened alerts by severity and by manager-week."""
    opened = [a for a in alerts if a["state"] == "open"]
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for alert in alerts:
        by_kind[alert["kind"]][alert["state"]] += 1
    per_manager_week: dict[str, Counter] = defaultdict(Counter)
    for alert in opened:
        year, week, _ = datetime.fromisoformat(alert["occurred_at"]).isocalendar()
        per_manager_week[alert["account_manager"]][f"{year}-W{week:02d}"] += 1
    managers = {}
    for manager, weeks in sorted(per_manager_week.items()):
        counts = sorted(weeks.values())
        managers[manager] = {"alerts": sum(counts), "weeks_with_alerts": len(counts),
                             "max_per_week": counts[-1], "median_per_active_week": median(counts)}
    return {
        "events": len(alerts),
        "opened": len(opened),
        "customers_alerted": len({a["customer_id"] for a in opened}),
        "by_kind": {kind: dict(sorted(c.items())) for kind, c in sorted(by_kind.items())},
        "by_severity": dict(sorted(Counter(a["severity"] for a in opened).items())),
        "per_manager_week": managers,
    }


def score_against_truth(alerts: Sequence[Mapping[str, Any]], truth: Iterable[TruthEntry],
                        states: Mapping[str, CustomerState], *, window_days: int = WINDOW_DAYS,
                        default_terms_days: int = 30) -> dict[str, Any]:
    keys = {t.customer_id: t for t in truth if t.key_account}
    opened: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for alert in alerts:
        if alert["state"] == "open" and alert["customer_id"] in keys:
            opened[alert["customer_id"]].append((alert_ms(alert), alert["kind"]))
    scenarios: dict[str, dict[str, Any]] = {}
    detected: set[str] = set()
    delays: dict[str, list[float]] = defaultdict(list)
    for customer_id, entry in keys.items():
        relevant = RELEVANT_KINDS.get(entry.scenario)
        row = scenarios.setdefault(entry.scenario, {"customers": 0, "alerted": 0, "detected": 0})
        row["customers"] += 1
        row["alerted"] += customer_id in opened
        if relevant is None or entry.onset_ms is None:
            continue
        visible = entry.onset_ms
        if entry.scenario == "late_payer":
            state = states.get(customer_id)
            terms = state.payment_terms_days if state is not None and state.has_profile else default_terms_days
            visible += terms * DAY_MS
        hits = sorted(t for t, kind in opened.get(customer_id, ())
                      if kind in relevant and entry.onset_ms <= t <= visible + window_days * DAY_MS)
        if hits:
            row["detected"] += 1
            detected.add(customer_id)
            delays[entry.scenario].append((hits[0] - entry.onset_ms) / DAY_MS)
    for scenario, row in scenarios.items():
        if scenario in RELEVANT_KINDS:
            row["recall"] = round(row["detected"] / row["customers"], 4) if row["customers"] else None
            row["delay_days"] = _spread(delays[scenario])
        else:
            row["false_alarm_rate"] = round(row["alerted"] / row["customers"], 4) if row["customers"] else None
            del row["detected"]
    alerted = set(opened)
    false_kinds = Counter(kind for cid in alerted if keys[cid].scenario in QUIET_SCENARIOS
                          for _t, kind in opened[cid])
    churn = [s for s in RELEVANT_KINDS if s in scenarios]
    total_churn = sum(scenarios[s]["customers"] for s in churn)
    return {
        "key_accounts": len(keys),
        "precision": round(len(detected) / len(alerted), 4) if alerted else None,
        "recall": round(len(detected) / total_churn, 4) if total_churn else None,
        "alerted": len(alerted),
        "true_positives": len(detected),
        "false_alarm_customers": sum(1 for cid in alerted if keys[cid].scenario in QUIET_SCENARIOS),
        "false_alarms_by_kind": dict(sorted(false_kinds.items())),
        "window_days": window_days,
        "scenarios": dict(sorted(scenarios.items())),
    }


def score_holdout(alerts: Sequence[Mapping[str, Any]], order_times: Mapping[str, Sequence[int]], end_ms: int,
                  holdout_days: int) -> dict[str, Any]:
    """Without truth: did alerted customers stop ordering? (see the module docstring).

    ``order_times`` maps a customer to the ascending times of its orders in the history.
    """
    first_alert: dict[str, int] = {}
    for alert in alerts:
        if alert["state"] == "open":
            at = alert_ms(alert)
            first_alert[alert["customer_id"]] = min(at, first_alert.get(alert["customer_id"], at))
    horizon = holdout_days * DAY_MS
    judged = {cid: at for cid, at in first_alert.items() if at + horizon <= end_ms}
    stopped, leads = 0, []
    for customer_id, at in judged.items():
        times = order_times.get(customer_id, ())
        if not any(at < t <= at + horizon for t in times):
            stopped += 1
            before = [t for t in times if t <= at]
            if before:
                leads.append((before[-1] - at) / DAY_MS)
    return {
        "holdout_days": holdout_days,
        "alerted_customers": len(first_alert),
        "judged": len(judged),
        "stopped_ordering": stopped,
        "stopped_share": round(stopped / len(judged), 4) if judged else None,
        "lead_days_to_last_order": _spread(leads),
    }


def _spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p90": None, "max": None, "n": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return {"median": round(median(ordered), 1), "p90": round(p90, 1), "max": round(ordered[-1], 1),
            "n": len(ordered)}
