"""Pure arithmetic of the bench: Prometheus scrapes, histogram quantiles, /proc parsing, rates.

Why pure and separate: every figure the bench prints comes from these few functions, and they
are the part that can silently be wrong (an off-by-one bucket, kB read as bytes), so they are
unit-tested on literal inputs without a worker or a broker.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from prometheus_client.parser import text_string_to_metric_families

EVENTS_METRIC = "churnwatch_events_total"
LATENCY_METRIC = "churnwatch_processing_latency_seconds"
APPLY_LATENCY_METRIC = "churnwatch_apply_latency_seconds"
CARDS_METRIC = "churnwatch_cards_published_total"
STATE_WRITES_METRIC = "churnwatch_state_writes_total"
UNSENT_STATES_METRIC = "churnwatch_unsent_states"
INPUT_TOPICS = frozenset({"orders", "payments", "complaints", "customers"})
"""Contract topic names whose events count as work (ticks are the worker's own records)."""


@dataclass(frozen=True)
class Histogram:
    """Cumulative bucket counts of one Prometheus histogram: ``(upper bound, count <= bound)``.

    The last bound is ``math.inf``; bounds ascend. Counts are cumulative, as exposed.
    """

    buckets: tuple[tuple[float, float], ...]

    @property
    def count(self) -> float:
        return self.buckets[-1][1] if self.buckets else 0.0

    def minus(self, earlier: "Histogram") -> "Histogram":
        """The observations made between ``earlier`` and this scrape (same bucket layout)."""
        if not earlier.buckets:
            return self
        if [b for b, _ in earlier.buckets] != [b for b, _ in self.buckets]:
            raise ValueError("histograms with different buckets cannot be subtracted")
        return Histogram(tuple((bound, now - then) for (bound, now), (_, then) in zip(self.buckets, earlier.buckets)))


@dataclass(frozen=True)
class Quantile:
    """A quantile estimated from buckets; ``above_top`` means it lies in the +Inf bucket, so
    ``seconds`` is only the largest finite bound (a lower bound of the true value)."""

    q: float
    seconds: float
    above_top: bool = False


def quantile(q: float, histogram: Histogram) -> Quantile | None:
    """Prometheus ``histogram_quantile`` semantics: linear interpolation inside the bucket that
    holds rank ``q * count``, the first bucket starting at 0. None when nothing was observed."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} outside [0, 1]")
    total = histogram.count
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, cumulative in histogram.buckets:
        if cumulative >= rank and cumulative > lower_count:
            if math.isinf(bound):
                return Quantile(q, lower_bound, above_top=True)
            share = (rank - lower_count) / (cumulative - lower_count)
            return Quantile(q, lower_bound + (bound - lower_bound) * share)
        lower_bound, lower_count = bound, cumulative
    raise ValueError("histogram without a +Inf bucket")


@dataclass(frozen=True)
class Scrape:
    """What the bench reads from one ``/metrics`` page."""

    outcomes: Mapping[tuple[str, str], float]
    """(topic, outcome) -> churnwatch_events_total, input topics only."""
    latency: Histogram
    cards_published: float = 0.0
    """Cards the worker has sent to the customer-cards topic since it started."""
    applied: Histogram = Histogram(())
    """Kafka timestamp to application (after the event-time gate's hold)."""
    state_writes: float = 0.0
    """Customer states the worker has written to its changelog since it started."""
    unsent_states: float = 0.0
    """Changed states waiting for the worker's next write (before its next commit)."""

    def state_writes_since(self, earlier: "Scrape") -> float:
        """States written since `earlier`, counting those staged meanwhile and not yet written
        (a write happens only before a commit) and not those staged before it."""
        return self.state_writes - earlier.state_writes + self.unsent_states - earlier.unsent_states

    def events(self, outcome: str | None = None) -> float:
        """Input events with ``outcome`` (every outcome when None)."""
        return sum(v for (_, o), v in self.outcomes.items() if outcome is None or o == outcome)

    @property
    def processed(self) -> float:
        return self.events("processed")


def parse_scrape(text: str) -> Scrape:
    outcomes: dict[tuple[str, str], float] = {}
    buckets: list[tuple[float, float]] = []
    applied: list[tuple[float, float]] = []
    cards = writes = unsent = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == EVENTS_METRIC and sample.labels.get("topic") in INPUT_TOPICS:
                key = (sample.labels["topic"], sample.labels.get("outcome", ""))
                outcomes[key] = outcomes.get(key, 0.0) + sample.value
            elif sample.name == LATENCY_METRIC + "_bucket":
                buckets.append((float(sample.labels["le"]), sample.value))
            elif sample.name == APPLY_LATENCY_METRIC + "_bucket":
                applied.append((float(sample.labels["le"]), sample.value))
            elif sample.name == CARDS_METRIC:
                cards += sample.value
            elif sample.name == STATE_WRITES_METRIC:
                writes += sample.value
            elif sample.name == UNSENT_STATES_METRIC:
                unsent += sample.value
    return Scrape(outcomes, Histogram(tuple(sorted(buckets))), cards, Histogram(tuple(sorted(applied))), writes,
                  unsent)


def sample_quantile(q: float, values: Sequence[float]) -> float:
    """The ``q`` quantile of measured values, interpolating linearly between the two nearest
    ranks (numpy's default): a p99 of 2,000 requests lies between the 20th and 21st slowest."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} outside [0, 1]")
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def parse_kib_field(text: str, field: str) -> int:
    """A ``Name:   1234 kB`` line of /proc/<pid>/status or /proc/meminfo, in bytes."""
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name == field:
            parts = rest.split()
            if len(parts) != 2 or parts[1] != "kB":
                raise ValueError(f"unexpected {field} line: {line!r}")
            return int(parts[0]) * 1024
    raise ValueError(f"no {field} line")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return parse_kib_field(status.read(), "VmRSS")


def parse_cpu_seconds(stat_text: str, ticks_per_second: int) -> float:
    """User + system CPU time of a process from its /proc/<pid>/stat line, in seconds.

    The command name (field 2) is in parentheses and may hold spaces: the fields are counted
    from the last ``)``; utime and stime are fields 14 and 15, in clock ticks."""
    fields = stat_text[stat_text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return parse_cpu_seconds(stat.read(), os.sysconf("SC_CLK_TCK"))


def per_100k_customers_mb(used_bytes: int, idle_bytes: int, customers: int) -> float:
    """The memory the customers' state costs, scaled to 100,000 customers, in MB (10^6 bytes)."""
    if customers < 1:
        raise ValueError("customers must be >= 1")
    return (used_bytes - idle_bytes) / 1e6 * 100_000 / customers


def rate(events: float, seconds: float) -> float:
    if seconds <= 0:
        raise ValueError(f"cannot make a rate over {seconds} s")
    return events / seconds
