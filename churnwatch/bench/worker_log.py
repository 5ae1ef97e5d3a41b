"""What the bench reads from a worker's log: Faust's recovery tables and its timers' complaints.

Why the log: neither figure is exposed over HTTP. How many changelog records a recovery read
is in the tables Faust logs when it starts one; how long the event loop was blocked shows in
the timers (`mode.timers`), which log how late they woke up ("drift") and when a run took
longer than its interval ("overlapping"). A blocked loop answers no card request, so at scale
these say where a lookup's worst case comes from. Pure functions of the log text.
"""

from __future__ import annotations

import re

_TABLE_ROW = re.compile(r"^\W*(\S+)\s*[│|]\s*(\d+)\s*[│|]\s*(-?\d+)\s*[│|]\s*$")
_HIGHWATER, _STARTS_AT = "Highwater - Active", "Reading Starts At - Active"
_DRIFT = re.compile(r"Timer (\S+) woke up too late, with a drift of \+([0-9.e+-]+)")
_OVERLAP = re.compile(r"Timer (\S+) is overlapping \(interval=[0-9.e+-]+ runtime=([0-9.e+-]+)\)")


def replayed_records(log_text: str, topic: str) -> int | None:
    """Changelog records of ``topic`` the last recovery in the log had to read: per partition,
    Faust's "Highwater - Active" minus its "Reading Starts At - Active" offset (log tables in
    which a ditto mark repeats the topic above). None without both tables."""
    tables: dict[str, dict[int, int]] = {}
    current: dict[int, int] | None = None
    row_topic = ""
    for line in log_text.splitlines():
        title = next((t for t in (_HIGHWATER, _STARTS_AT) if t in line), None)
        if title is not None:
            current = tables[title] = {}
            continue
        match = _TABLE_ROW.match(line)
        if current is None or match is None:
            continue
        name, partition, offset = match.groups()
        row_topic = row_topic if name == "〃" else name
        if row_topic == topic:
            current[int(partition)] = int(offset)
    highwater, start = tables.get(_HIGHWATER), tables.get(_STARTS_AT)
    if not highwater or start is None:
        return None
    return sum(max(0, offset - start.get(partition, -1)) for partition, offset in highwater.items())


def longest_stall(log_text: str) -> float:
    """The largest timer drift in the log, in seconds (0 when no timer woke up late): a lower
    bound of the longest time the event loop did not run."""
    return max((float(drift) for _, drift in _DRIFT.findall(log_text)), default=0.0)


def overlapping_timers(log_text: str) -> dict[str, float]:
    """Timer name -> its longest run that exceeded its interval, in seconds."""
    runs: dict[str, float] = {}
    for name, runtime in _OVERLAP.findall(log_text):
        runs[name] = max(runs.get(name, 0.0), float(runtime))
    return runs
