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

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from agents.core.config import CoreConfig
from agents.core.periods import period_index
from agents.core.population import PopulationThresholds
from agents.core.rfm import rfm_values
from agents.core.rules import RULES
from agents.core.rules.base import SEVERITY_RANK, Rule, RuleInput, Signal
from agents.core.rules.config import LifecycleConfig, RulesConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS, format_ms

ACTIVE = ("open", "escalated")
UNASSIGNED = "unassigned"
CLEARED: dict[str, str] = {
    "volume_decline": "order volume back near its baseline",
    "range_narrowing": "buying across its usual range again",
    "recency_lapse": "ordering again",
    "payment_overdue": "no invoice long overdue any more",
    "complaint_unresolved": "complaints closed, no burst",
    "tier_downgrade": "back in its tier, or the lower tier has become its normal",
    "segment_transition": "back in a good segment, or the new segment has become its normal",
}
"""What a resolution means, per kind, for the resolved event's message."""


def evaluate(state: CustomerState, clock_ms: int, thresholds: PopulationThresholds | None,
             rules: RulesConfig, core: CoreConfig) -> list[dict[str, Any]]:
    """Run the rules for ``state`` at ``clock_ms``; update ``state.alerts``; return the alert events."""
    run = _Evaluation(state, clock_ms, thresholds, rules, core)
    book = state.alerts
    if run.in_scope or run.memory or any(e["st"] in ACTIVE for e in run.episodes.values()):
        run.all_rules()
    for key, value in (("ep", run.episodes), ("mem", run.memory)):
        if value:
            book[key] = value
        else:
            book.pop(key, None)
    book["le"] = clock_ms
    book["lv"] = state.version
    upcoming = [t for t in run.dues if t > clock_ms]
    if upcoming:
        book["nc"] = min(upcoming)
    else:
        book.pop("nc", None)
    return run.alerts


class _Evaluation:
    """One customer at one clock: the figures shared by the rules, and what the rules produce."""

    def __init__(self, state: CustomerState, clock_ms: int, thresholds: PopulationThresholds | None,
                 rules: RulesConfig, core: CoreConfig) -> None:
        self.state, self.clock_ms, self.thresholds, self.rules, self.core = state, clock_ms, thresholds, rules, core
        self.values = rfm_values(state, clock_ms, core)
        self.revenue_tier = None
        if thresholds is not None:
            self.revenue_tier = thresholds.tier(self.values[2] if self.values is not None else 0)
        self.tier = "A" if state.key_account else self.revenue_tier
        self.in_scope = ((rules.scope.key_account_flag and state.key_account)
                         or self.revenue_tier in rules.scope.tiers)
        self.episodes: dict[str, dict] = state.alerts.get("ep", {})
        self.memory: dict[str, Any] = state.alerts.get("mem", {})
        self.alerts: list[dict[str, Any]] = []
        self.dues: list[int] = []

    def all_rules(self) -> None:
        """Run every rule (for a customer in scope, or with open episodes or rule memory)."""
        scores = (self.thresholds.scores(*self.values)
                  if self.thresholds is not None and self.values is not None else None)
        self.inp = RuleInput(self.state, self.clock_ms, self.thresholds, self.rules, self.core, self.values,
                             self.revenue_tier, scores[3] if scores is not None else None)
        for rule in RULES:
            self.rule(rule)
        self.dues.append(next_period_start_ms(self.clock_ms, self.core))

    def rule(self, rule: Rule) -> None:
        """Signal, memory, next due time, lifecycle step and alert event of one rule."""
        kind = rule.kind
        episode = self.episodes.get(kind)
        active = episode is not None and episode["st"] in ACTIVE
        enabled = self.rules.enabled(kind)
        watched = enabled and (self.in_scope or rule.watches_everyone)
        if not (watched or active):
            self.memory.pop(kind, None)
            return
        inp = self.inp
        inp.episode = episode["ref"] if active else None
        inp.memory = self.memory.get(kind)
        signal = rule.check(inp) if enabled else None
        if rule.remember is not None:
            remembered = rule.remember(inp) if watched else None
            if remembered is None:
                self.memory.pop(kind, None)
            else:
                self.memory[kind] = remembered
            inp.memory = remembered  # `due` looks ahead from the memory after this evaluation
        if enabled:
            rule_due = rule.due(inp)
            if rule_due is not None:
                self.dues.append(rule_due)
        transition, lifecycle_due = _step(self.episodes, kind, signal, self.clock_ms, self.rules.lifecycle)
        if lifecycle_due is not None:
            self.dues.append(lifecycle_due)
        if transition is not None:
            self.alerts.append(_alert(self.state, kind, self.episodes[kind], transition, signal, self.clock_ms,
                                      self.tier))


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
        message = f"Resolved after {(clock - opened) // DAY_MS} days ({CLEARED[kind]}); was: {last['message']}"
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
        episode["last"] = dict(alert)  # a copy: the adapter stamps emitted_at on the one it sends
    return alert


def open_alerts(state: CustomerState) -> list[dict[str, Any]]:
    """The open and escalated alerts of a customer (their latest events), most severe first, for the card."""
    episodes = state.alerts.get("ep", {})
    live = [e["last"] for e in episodes.values() if e["st"] in ACTIVE]
    live.sort(key=lambda a: (-SEVERITY_RANK[a["severity"]], a["kind"]))
    return live


def next_period_start_ms(clock_ms: int, core: CoreConfig) -> int:
    """Start (00:00 UTC) of the period after the one containing ``clock_ms``."""
    return _period_start_ms(period_index(clock_ms, core.period) + 1, core.period)


@lru_cache(maxsize=4096)
def _period_start_ms(index: int, kind: str) -> int:
    if kind == "week":
        return (index * 7 - 3) * DAY_MS
    year, month = divmod(index, 12)
    return int(datetime(year, month + 1, 1, tzinfo=UTC).timestamp()) * 1000
