"""`churnwatch backtest`: the alert rules over a history offline, scored against a truth or a holdout.

Modules: ``runner`` (read files, drive one `agents.core.engine.PartitionEngine`), ``metrics``
(counts, precision / recall / lead time, holdout), ``report`` (screen, JSON, CSV), ``chart``
(PNG) and ``command`` (the click command ``backtest_command``).

``backtest_command`` is loaded lazily so that importing the runner or the metrics does not pull
in click, rich and pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["backtest_command"]


def __getattr__(name: str) -> Any:
    if name == "backtest_command":
        from churnwatch.backtest.command import backtest_command

        return backtest_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
