"""`churnwatch bench-ab OTHER_PYTHON`: this install's worker against another install's, in turns,
over the same pre-produced orders.

Why: on a shared 2-core machine a worker's events/s moves by tens of percent between runs of
`churnwatch bench` minutes apart, which hides a change of 10%. Here both versions read the same
orders from the same broker in alternating passes (this, other, then other, this, ...), so a
slow stretch of the machine hits both, and the medians are compared. OTHER_PYTHON is the Python
of the other checkout's virtualenv (with that checkout installed, e.g. `pip install -e`); each
pass is a fresh worker with its own app id (consumer group, changelog, state), timed from its
`/readyz` to the last order handled, as in the throughput phase of `churnwatch bench`.
"""

from __future__ import annotations

import statistics
import sys
from typing import Callable

from churnwatch.bench.run import BenchParams, BenchRun
from streams.settings import Settings

INSTALLS = ("this", "other")


def run_ab(params: BenchParams, base: Settings, other_python: str, rounds: int,
           echo: Callable[[str], None]) -> dict[str, list[float]]:
    """Events/s of each pass, by install ("this", "other")."""
    pythons = {"this": sys.executable, "other": other_python}
    rates: dict[str, list[float]] = {install: [] for install in INSTALLS}
    bench = BenchRun(params, base, echo)
    failed = True
    try:
        bench.produce_workload()
        for round_ in range(rounds):
            for install in INSTALLS if round_ % 2 == 0 else INSTALLS[::-1]:
                events_per_s = bench.fresh_worker_pass(f"{install}{round_}", pythons[install])
                rates[install].append(events_per_s)
                echo(f"round {round_ + 1}, {install}: {events_per_s:,.0f} events/s")
        failed = False
    finally:
        bench.clean_up(keep_files=failed)
    return rates


def summary(rates: dict[str, list[float]]) -> str:
    medians = {install: statistics.median(values) for install, values in rates.items()}
    ranges = {install: f"{min(values):,.0f}-{max(values):,.0f}" for install, values in rates.items()}
    return (f"median events/s: this {medians['this']:,.0f} ({ranges['this']}), other {medians['other']:,.0f} "
            f"({ranges['other']}); this / other {medians['this'] / medians['other']:.3f}")

