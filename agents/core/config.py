"""Settings of the domain core: windows, lateness, tier shares, health weights.

Why a frozen dataclass with defaults: the core is a set of pure functions, and every number that
shapes a definition (how long "trailing" is, how late an event may be, what share of revenue is
tier A) is an explicit, documented argument rather than a constant buried in code. The defaults
below are the product's defaults; ``config/core.toml`` repeats them so operators can see and
change them. ``CoreConfig.from_mapping`` rejects unknown keys, so a typo in the TOML file fails
loudly instead of being ignored.

TOML layout: top-level keys are the ``CoreConfig`` fields, the ``[health]`` table holds the
``HealthConfig`` fields (see ``agents.core.health`` for what each weight does).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Mapping

PeriodKind = Literal["month", "week"]

_DEFAULT_SEVERITY_WEIGHTS = {"low": 0.5, "medium": 1.0, "high": 2.0, "critical": 3.0}
_DEFAULT_AT_RISK_SEGMENTS = ("At Risk", "Can't Lose Them", "About to Sleep", "Hibernating")


@dataclass(frozen=True)
class HealthConfig:
    """Maximum points each component can take off the health score, and the shape of each.

    The six maxima add up to 100 by default, so a customer failing every check scores 0.
    """

    recency: float = 25.0
    """Silence longer than the customer's own typical gap between orders."""
    trend: float = 20.0
    """Order value of the last complete period below the customer's baseline."""
    range: float = 15.0
    """Fewer distinct categories in the recent window than in the baseline window."""
    overdue: float = 20.0
    """Open invoices past their due date."""
    complaints: float = 10.0
    """Open complaints, weighted by severity."""
    segment: float = 10.0
    """The RFM segment is one of ``at_risk_segments``."""
    recency_grace: float = 1.5
    """No recency penalty while days since the last order <= this many typical gaps."""
    recency_full: float = 3.0
    """Full recency penalty from this many typical gaps on (linear in between)."""
    trend_baseline_periods: int = 6
    """Baseline = mean order value of this many complete periods before the last complete one."""
    overdue_full_days: int = 90
    """Full overdue penalty when the oldest overdue invoice is this many days past due."""
    complaints_full: float = 3.0
    """Full complaints penalty at this severity-weighted count of open complaints."""
    severity_weights: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_SEVERITY_WEIGHTS),
                                                  hash=False)
    """Weight of one open complaint by severity (left out of the hash: a dict is unhashable)."""
    at_risk_segments: tuple[str, ...] = _DEFAULT_AT_RISK_SEGMENTS


@dataclass(frozen=True)
class CoreConfig:
    """The numbers behind every definition of the data card (see each field)."""

    period: PeriodKind = "month"
    """Granularity of the purchase trend: calendar months, or ISO weeks (Monday to Sunday, UTC)."""
    card_periods: int = 12
    """How many periods the card shows (the clock's own, possibly incomplete, period is the last)."""
    max_periods: int = 36
    """How many periods of aggregates a customer's state keeps (the newest periods with orders)."""
    trailing_days: int = 365
    """RFM window: frequency and monetary count orders in (clock - trailing_days, clock]."""
    range_recent_days: int = 90
    """Product range, recent window: (clock - range_recent_days, clock]."""
    range_baseline_days: int = 180
    """Product range, baseline window: the range_baseline_days right before the recent window."""
    range_min_baseline: int = 3
    """Range narrowing only counts when the baseline window had at least this many categories."""
    lateness_days: int = 7
    """An event older than the customer's newest event by more than this is rejected as late."""
    dedupe_max_ids: int = 1000
    """Hard cap on remembered event ids (and order ids) per customer; see ``agents.core.apply``."""
    default_payment_terms_days: int = 30
    """Payment terms for an invoice without due date when the customer has no profile yet."""
    pending_payment_days: int = 90
    """How long a payment for an unknown invoice (and the id of a settled invoice) is kept."""
    tier_shares: tuple[float, float, float] = (0.80, 0.15, 0.05)
    """Revenue shares of tiers A, B, C (Pareto / ABC); must add up to 1."""
    complaint_recent_days: int = 90
    """The card's ``complaints.last_90_days`` counts complaints opened in this many days."""
    gap_history: int = 10
    """Typical inter-order gap = median gap between the last this-many distinct order days."""
    exact_limit: int = 10_000
    """A partition summary keeps exact value lists up to this many customers, then a sketch."""
    sketch_size: int = 1000
    """Number of groups of a partition summary's quantile sketch."""
    health: HealthConfig = field(default_factory=HealthConfig)

    def __post_init__(self) -> None:
        problems = []
        if self.period not in ("month", "week"):
            problems.append(f"period={self.period!r}: expected 'month' or 'week'")
        if len(self.tier_shares) != 3 or min(self.tier_shares) < 0 or abs(sum(self.tier_shares) - 1) > 1e-9:
            problems.append(f"tier_shares={self.tier_shares!r}: expected three shares adding up to 1")
        for name in ("card_periods", "max_periods", "trailing_days", "range_recent_days",
                     "range_baseline_days", "lateness_days", "dedupe_max_ids", "gap_history",
                     "exact_limit", "sketch_size", "complaint_recent_days", "pending_payment_days"):
            if getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)!r}: must be >= 1")
        needed = max(self.card_periods, self.health.trend_baseline_periods + 2)
        if self.max_periods < needed:
            problems.append(f"max_periods={self.max_periods}: must be >= {needed} "
                            "(card_periods, and trend baseline + last complete + current period)")
        if problems:
            raise ValueError("invalid core config: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> CoreConfig:
        """Build from a parsed TOML document; missing keys keep their defaults, unknown keys fail."""
        values = dict(mapping)
        health = HealthConfig(**_checked(HealthConfig, values.pop("health", {}), "health."))
        return cls(**_checked(cls, values, ""), health=health)


def _checked(cls: type, mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Keyword arguments for ``cls`` from TOML values: unknown keys fail, arrays become tuples."""
    known = {f.name for f in fields(cls)} - {"health"}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ValueError(f"unknown core config key(s): {', '.join(prefix + k for k in unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in mapping.items()}
    if "severity_weights" in values:
        values["severity_weights"] = dict(values["severity_weights"])
    return values


def load_core_config(path: str | Path) -> CoreConfig:
    """Read ``config/core.toml`` (or any file of the same layout)."""
    with open(path, "rb") as handle:
        return CoreConfig.from_mapping(tomllib.load(handle))
