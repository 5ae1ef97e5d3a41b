"""Evaluating a customer's rules at an event-time clock, and the alert lifecycle.

``evaluate(state, clock_ms, thresholds, rules, core) -> list[alert dict]`` runs every rule for a
key account, turns the signals into lifecycle transitions and returns the alert events to emit.
Everything it needs to remember lives in ``state.alerts`` (JSON-compatible, persisted with the
state), so evaluating the same events again, after a crash or in a backtest, gives the same alerts
with the same ids.

Scope: key accounts, i.e. a profile flagged ``key_account`` (``scope.key_account_flag``) or a
revenue tier in ``scope.tiers``. Outside the scope only ``tier_downgrade`` runs (leaving tier A
*is* its signal) and kinds whose episode is still open (so that they resolve properly).

Lifecycle, one episode per (customer, kind):
- a signal with no open episode opens one (``state = "open"``), unless the previous episode of
  that kind was resolved less than ``cooldown_days`` ago;
- an open episode is ``"escalated"`` when it has lasted ``escalate_after_days`` or when the
  signal's severity rises (each further rise is another ``"escalated"`` event);
- it is ``"resolved"`` once the signal has been absent for ``resolve_after_days`` (hysteresis;
  the rules themselves also hold an open episode until real recovery, see each rule);
- ``alert_id = f"{customer_id}:{kind}:{episode}"``, the episode number counting from 1 per
  customer and kind: deterministic, so a replay re-emits the same id for the same problem.

Alert events carry exactly the ``churn-alerts`` contract fields: ``alert_id, customer_id,
account_manager, kind, severity, state, tier, evidence, message, occurred_at, emitted_at``;
``occurred_at`` is the evaluation clock (RFC 3339 UTC), ``emitted_at`` is None for the adapter
to fill with its wall clock. A customer without a profile has ``account_manager = "unassigned"``.

``state.alerts`` layout: ``ep`` {kind: episode}, ``mem`` {kind: rule memory}, ``le`` last
evaluation clock, ``lv`` state version at that evaluation, ``nc`` next check (event time at which
a time-based rule or the lifecycle may change without a new event; see `agents.core.engine`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from agents.core.config import CoreConfig
from agents.core.periods import period_index
from agents.core.population import PopulationThresholds
from agents.core.rfm import rfm_values
from agents.core.rules import RULES
from agents.core.rules.base import SEVERITY_RANK, RuleInput, Signal
from agents.core.rules.config import LifecycleConfig, RulesConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS, format_ms

ACTIVE = ("open", "escalated")
UNASSIGNED = "unassigned"


def evaluate(state: CustomerState, clock_ms: int, thresholds: PopulationThresholds | None,
             rules: RulesConfig, core: CoreConfig) -> list[dict[str, Any]]:
    """Run the rules for ``state`` at ``clock_ms``; update ``state.alerts``; return the alert events."""
    book = state.alerts
    values = rfm_values(state, clock_ms, core)
    revenue_tier = segment = None
    if thresholds is not None:
        revenue_tier = thresholds.tier(values[2] if values is not None else 0)
        scores = thresholds.scores(*values) if values is not None else None
        segment = scores[3] if scores is not None else None
    tier = "A" if state.key_account else revenue_tier
    in_scope = (rules.scope.key_account_flag and state.key_account) or revenue_tier in rules.scope.tiers
    episodes: dict[str, dict] = book.setdefault("ep", {})
    memory: dict[str, Any] = book.setdefault("mem", {})
    life = rules.lifecycle
    alerts: list[dict[str, Any]] = []
    dues: list[int] = []
    for rule in RULES:
        kind = rule.kind
        episode = episodes.get(kind)
        active = episode is not None and episode["st"] in ACTIVE
        watched = rules.enabled(kind) and (in_scope or rule.watches_everyone)
        if not (watched or active):
            memory.pop(kind, None)
            continue
        inp = RuleInput(state, clock_ms, thresholds, rules, core, values, revenue_tier, segment,
                        episode["ref"] if active else None, memory.get(kind))
        signal = rule.check(inp) if watched or (active and rules.enabled(kind)) else None
        if rule.remember is not None:
            remembered = rule.remember(inp) if watched else None
            if remembered is None:
                memory.pop(kind, None)
            else:
                memory[kind] = remembered
            inp = replace(inp, memory=remembered)
        if watched or active:
            rule_due = rule.due(inp)
            if rule_due is not None:
                dues.append(rule_due)
        transition, lifecycle_due = _step(episodes, kind, signal, clock_ms, life)
        if lifecycle_due is not None:
            dues.append(lifecycle_due)
        if transition is not None:
            alerts.append(_alert(state, kind, episodes[kind], transition, signal, clock_ms, tier))
    if not memory:
        del book["mem"]
    if not episodes:
        del book["ep"]
    if in_scope or book.get("mem") or any(e["st"] in ACTIVE for e in episodes.values()):
        dues.append(next_period_start_ms(clock_ms, core))
    book["le"] = clock_ms
    book["lv"] = state.version
    upcoming = [t for t in dues if t > clock_ms]
    if upcoming:
        book["nc"] = min(upcoming)
    else:
        book.pop("nc", None)
    return alerts


def _step(episodes: dict[str, dict], kind: str, signal: Signal | None, clock: int,
          life: LifecycleConfig) -> tuple[str | None, int | None]:
    """Advance the episode of ``kind``: (transition or None, when the lifecycle wants another look)."""
    episode = episodes.get(kind)
    escalate_ms = life.escalate_after_days * DAY_MS
    if episode is None or episode["st"] not in ACTIVE:
        if signal is None:
            return None, None
        if episode is not None:
            calm_until = episode["end"] + life.cooldown_days * DAY_MS
            if clock < calm_until:
                return None, calm_until
        number = episode["n"] + 1 if episode is not None else 1
        episodes[kind] = {"n": number, "st": "open", "sev": signal.severity, "at": clock, "ab": None,
                          "ref": signal.evidence}
        return "open", clock + escalate_ms
    if signal is not None:
        episode["ab"] = None
        rises = SEVERITY_RANK[signal.severity] > SEVERITY_RANK[episode["sev"]]
        if rises or (episode["st"] == "open" and clock - episode["at"] >= escalate_ms):
            episode["st"] = "escalated"
            if rises:
                episode["sev"] = signal.severity
            return "escalated", None
        return None, episode["at"] + escalate_ms if episode["st"] == "open" else None
    if episode["ab"] is None:
        episode["ab"] = clock
    if clock - episode["ab"] >= life.resolve_after_days * DAY_MS:
        episode["st"] = "resolved"
        episode["end"] = clock
        return "resolved", None
    return None, episode["ab"] + life.resolve_after_days * DAY_MS


def _alert(state: CustomerState, kind: str, episode: dict, transition: str, signal: Signal | None,
           clock: int, tier: str | None) -> dict[str, Any]:
    if transition == "resolved":
        last = episode.pop("last")
        absent_since, opened = episode.pop("ab"), episode.pop("at")
        del episode["ref"], episode["sev"]
        evidence = {**last["evidence"], "resolved": {
            "absent_since": format_ms(absent_since), "open_days": (clock - opened) // DAY_MS}}
        message = f"Resolved after {(clock - opened) // DAY_MS} days: {last['message']}"
        severity = last["severity"]
    else:
        evidence, message, severity = signal.evidence, signal.message, episode["sev"]
    alert = {
        "alert_id": f"{state.customer_id}:{kind}:{episode['n']}",
        "customer_id": state.customer_id,
        "account_manager": state.account_manager or UNASSIGNED,
        "kind": kind,
        "severity": severity,
        "state": transition,
        "tier": tier,
        "evidence": evidence,
        "message": message,
        "occurred_at": format_ms(clock),
        "emitted_at": None,
    }
    if transition != "resolved":
        episode["last"] = alert
    return alert


def open_alerts(state: CustomerState) -> list[dict[str, Any]]:
    """The open and escalated alerts of a customer (their latest events), most severe first, for the card."""
    episodes = state.alerts.get("ep", {})
    live = [e["last"] for e in episodes.values() if e["st"] in ACTIVE]
    live.sort(key=lambda a: (-SEVERITY_RANK[a["severity"]], a["kind"]))
    return live


def next_period_start_ms(clock_ms: int, core: CoreConfig) -> int:
    """Start (00:00 UTC) of the period after the one containing ``clock_ms``."""
    index = period_index(clock_ms, core.period) + 1
    if core.period == "week":
        return (index * 7 - 3) * DAY_MS
    year, month = divmod(index, 12)
    return int(datetime(year, month + 1, 1, tzinfo=UTC).timestamp()) * 1000
