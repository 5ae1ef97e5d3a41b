"""Running the rules over a history offline, exactly as the worker would have.

Why the same engine and the same decoder: the backtest is only worth something if its alerts are
the ones the live pipeline raises. Files are read with the replay module (the replay file
layout, column names from the contract) and every event passes `streams.codec` validation, as in
`churnwatch replay`; the events are sorted by ``occurred_at`` (stable; a profile sorts before the
timed events of its instant) and fed to ONE `agents.core.engine.PartitionEngine` whose evaluations
happen at day boundaries of event time, like every partition of the worker.

Population thresholds (RFM cut points, tier thresholds) are recomputed from all states every
``population_every_days`` of event time, at a day boundary, before the first event of that day:
the worker's population board refreshes on a timer, the backtest on event time, deterministically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.events import Event, Profile
from agents.core.population import PopulationThresholds, thresholds_from_states
from agents.core.rules.config import RulesConfig
from agents.core.state import CustomerState
from agents.core.timeutil import DAY_MS

TOPIC_NAMES = ("orders", "payments", "complaints", "customers")


class BacktestInputError(ValueError):
    """A history file cannot be read as asked (unknown topic, missing columns, unreadable)."""


@dataclass
class LoadedHistory:
    events: list[Event]
    accepted: Counter = field(default_factory=Counter)
    """topic -> events read."""
    rejected: Counter = field(default_factory=Counter)
    """(topic, reason) -> rows refused by the worker's validation."""


@dataclass
class BacktestRun:
    alerts: list[dict[str, Any]]
    states: dict[str, CustomerState]
    first_ms: int | None
    end_ms: int | None
    """The clock the engine was finally advanced to."""
    outcomes: Counter
    """apply outcome (applied, duplicate, late) -> count."""
    evaluations: int


def topic_for(path: Path, overrides: Mapping[str, str]) -> str:
    """``--topic-for FILE=topic`` when given, else the topic named in the file name (orders.csv)."""
    given = overrides.get(str(path)) or overrides.get(path.name)
    if given is not None:
        if given not in TOPIC_NAMES:
            raise BacktestInputError(f"{path}: unknown topic {given!r} (expected one of {', '.join(TOPIC_NAMES)})")
        return given
    found = [t for t in TOPIC_NAMES if t in path.stem.lower()]
    if len(found) != 1:
        raise BacktestInputError(f"cannot tell the topic of {path.name!r} from its name; "
                                 f"use --topic-for {path.name}=<{'|'.join(TOPIC_NAMES)}>")
    return found[0]


def load_history(paths: Iterable[Path], overrides: Mapping[str, str] | None = None) -> LoadedHistory:
    """Every valid event of the files (replay format, validated like the worker), sorted by time."""
    from churnwatch.replay.pipeline import Accepted, Replay
    from churnwatch.replay.reader import ReplayInputError

    history = LoadedHistory([])
    for path in paths:
        topic = topic_for(path, overrides or {})
        try:
            for outcome in Replay(path, topic).outcomes():
                if isinstance(outcome, Accepted):
                    history.events.append(outcome.event)
                    history.accepted[topic] += 1
                else:
                    history.rejected[(topic, outcome.reason)] += len(outcome.rows)
        except ReplayInputError as error:
            raise BacktestInputError(f"{path}: {error}") from None
    history.events.sort(key=event_order)
    return history


def event_order(event: Event) -> tuple[int, int]:
    """Sort key: event time; a profile before the timed events of its instant (first if undated)."""
    if isinstance(event, Profile):
        return (event.occurred_ms if event.occurred_ms is not None else -(2**62), 0)
    return (event.occurred_ms, 1)


def run_backtest(events: Iterable[Event], core: CoreConfig, rules: RulesConfig, *,
                 until_ms: int | None = None, population_every_days: int = 7) -> BacktestRun:
    """Feed time-ordered ``events`` to one engine; advance to ``until_ms`` (default: the day after the last event)."""
    states: dict[str, CustomerState] = {}
    population = _Population(states, core, population_every_days)
    engine = PartitionEngine(core, rules, population)
    alerts: list[dict[str, Any]] = []
    outcomes: Counter = Counter()
    first = last = None
    for event in events:
        if not isinstance(event, Profile):
            population.refresh_by(event.occurred_ms // DAY_MS * DAY_MS)
            first = event.occurred_ms if first is None else first
            last = event.occurred_ms if last is None else max(last, event.occurred_ms)
        outcome, raised = engine.apply(event, states.get, states.__setitem__)
        outcomes[outcome] += 1
        alerts += raised
    end = until_ms if until_ms is not None else (None if last is None else (last // DAY_MS + 1) * DAY_MS)
    if end is not None:
        # Past the last event, step from refresh to refresh so the thresholds keep moving with the clock.
        while population.next_ms is not None and population.next_ms <= end:
            alerts += engine.advance_to(population.next_ms - 1, states.get, states.__setitem__)
            population.refresh_by(population.next_ms)
        alerts += engine.advance_to(end, states.get, states.__setitem__)
    return BacktestRun(alerts, states, first, engine.clock_ms, outcomes, engine.evaluations)


class _Population:
    """The thresholds the engine scores with: recomputed from all states every ``every_days``."""

    def __init__(self, states: dict[str, CustomerState], core: CoreConfig, every_days: int) -> None:
        self.states, self.core, self.every_ms = states, core, every_days * DAY_MS
        self.current: PopulationThresholds | None = None
        self.next_ms: int | None = None

    def __call__(self) -> PopulationThresholds | None:
        return self.current

    def refresh_by(self, day_ms: int) -> None:
        """Recompute at day boundary ``day_ms`` if a refresh is due by then."""
        if self.next_ms is not None and day_ms < self.next_ms:
            return
        if any(s.last_order_ms is not None for s in self.states.values()):
            self.current = thresholds_from_states(self.states.values(), day_ms, self.core)
        self.next_ms = day_ms + self.every_ms
