"""`churnwatch simulate --out`: byte-identical output per seed, the truth file, the wire bytes."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from churnwatch.simulation.command import simulate_command
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.population import build_population
from churnwatch.simulation.spec import SimulationSpec
from churnwatch.simulation.truth import read_truth, truth_rows
from streams.codec import encode_event

ARGS = ["--customers", "60", "--months", "6", "--seed", "5", "--managers", "3"]


def run(out: Path, *extra: str) -> None:
    result = CliRunner().invoke(simulate_command, [*ARGS, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    run(tmp_path / "a", "--truth", str(tmp_path / "a-truth.csv"))
    run(tmp_path / "b", "--truth", str(tmp_path / "b-truth.csv"))
    for name in ("orders.csv", "payments.csv", "complaints.csv", "customers.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a-truth.csv").read_bytes() == (tmp_path / "b-truth.csv").read_bytes()
    run(tmp_path / "c", "--seed", "6")
    assert (tmp_path / "a" / "orders.csv").read_bytes() != (tmp_path / "c" / "orders.csv").read_bytes()


def test_files_hold_every_event_and_the_truth_every_customer(tmp_path: Path) -> None:
    run(tmp_path / "out", "--truth", str(tmp_path / "truth.csv"))
    spec = SimulationSpec(customers=60, months=6, seed=5, managers=3)
    events = list(simulate(spec))
    with (tmp_path / "out" / "orders.csv").open(newline="") as handle:
        order_ids = {row["order_id"] for row in csv.DictReader(handle)}
    assert order_ids == {e.order_id for e in events if hasattr(e, "order_id")}
    assert read_truth(tmp_path / "truth.csv") == truth_rows(build_population(spec))


def test_same_seed_gives_byte_identical_wire_events() -> None:
    spec = SimulationSpec(customers=50, months=5, seed=9)
    first = [encode_event(e) for e in simulate(spec)]
    assert first == [encode_event(e) for e in simulate(spec)]


def test_speed_and_out_do_not_mix(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate_command, [*ARGS, "--out", str(tmp_path), "--speed", "10"])
    assert result.exit_code == 2 and "--speed" in result.output
