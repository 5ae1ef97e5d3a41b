"""Segment transition: a Champion or Loyal customer sliding to At Risk, Can't Lose Them or
Hibernating (seed 004, the RFM segments of `agents.core.rfm`).

Segments are scored against the population thresholds at the evaluation clock. The rule
remembers the last good segment (``from_segments``) and since when the customer has been in a
bad one (``to_segments``): ``memory = [good_segment, bad_since_ms]``. It fires once the customer
has stayed in the bad segments for ``confirm_days`` (an order that is a little late moves R for a
week and is not a transition). After ``settle_days`` more the bad segment is the new normal: the
memory is dropped and the episode resolves. A neutral segment in between (Need Attention, About
to Sleep, ...) keeps the good one in memory but restarts the clock.
"""

from __future__ import annotations

from typing import Any

from agents.core.rules.base import Rule, RuleInput, Signal
from agents.core.timeutil import DAY_MS

KIND = "segment_transition"
_SEVERITY = {"Can't Lose Them": "high", "Hibernating": "high"}


def check(inp: RuleInput) -> Signal | None:
    memory, now = inp.memory, inp.segment
    if memory is None or now is None or memory[1] is None:
        return None
    cfg = inp.config.segment_transition
    good, bad_since = memory
    if now not in cfg.to_segments:
        return None
    days = (inp.clock_ms - bad_since) // DAY_MS
    if days < cfg.confirm_days or days >= cfg.confirm_days + cfg.settle_days:
        return None
    r, f, m, _segment = inp.thresholds.scores(*inp.rfm)
    recency, frequency, monetary = inp.rfm
    evidence = {
        "rule": KIND,
        "from_segment": good,
        "to_segment": now,
        "days_in_segment": days,
        "r": r, "f": f, "m": m,
        "recency_days": recency,
        "frequency": frequency,
        "monetary": monetary / 100,
        "thresholds": {"confirm_days": cfg.confirm_days, "settle_days": cfg.settle_days,
                       "from_segments": list(cfg.from_segments), "to_segments": list(cfg.to_segments)},
    }
    message = (f"RFM segment moved from {good} to {now} {days} days ago (R{r} F{f} M{m}; "
               f"{recency} days since the last order, {frequency} orders in {inp.core.trailing_days} days)")
    return Signal(KIND, _SEVERITY.get(now, "medium"), evidence, message,
                  round(min(1.0, days / (cfg.confirm_days + cfg.settle_days)), 4))


def remember(inp: RuleInput) -> Any:
    memory, now = inp.memory, inp.segment
    cfg = inp.config.segment_transition
    if now is None:
        return memory
    if now in cfg.from_segments:
        return [now, None]
    if memory is None:
        return None
    if now not in cfg.to_segments:
        return [memory[0], None]
    bad_since = memory[1] if memory[1] is not None else inp.clock_ms
    if inp.clock_ms - bad_since >= (cfg.confirm_days + cfg.settle_days) * DAY_MS:
        return None
    return [memory[0], bad_since]


def due(inp: RuleInput) -> int | None:
    """When a bad segment has lasted long enough to be confirmed, then when it settles."""
    memory = inp.memory
    if memory is None or memory[1] is None:
        return None
    cfg = inp.config.segment_transition
    for days in (cfg.confirm_days, cfg.confirm_days + cfg.settle_days):
        at = memory[1] + days * DAY_MS
        if at > inp.clock_ms:
            return at
    return None


RULE = Rule(KIND, check, due, remember)
