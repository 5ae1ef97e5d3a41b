"""Tier downgrade: a key account dropping out of its tier (A to B or lower), seeds 000/004.

By the revenue tier (`agents.core.tiers`, trailing revenue against the population thresholds),
whatever the profile flag says: the flag keeps the customer watched, the revenue shows the fall.
The rule remembers the customer's last tier in scope and its peak trailing revenue while there
(``memory = [tier, peak_cents, down_since_ms]``). It fires when the revenue tier is now lower
*and* the trailing revenue is at least ``min_drop`` below that peak: a customer hovering at the
border moves a few percent and must not flap between A and B. After ``settle_days`` in the lower
tier that tier is the new normal: the memory is dropped and the episode resolves.

It watches every customer (not only those in scope today): leaving the scope is the point.
"""

from __future__ import annotations

from typing import Any

from agents.core.rules.base import Rule, RuleInput, Signal, money
from agents.core.timeutil import DAY_MS

KIND = "tier_downgrade"
TIER_RANK = {"A": 2, "B": 1, "C": 0}


def check(inp: RuleInput) -> Signal | None:
    memory, now = inp.memory, inp.revenue_tier
    if memory is None or now is None:
        return None
    cfg = inp.config.tier_downgrade
    ref, peak, down_since = memory
    monetary = inp.rfm[2] if inp.rfm is not None else 0
    if TIER_RANK[now] >= TIER_RANK[ref] or monetary > (1 - cfg.min_drop) * peak:
        return None
    if down_since is not None and inp.clock_ms - down_since >= cfg.settle_days * DAY_MS:
        return None
    drop = 1 - monetary / peak if peak else 1.0
    needed = inp.thresholds.tier_a_cents if ref == "A" else inp.thresholds.tier_b_cents
    evidence = {
        "rule": KIND,
        "from_tier": ref,
        "to_tier": now,
        "trailing_revenue": monetary / 100,
        "peak_trailing_revenue": peak / 100,
        "drop": round(drop, 4),
        "tier_threshold": None if needed is None else needed / 100,
        "trailing_days": inp.core.trailing_days,
        "thresholds": {"min_drop": cfg.min_drop, "settle_days": cfg.settle_days},
    }
    message = (f"Dropped from tier {ref} to {now}: trailing {inp.core.trailing_days}-day revenue {money(monetary)}, "
               f"down {drop:.0%} from {money(peak)}"
               + (f" (tier {ref} starts at {money(needed)})" if needed is not None else ""))
    severity = "high" if TIER_RANK[ref] - TIER_RANK[now] >= 2 else "medium"
    return Signal(KIND, severity, evidence, message, round(min(1.0, drop), 4))


def remember(inp: RuleInput) -> Any:
    memory, now = inp.memory, inp.revenue_tier
    if now is None:
        return memory
    monetary = inp.rfm[2] if inp.rfm is not None else 0
    if now in inp.config.scope.tiers:
        same = memory is not None and memory[0] == now
        return [now, max(memory[1], monetary) if same else monetary, None]
    if memory is None or TIER_RANK[now] >= TIER_RANK[memory[0]]:
        return None
    down_since = memory[2] if memory[2] is not None else inp.clock_ms
    if inp.clock_ms - down_since >= inp.config.tier_downgrade.settle_days * DAY_MS:
        return None
    return [memory[0], memory[1], down_since]


def due(inp: RuleInput) -> int | None:
    """When a downgrade settles (the episode can then resolve)."""
    memory = inp.memory
    if memory is None or memory[2] is None:
        return None
    at = memory[2] + inp.config.tier_downgrade.settle_days * DAY_MS
    return at if at > inp.clock_ms else None


RULE = Rule(KIND, check, due, remember, watches_everyone=True)
