"""The bench's result: figures with units and notes, as a rich table and as JSON.

Why one `Figure` list for both outputs: the screen and the JSON must never disagree, and a
reader of either needs the unit and what exactly was measured (the notes) beside each number.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.table import Table


@dataclass(frozen=True)
class Figure:
    key: str
    """Stable machine name (JSON consumers key on it)."""
    label: str
    value: float | int | None
    """None when the figure could not be measured (the notes say why)."""
    unit: str
    notes: str = ""


@dataclass
class BenchReport:
    parameters: dict[str, Any]
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)

    def add(self, key: str, label: str, value: float | int | None, unit: str, notes: str = "") -> None:
        self.figures.append(Figure(key, label, value, unit, notes))

    def value(self, key: str) -> float | int | None:
        for figure in self.figures:
            if figure.key == key:
                return figure.value
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "machine": self.machine,
            "figures": [asdict(f) for f in self.figures],
            "values": {f.key: f.value for f in self.figures},
        }


def format_value(value: float | int | None) -> str:
    """Thousands separators for large numbers, three significant digits for small ones."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude == 0:
        return "0"
    return f"{value:.3g}"


def render_table(report: BenchReport, title: str = "churnwatch bench") -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("notes", overflow="fold")
    for f in report.figures:
        table.add_row(f.label, format_value(f.value), f.unit, f.notes)
    return table


def parameters_line(report: BenchReport) -> str:
    p, m = report.parameters, report.machine
    phases = [] if p.get("only_state") else [
        f"{p['orders']:,} orders, {p['customers']:,} customers, latency phase {p['rate']:,} orders/s for "
        f"{p['latency_seconds']:g} s"]
    if p.get("state_customers"):
        phases.append(f"state phase {p['state_customers']:,} customers in rocksdb")
    return (f"{'; '.join(phases)}; {p['partitions']} partitions; "
            f"{m['nproc']} CPUs, {m['memory_total_mb']:,} MB RAM, load {m['loadavg_at_start']}")
