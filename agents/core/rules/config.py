"""Thresholds of the alert rules and of the alert lifecycle: the frozen ``RulesConfig``.

Why a frozen dataclass per rule, built from TOML: every number that decides whether an account
manager is woken up is an explicit, documented setting in ``config/rules.toml``; the worker
re-reads the file when it changes (``load_rules_config``), so tuning needs no code change.
Missing keys keep the defaults below (they are the product's defaults and the file repeats them);
unknown keys and out-of-range values fail loudly, so a typo never silently disables a rule.

Amounts in the file are currency units (decimals); inside they are compared with integer cents.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from agents.core.config import CoreConfig
from agents.core.events import SEVERITIES

KINDS = ("volume_decline", "range_narrowing", "recency_lapse", "payment_overdue", "complaint_unresolved",
         "tier_downgrade", "segment_transition")
"""Alert kinds, in the order the rules run (the contract's enum of ``churn-alerts.kind``)."""


@dataclass(frozen=True)
class ScopeConfig:
    """Which customers the rules watch: the key accounts."""

    tiers: tuple[str, ...] = ("A",)
    """Revenue tiers (from the population thresholds) that are key accounts."""
    key_account_flag: bool = True
    """A profile flagged ``key_account`` is watched whatever its revenue tier."""


@dataclass(frozen=True)
class LifecycleConfig:
    """One episode per (customer, kind): open -> escalated -> resolved, then a cooldown."""

    escalate_after_days: int = 30
    """An episode still open after this many days is escalated (once); a rise in severity escalates at once."""
    resolve_after_days: int = 7
    """The signal must stay absent this long before the episode is resolved (hysteresis)."""
    cooldown_days: int = 30
    """After a resolution no new episode of the same kind opens for this long."""


@dataclass(frozen=True)
class VolumeDeclineConfig:
    enabled: bool = True
    measures: tuple[str, ...] = ("amount",)
    """Which per-period figures are watched: "amount" (order value) and/or "quantity". Quantity
    adds units of different products together, so it is off by default; either measure can trigger."""
    trend_periods: int = 3
    """Trend trigger: the last this-many complete periods fall strictly, period over period
    (3 periods = two consecutive drops, seed 004's "fell month after month")."""
    min_drop: float = 0.08
    """... each period at least this share below the one before it ..."""
    trend_max_ratio: float = 0.70
    """... the last one at most this share of the baseline ..."""
    trend_below_ratio: float = 0.85
    """... and every period of the run after the first at most this share of the baseline: the run
    leads away from the customer's level. Without it a month of ordinary noise followed by a
    one-month seasonal dip reads as "three months falling"."""
    level_ratio: float = 0.30
    """Level trigger: the last ``level_periods`` complete periods each below this share of the baseline."""
    level_periods: int = 1
    baseline_periods: int = 6
    """Baseline = mean per period of this many complete periods right before the compared ones."""
    min_baseline_periods: int = 4
    """Guard: at least this many baseline periods with orders (customers too new are skipped)."""
    min_baseline_amount: float = 500.0
    """Guard: baseline order value per period at least this much (currency units)."""
    recovered_ratio: float = 0.8
    """An open episode lasts while the last complete period stays below this share of the baseline
    the episode was raised against (hysteresis: recovery means back near the old level)."""
    severity_ratios: tuple[float, float, float] = (0.75, 0.5, 0.25)
    """Last period / baseline at or below these: medium, high, critical (above the first: low)."""


@dataclass(frozen=True)
class RangeNarrowingConfig:
    enabled: bool = True
    recent_periods: int = 2
    """Recent window: the last this-many complete periods."""
    baseline_periods: int = 6
    """Baseline window: this many complete periods right before the recent window."""
    max_ratio: float = 0.75
    """Trigger when the recent window covers at most this share of the categories a window of the
    same length covered on average in the baseline."""
    min_baseline_categories: int = 5
    """Guard: the baseline bought at least this many categories. With a range of 3 or 4, two months
    that touch only half of it are ordinary chance for a customer with a few orders a month (in
    simulated histories such customers raised most false narrowing alarms); narrower ranges are
    still visible on the card's product_range section."""
    min_recent_orders: int = 4
    """Guard: at least this many orders in the recent window (with fewer, few categories is chance)."""
    min_order_ratio: float = 0.5
    """Guard: the customer still orders at this share of its baseline rate. Fewer, larger orders
    (consolidation) cover fewer categories by chance; that is not a narrower range."""
    recovered_ratio: float = 0.85
    """An open episode lasts while the recent window covers less than this share of the baseline's
    usual coverage at the alert."""
    severity_ratios: tuple[float, float, float] = (0.7, 0.5, 0.3)
    """Recent coverage / usual coverage at or below these: medium, high, critical."""


@dataclass(frozen=True)
class RecencyLapseConfig:
    enabled: bool = True
    gap_multiple: float = 2.5
    """Silence longer than this many typical inter-order gaps (``rfm.typical_gap_days``) ..."""
    min_days: int = 60
    """... and longer than this many days."""
    min_order_days: int = 3
    """Guard: a typical gap needs at least this many distinct order days."""
    severity_multiples: tuple[float, float, float] = (1.0, 1.5, 2.5)
    """Silence / threshold at or above these: medium, high, critical."""


@dataclass(frozen=True)
class PaymentOverdueConfig:
    enabled: bool = True
    min_days_overdue: int = 30
    """Trigger when the oldest unpaid invoice is this many days past due ..."""
    min_overdue_amount: float = 0.0
    """... or when the amount overdue by at least ``amount_grace_days`` reaches this (0 = off)."""
    amount_grace_days: int = 7
    clear_days: int = 15
    """An open episode lasts while some invoice is more than this many days past due."""
    severity_days: tuple[int, int, int] = (30, 60, 90)
    """Days past due at or above these: medium, high, critical."""


@dataclass(frozen=True)
class ComplaintUnresolvedConfig:
    enabled: bool = True
    sla_days: Mapping[str, float] = field(
        default_factory=lambda: {"critical": 3.0, "high": 7.0, "medium": 14.0, "low": 30.0})
    """A complaint open longer than its severity's SLA is a breach."""
    burst_count: int = 3
    """Or a burst: at least this many complaints opened ..."""
    burst_days: int = 30
    """... within this many days."""


@dataclass(frozen=True)
class TierDowngradeConfig:
    enabled: bool = True
    min_drop: float = 0.25
    """The trailing revenue must also be this share below its peak while in the old tier, so a
    customer hovering at the tier border does not flap."""
    settle_days: int = 90
    """After this many days in the lower tier it is the new normal (the episode then resolves)."""


@dataclass(frozen=True)
class SegmentTransitionConfig:
    enabled: bool = True
    from_segments: tuple[str, ...] = ("Champions", "Loyal")
    to_segments: tuple[str, ...] = ("At Risk", "Can't Lose Them", "Hibernating")
    confirm_days: int = 45
    """The customer must stay in the bad segments this long (a late order is not a transition)."""
    settle_days: int = 90


@dataclass(frozen=True)
class RulesConfig:
    scope: ScopeConfig = field(default_factory=ScopeConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    volume_decline: VolumeDeclineConfig = field(default_factory=VolumeDeclineConfig)
    range_narrowing: RangeNarrowingConfig = field(default_factory=RangeNarrowingConfig)
    recency_lapse: RecencyLapseConfig = field(default_factory=RecencyLapseConfig)
    payment_overdue: PaymentOverdueConfig = field(default_factory=PaymentOverdueConfig)
    complaint_unresolved: ComplaintUnresolvedConfig = field(default_factory=ComplaintUnresolvedConfig)
    tier_downgrade: TierDowngradeConfig = field(default_factory=TierDowngradeConfig)
    segment_transition: SegmentTransitionConfig = field(default_factory=SegmentTransitionConfig)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError("invalid rules config: " + "; ".join(problems))

    def enabled(self, kind: str) -> bool:
        return getattr(self, kind).enabled

    def check_against(self, core: CoreConfig) -> None:
        """Fail when the core keeps too little history for these windows (raises ValueError)."""
        problems = []
        volume, narrowing = self.volume_decline, self.range_narrowing
        needed = max(volume.baseline_periods + max(volume.trend_periods, volume.level_periods),
                     narrowing.baseline_periods + narrowing.recent_periods) + 1
        if core.max_periods < needed:
            problems.append(f"core max_periods={core.max_periods} keeps fewer periods than the rules "
                            f"compare ({needed})")
        if self.complaint_unresolved.burst_days > core.complaint_recent_days:
            problems.append(f"complaint_unresolved.burst_days={self.complaint_unresolved.burst_days} is longer "
                            f"than the core remembers complaint openings (complaint_recent_days="
                            f"{core.complaint_recent_days})")
        if problems:
            raise ValueError("rules config does not fit the core config: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> RulesConfig:
        """Build from a parsed TOML document: one table per section; missing keys keep defaults."""
        unknown = sorted(set(mapping) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown rules config section(s): {', '.join(unknown)}")
        sections = {}
        for section in fields(cls):
            values = mapping.get(section.name, {})
            if not isinstance(values, Mapping):
                raise ValueError(f"rules config [{section.name}] must be a table")
            sections[section.name] = _section(section.default_factory, values, section.name)
        return cls(**sections)


def _section(cls: type, values: Mapping[str, Any], name: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown rules config key(s): {', '.join(f'{name}.{k}' for k in unknown)}")
    converted = {k: tuple(v) if isinstance(v, list) else dict(v) if isinstance(v, Mapping) else v
                 for k, v in values.items()}
    return cls(**converted)


def _problems(config: RulesConfig) -> list[str]:
    """Values that would make a rule meaningless (checked once, when the file is loaded)."""
    problems = []

    def need(ok: bool, text: str) -> None:
        if not ok:
            problems.append(text)

    need(set(config.scope.tiers) <= {"A", "B", "C"}, f"scope.tiers={config.scope.tiers!r}: tiers are A, B, C")
    life = config.lifecycle
    for name in ("escalate_after_days", "resolve_after_days", "cooldown_days"):
        need(getattr(life, name) >= 0, f"lifecycle.{name} must be >= 0")
    volume = config.volume_decline
    need(bool(volume.measures) and set(volume.measures) <= {"amount", "quantity"},
         f"volume_decline.measures={volume.measures!r}: choose from amount, quantity")
    need(volume.trend_periods >= 2, "volume_decline.trend_periods must be >= 2")
    need(volume.level_periods >= 1, "volume_decline.level_periods must be >= 1")
    need(1 <= volume.min_baseline_periods <= volume.baseline_periods,
         "volume_decline.min_baseline_periods must be between 1 and baseline_periods")
    need(0 <= volume.min_drop < 1, "volume_decline.min_drop must be in [0, 1)")
    narrowing = config.range_narrowing
    need(narrowing.recent_periods >= 1 and narrowing.baseline_periods >= narrowing.recent_periods,
         "range_narrowing: need 1 <= recent_periods <= baseline_periods")
    need(narrowing.min_baseline_categories >= 1, "range_narrowing.min_baseline_categories must be >= 1")
    lapse = config.recency_lapse
    need(lapse.min_order_days >= 2, "recency_lapse.min_order_days must be >= 2 (a gap needs two order days)")
    need(lapse.gap_multiple > 0 and lapse.min_days >= 1, "recency_lapse: gap_multiple > 0 and min_days >= 1")
    need(config.payment_overdue.min_days_overdue >= 0, "payment_overdue.min_days_overdue must be >= 0")
    complaint = config.complaint_unresolved
    need(set(complaint.sla_days) == set(SEVERITIES),
         f"complaint_unresolved.sla_days needs exactly the severities {', '.join(SEVERITIES)}")
    need(complaint.burst_count >= 2 and complaint.burst_days >= 1,
         "complaint_unresolved: burst_count >= 2 and burst_days >= 1")
    need(0 <= config.tier_downgrade.min_drop < 1, "tier_downgrade.min_drop must be in [0, 1)")
    for name, ladder in (("volume_decline.severity_ratios", volume.severity_ratios),
                         ("range_narrowing.severity_ratios", narrowing.severity_ratios),
                         ("recency_lapse.severity_multiples", lapse.severity_multiples),
                         ("payment_overdue.severity_days", config.payment_overdue.severity_days)):
        need(len(ladder) == 3, f"{name} needs three steps (medium, high, critical)")
    return problems


def load_rules_config(path: str | Path) -> RulesConfig:
    """Read ``config/rules.toml`` (or any file of the same layout)."""
    with open(path, "rb") as handle:
        return RulesConfig.from_mapping(tomllib.load(handle))
