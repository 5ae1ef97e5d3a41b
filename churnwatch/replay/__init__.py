"""`churnwatch replay`: historical events from CSV / TSV / text / Parquet files into Kafka.

Modules: ``format`` (the file layout, also written by ``simulate --out``), ``reader``
(chunked reading + column mapping), ``fields`` (cell parsing), ``records`` (rows -> events,
order-line grouping), ``pipeline`` (validation through ``streams.codec``), ``rejects`` and
``command`` (the click command).

``replay_command`` is loaded lazily so that importing the light ``format`` module (as the
simulator does) does not pull in pandas, pyarrow and kafka-python.
"""

from __future__ import annotations

from typing import Any

__all__ = ["replay_command"]


def __getattr__(name: str) -> Any:
    if name == "replay_command":
        from churnwatch.replay.command import replay_command

        return replay_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
