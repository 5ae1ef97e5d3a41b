"""Unresolved complaints (seeds 002, 004): "not resolving the customer's complaint in time".

Two triggers, both from the state's complaint book (`agents.core.complaints`):
- SLA breach: a complaint still open longer than the SLA of its severity (``sla_days``,
  e.g. critical 3 days, high 7, medium 14, low 30); severity of the alert = the worst breached;
- burst: at least ``burst_count`` complaints opened within the last ``burst_days`` (resolved or
  not): something is going wrong repeatedly; severity high.
The evidence names the complaint ids. The signal clears when the breached complaints are closed
and the burst has aged out of its window.
"""

from __future__ import annotations

from agents.core.rules.base import SEVERITY_RANK, Rule, RuleInput, Signal
from agents.core.timeutil import DAY_MS, format_ms

KIND = "complaint_unresolved"


def check(inp: RuleInput) -> Signal | None:
    cfg = inp.config.complaint_unresolved
    clock = inp.clock_ms
    breaches = sorted(
        (opened, complaint_id, severity)
        for complaint_id, (opened, severity) in inp.state.open_complaints.items()
        if clock - opened > cfg.sla_days[severity] * DAY_MS
    )
    recent = _recent(inp)
    burst = len(recent) >= cfg.burst_count
    if not breaches and not burst:
        return None
    parts = []
    severity = "low"
    if breaches:
        severity = max((s for _o, _c, s in breaches), key=SEVERITY_RANK.__getitem__)
        oldest, oldest_id, oldest_severity = breaches[0]
        parts.append(f"{len(breaches)} complaint(s) past their SLA; oldest {oldest_id} ({oldest_severity}) open "
                     f"{(clock - oldest) // DAY_MS} days, SLA {cfg.sla_days[oldest_severity]:g} days")
    if burst:
        severity = max(severity, "high", key=SEVERITY_RANK.__getitem__)
        parts.append(f"{len(recent)} complaints in {cfg.burst_days} days")
    ids = sorted({c for _o, c, _s in breaches} | {c for _o, c in recent})
    evidence = {
        "rule": KIND,
        "complaint_ids": ids,
        "breaches": [{"complaint_id": c, "severity": s, "opened_at": format_ms(o),
                      "open_days": (clock - o) // DAY_MS, "sla_days": cfg.sla_days[s]} for o, c, s in breaches],
        "burst": {"count": len(recent), "days": cfg.burst_days, "complaint_ids": [c for _o, c in recent]}
        if burst else None,
        "thresholds": {"sla_days": dict(cfg.sla_days), "burst_count": cfg.burst_count,
                       "burst_days": cfg.burst_days},
    }
    return Signal(KIND, severity, evidence, "; ".join(parts),
                  round(min(1.0, (SEVERITY_RANK[severity] + 1) / 4), 4))


def _recent(inp: RuleInput) -> list[tuple[int, str]]:
    """(opened, id) of complaints opened in (clock - burst_days, clock], oldest first."""
    since = inp.clock_ms - inp.config.complaint_unresolved.burst_days * DAY_MS
    return sorted((opened, c) for c, opened in inp.state.complaint_opens.items() if since < opened <= inp.clock_ms)


def due(inp: RuleInput) -> int | None:
    """The next SLA deadline of an open complaint, or when a complaint leaves the burst window."""
    cfg = inp.config.complaint_unresolved
    clock = inp.clock_ms
    deadlines = [opened + int(cfg.sla_days[severity] * DAY_MS) + 1
                 for opened, severity in inp.state.open_complaints.values()]
    deadlines += [opened + cfg.burst_days * DAY_MS for opened, _c in _recent(inp)]
    return min((t for t in deadlines if t > clock), default=None)


RULE = Rule(KIND, check, due)
