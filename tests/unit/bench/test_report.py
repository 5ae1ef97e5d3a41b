import json

from rich.console import Console

from churnwatch.bench.report import BenchReport, format_value, parameters_line, render_table


def sample_report() -> BenchReport:
    report = BenchReport(
        parameters={"orders": 20_000, "customers": 2_000, "partitions": 6, "rate": 250, "latency_seconds": 20.0},
        machine={"nproc": 2, "memory_total_mb": 25_276, "loadavg_at_start": "2.10 2.00 1.90"},
    )
    report.add("baseline_events_per_s", "baseline throughput", 68_288.4, "events/s", "plain aiokafka")
    report.add("latency_p99_ms", "latency p99", 10_000.0, "ms", "in the top (+Inf) bucket: at least 10,000 ms")
    report.add("throughput_ratio", "churnwatch / baseline", 0.004567, "x")
    report.add("latency_p50_ms", "latency p50", None, "ms", "nothing observed")
    return report


def test_values_are_formatted_for_reading():
    assert format_value(68_288.4) == "68,288"
    assert format_value(27.64) == "27.6"
    assert format_value(2.3456) == "2.35"
    assert format_value(0.004567) == "0.00457"
    assert format_value(0.0) == "0"
    assert format_value(20_000) == "20,000"
    assert format_value(None) == "n/a"


def test_the_table_shows_every_figure_with_unit_and_notes():
    console = Console(width=200, record=True)
    console.print(render_table(sample_report()))
    text = console.export_text()
    lines = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") == 5}
    assert "68,288" in lines["baseline throughput"] and "events/s" in lines["baseline throughput"]
    assert "10,000" in lines["latency p99"] and "+Inf" in lines["latency p99"]
    assert "n/a" in lines["latency p50"]
    assert "0.00457" in lines["churnwatch / baseline"]


def test_json_carries_the_same_figures_parameters_and_machine():
    data = json.loads(json.dumps(sample_report().to_json()))
    assert data["parameters"]["orders"] == 20_000 and data["machine"]["nproc"] == 2
    assert data["values"] == {"baseline_events_per_s": 68_288.4, "latency_p99_ms": 10_000.0,
                              "throughput_ratio": 0.004567, "latency_p50_ms": None}
    first = data["figures"][0]
    assert first == {"key": "baseline_events_per_s", "label": "baseline throughput", "value": 68_288.4,
                     "unit": "events/s", "notes": "plain aiokafka"}


def test_the_parameters_line_names_load_and_machine():
    line = parameters_line(sample_report())
    assert "20,000 orders" in line and "2 CPUs" in line and "load 2.10" in line and "250 orders/s for 20 s" in line


def test_the_parameters_line_of_a_state_only_run_names_the_state_phase():
    report = BenchReport(parameters={"orders": 100_000, "customers": 10_000, "partitions": 6, "rate": None,
                                     "latency_seconds": 20.0, "state_customers": 200_000, "only_state": True},
                         machine={"nproc": 2, "memory_total_mb": 25_276, "loadavg_at_start": "0.10 0.20 0.30"})
    line = parameters_line(report)
    assert "state phase 200,000 customers in rocksdb" in line and "orders" not in line and "6 partitions" in line
