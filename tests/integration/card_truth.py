"""Ground truth for whole-pipeline card tests: a simulated history, and its cards computed
independently with pandas (`tests.reference.pandas_cards`) at each partition's final clock."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from agents.core.config import load_core_config
from agents.core.events import Profile
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import SimulationSpec
from streams.settings import Settings
from tests.reference.pandas_cards import reference_cards
from tests.stack_fixtures import settings_env
from tests.unit.core.history import History

PROSE = ("detail",)


@dataclass
class Truth:
    spec: SimulationSpec
    events: int
    cards: dict[str, dict]


def expected_cards(spec: SimulationSpec, settings: Settings) -> Truth:
    from agents.customer_agent import partition_of

    arrivals = list(simulate(spec))
    clocks: dict[int, int] = {}
    for e in arrivals:
        if not isinstance(e, Profile):
            p = partition_of(e.customer_id, settings.partitions)
            clocks[p] = max(clocks.get(p, 0), e.occurred_ms)
    customers = {e.customer_id for e in arrivals}
    clock_by_customer = {cid: clocks[partition_of(cid, settings.partitions)] for cid in customers}
    frames = History(arrivals, max(clocks.values())).frames()
    config = load_core_config(settings.config_dir / "core.toml")
    cards = reference_cards(*frames, clock_by_customer, config)
    return Truth(spec, len(arrivals), cards)


def produce_simulation(spec: SimulationSpec, settings: Settings) -> None:
    """Fill the topics the way a user does: `churnwatch simulate` into Kafka."""
    subprocess.run(
        [sys.executable, "-m", "churnwatch", "simulate", "--customers", str(spec.customers),
         "--months", str(spec.months), "--seed", str(spec.seed), "--start", spec.start.isoformat(),
         "--bootstrap", settings.kafka,
         "--topic-prefix", settings.topic_prefix, "--partitions", str(settings.partitions)],
        env=settings_env(settings), check=True, capture_output=True, timeout=900,
    )


def comparable(card: dict) -> dict:
    """A card without prose (health reason details) and without open alerts (tested elsewhere)."""
    card = dict(card)
    card.pop("open_alerts", None)
    card["health"] = {"score": card["health"]["score"],
                      "reasons": [{k: v for k, v in r.items() if k not in PROSE} for r in card["health"]["reasons"]]}
    return card


def card_differences(truth: Truth, fetch) -> list[str]:
    """Every (customer, field) where the pipeline's card differs from the reference."""
    diffs = []
    for cid, want in sorted(truth.cards.items()):
        got = fetch(cid)
        if got is None:
            diffs.append(f"{cid}: no card")
            continue
        got, want = comparable(got), comparable(want)
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                diffs.append(f"{cid}.{key}: pipeline {got.get(key)!r} != reference {want.get(key)!r}")
    return diffs


def wait_for_cards(truth, fetch, timeout: float, workers=()) -> None:
    """Wait until every card `fetch(customer_id)` gives equals the reference (thresholds settle
    a few seconds after the last event), then assert it, naming the first differences if not,
    and with what the `workers` (`WorkerProcess`) say about their state: a failure in CI must
    explain itself."""
    deadline = time.monotonic() + timeout
    diffs = card_differences(truth, fetch)
    while diffs and time.monotonic() < deadline:
        time.sleep(3)
        diffs = card_differences(truth, fetch)
    if diffs:
        views = "\n".join(worker.diagnose() for worker in workers)
        raise AssertionError(f"{len(diffs)} differences, first ones:\n" + "\n".join(diffs[:15]) + "\n" + views)
