from click.testing import CliRunner

from churnwatch.bench import run
from churnwatch.bench.command import bench_command
from churnwatch.bench.report import BenchReport


def invoke(monkeypatch, *args: str):
    """Run the command with `run_bench` replaced: the parameters it would have run with."""
    seen = []

    def fake_run_bench(params, base, echo):
        seen.append(params)
        return BenchReport(parameters={"partitions": params.partitions, "state_customers": params.state_customers,
                                       "only_state": True},
                           machine={"nproc": 2, "memory_total_mb": 1, "loadavg_at_start": "0"})

    monkeypatch.setattr(run, "run_bench", fake_run_bench)
    result = CliRunner().invoke(bench_command, list(args))
    return result, seen


def test_the_state_phase_is_off_by_default(monkeypatch):
    result, seen = invoke(monkeypatch)
    assert result.exit_code == 0, result.output
    assert seen[0].state_customers == 0 and not seen[0].only_state


def test_state_options_reach_the_run(monkeypatch):
    result, seen = invoke(monkeypatch, "--only-state", "--state-customers", "1000000")
    assert result.exit_code == 0, result.output
    assert seen[0].state_customers == 1_000_000 and seen[0].only_state


def test_only_state_needs_customers(monkeypatch):
    result, seen = invoke(monkeypatch, "--only-state")
    assert result.exit_code == 2 and "--state-customers" in result.output and not seen
    result, seen = invoke(monkeypatch, "--state-customers", "-1")
    assert result.exit_code == 2 and not seen
