"""How numbers and names read on the manager page (shared by the HTML and the SVG chart)."""

from __future__ import annotations

import re
from typing import Any

_RFC3339_UTC = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$")


def number(value: Any) -> str:
    """A figure for people: thousands separators, at most two decimals, no trailing zeros.

    ``410.0 -> "410"``, ``11950.5 -> "11,950.5"``, ``0.3 -> "0.3"``, ``None -> "–"``.
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.2f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def compact(value: float) -> str:
    """An axis label: ``950 -> "950"``, ``12_345 -> "12.3k"``, ``2_500_000 -> "2.5M"``."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return number(round(value, 2) if isinstance(value, float) else value)


def label(key: str) -> str:
    """A field name as a heading: ``"baseline_quantity" -> "baseline quantity"``."""
    return key.replace("_", " ")


def when(value: Any) -> str:
    """A card timestamp to the minute: ``"2024-04-01T09:30:00.000Z" -> "2024-04-01 09:30 UTC"``.

    Anything else (None, another format) is shown as it is, so no information is hidden.
    """
    if value is None:
        return "–"
    match = _RFC3339_UTC.match(str(value))
    return f"{match[1]} {match[2]} UTC" if match else str(value)
