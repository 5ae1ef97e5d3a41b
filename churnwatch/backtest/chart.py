"""A PNG of alerts opened per week of event time, stacked by kind (``--chart``).

matplotlib is imported inside the function with the Agg backend, so the command needs no
display and the rest of the CLI does not pay for the import.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Mapping, Sequence

from agents.core.rules.config import KINDS
from churnwatch.backtest.metrics import alert_ms


def write_chart(path: Path, alerts: Sequence[Mapping[str, Any]], title: str = "alerts opened per week") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weekly: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    for alert in alerts:
        if alert["state"] == "open":
            day = datetime.fromtimestamp(alert_ms(alert) / 1000, tz=UTC).date()
            weekly[alert["kind"]][day - timedelta(days=day.weekday())] += 1
    weeks = sorted({week for counts in weekly.values() for week in counts})
    figure, axes = plt.subplots(figsize=(11, 4.5), dpi=110)
    bottom = [0] * len(weeks)
    for kind in KINDS:
        heights = [weekly[kind][week] for week in weeks]
        if any(heights):
            axes.bar(weeks, heights, width=6, bottom=bottom, label=kind, align="edge")
            bottom = [b + h for b, h in zip(bottom, heights)]
    axes.set_title(title)
    axes.set_ylabel("alerts opened")
    axes.set_xlabel("week (event time)")
    if weeks:
        axes.legend(loc="upper left", fontsize="small", ncols=2)
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
