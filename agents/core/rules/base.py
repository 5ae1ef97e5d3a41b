"""What every rule takes and returns: ``RuleInput`` in, ``Signal`` (or None) out.

Why one input object: a rule is a pure function of the customer's state at an event-time clock,
the population thresholds and the settings, plus two things the lifecycle keeps for it: the
evidence of its open episode (so a rule can hold an alert until the customer has really
recovered, not merely until the trigger stops firing) and its own small memory (the tier and
segment rules need to know where the customer came from). Figures several rules use (RFM values,
the revenue tier, the segment) are computed once per evaluation and passed along.

A rule module defines ``RULE = Rule(kind, check, due, remember)``:
- ``check(inp) -> Signal | None``: the signal at ``inp.clock_ms``;
- ``due(inp) -> int | None``: the earliest event time after the clock at which the outcome can
  change *without a new event* (a lapse deadline, an invoice reaching its threshold); the engine
  re-evaluates the customer then (the next period boundary is always scheduled for key accounts);
- ``remember(inp) -> memory | None``: the rule's memory after this evaluation (JSON-compatible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from agents.core.config import CoreConfig
from agents.core.events import Severity
from agents.core.population import PopulationThresholds
from agents.core.rfm import typical_gap_days
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState

SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str
    severity: Severity
    evidence: dict[str, Any]
    """The numbers that triggered it, the rule's name and its thresholds (JSON-compatible)."""
    message: str
    """One line an account manager understands."""
    score: float
    """Strength in [0, 1] (how far past the threshold), for ranking alerts of one kind."""


class RuleInput:
    """Everything a rule reads for one customer at one clock (read-only for the rules).

    A plain object rather than a frozen dataclass: the lifecycle builds one per evaluation and
    points ``episode`` and ``memory`` at each rule's own in turn, which keeps the hot path cheap.
    """

    __slots__ = ("state", "clock_ms", "thresholds", "config", "core", "rfm", "revenue_tier", "segment",
                 "episode", "memory", "_gap")

    def __init__(self, state: CustomerState, clock_ms: int, thresholds: PopulationThresholds | None,
                 config: RulesConfig, core: CoreConfig, rfm: tuple[int, int, int] | None,
                 revenue_tier: str | None, segment: str | None, episode: Mapping[str, Any] | None = None,
                 memory: Any = None) -> None:
        self.state = state
        self.clock_ms = clock_ms
        self.thresholds = thresholds
        self.config = config
        self.core = core
        self.rfm = rfm
        """(recency_days, frequency, monetary_cents) at the clock; None without orders."""
        self.revenue_tier = revenue_tier
        """Tier by revenue share from the thresholds; None while the thresholds are unknown."""
        self.segment = segment
        self.episode = episode
        """Evidence of this kind's open episode (as raised), None when no episode is open."""
        self.memory = memory
        """This rule's memory from the previous evaluation (None at first)."""
        self._gap: float | None | bool = False

    @property
    def typical_gap(self) -> float | None:
        """`agents.core.rfm.typical_gap_days` of the state, computed once per evaluation."""
        if self._gap is False:
            self._gap = typical_gap_days(self.state)
        return self._gap


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    check: Callable[[RuleInput], Signal | None]
    due: Callable[[RuleInput], int | None] = lambda inp: None
    remember: Callable[[RuleInput], Any] | None = None
    watches_everyone: bool = False
    """Run even for customers outside the key-account scope (tier_downgrade: leaving tier A)."""


def severity_at_most(value: float, ladder: tuple[float, float, float]) -> Severity:
    """Severity when *smaller* is worse: value <= ladder[2] critical, <= [1] high, <= [0] medium."""
    if value <= ladder[2]:
        return "critical"
    if value <= ladder[1]:
        return "high"
    return "medium" if value <= ladder[0] else "low"


def severity_at_least(value: float, ladder: tuple[float, ...]) -> Severity:
    """Severity when *larger* is worse: value >= ladder[2] critical, >= [1] high, >= [0] medium."""
    if value >= ladder[2]:
        return "critical"
    if value >= ladder[1]:
        return "high"
    return "medium" if value >= ladder[0] else "low"


def money(cents: float) -> str:
    """Amounts in messages: whole currency units with thousands separators (12,400)."""
    return f"{cents / 100:,.0f}"


def cents(units: float) -> int:
    """A currency amount from the config file in integer cents."""
    return round(units * 100)
