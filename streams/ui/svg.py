"""The card's period chart as inline SVG: order value bars, quantity line, categories per period.

Why hand-written SVG: the page must work offline and without JavaScript, so no chart library
and no external asset; a few dozen elements are all a dozen periods need. Hovering a bar or a
point shows its exact figures through SVG ``<title>`` elements (native tooltips, no script).

Two scales on purpose: value (left axis, bars) and quantity (right axis, line) differ by orders
of magnitude, and the warning signs are in the *shapes* (volume falling while value holds, or
the reverse), which one shared axis would flatten.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

from streams.ui.format import compact, number

WIDTH, HEIGHT = 760, 290
LEFT, RIGHT, TOP, BOTTOM = 64, 56, 34, 62
"""Margins: value axis labels, quantity axis labels, legend, period labels + categories row."""


def period_chart(periods: Sequence[dict]) -> str:
    """The SVG for the card's ``periods`` (oldest first): one bar and one line point per period."""
    if not periods:
        return (f'<svg class="period-chart" role="img" aria-label="no order history yet" viewBox="0 0 {WIDTH} 60" '
                f'width="{WIDTH}" height="60" xmlns="http://www.w3.org/2000/svg">'
                '<text x="8" y="34" class="empty">no order history yet</text></svg>')
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_h
    slot = plot_w / len(periods)
    bar_w = max(2.0, slot * 0.6)
    max_amount = max(float(p.get("amount") or 0) for p in periods) or 1.0
    max_quantity = max(float(p.get("quantity") or 0) for p in periods) or 1.0
    label_every = 1 if len(periods) <= 12 else -(-len(periods) // 12)

    parts = [
        f'<svg class="period-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="orders per period: value, quantity and categories">',
        _legend(),
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = base_y - fraction * plot_h
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis amount-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(compact(max_amount * fraction))}</text>')
        parts.append(f'<text class="axis quantity-axis" x="{LEFT + plot_w + 6}" y="{y + 4:.1f}">'
                     f'{escape(compact(max_quantity * fraction))}</text>')
    parts.append(f'<text class="axis" x="{LEFT - 6}" y="{base_y + 40}" text-anchor="end">categories</text>')

    points = []
    for i, p in enumerate(periods):
        centre = LEFT + slot * (i + 0.5)
        amount = float(p.get("amount") or 0)
        quantity = float(p.get("quantity") or 0)
        height = amount / max_amount * plot_h
        period = str(p.get("period", ""))
        categories = p.get("categories") or []
        tip = escape(f"{period}: value {number(p.get('amount'))}, quantity {number(p.get('quantity'))}, "
                     f"{number(p.get('orders'))} orders, {len(categories)} categories"
                     + (f" ({', '.join(map(str, categories))})" if categories else ""))
        parts.append(f'<rect class="amount-bar" x="{centre - bar_w / 2:.1f}" y="{base_y - height:.1f}" '
                     f'width="{bar_w:.1f}" height="{height:.1f}"><title>{tip}</title></rect>')
        y = base_y - quantity / max_quantity * plot_h
        points.append((centre, y, tip))
        if (len(periods) - 1 - i) % label_every == 0:  # always label the latest period
            parts.append(f'<text class="period-label" x="{centre:.1f}" y="{base_y + 18}" text-anchor="middle">'
                         f'{escape(period)}</text>')
        parts.append(f'<text class="categories-count" x="{centre:.1f}" y="{base_y + 40}" text-anchor="middle">'
                     f'{len(categories)}</text>')
    parts.append('<polyline class="quantity-line" fill="none" points="'
                 + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points) + '"/>')
    parts.extend(f'<circle class="quantity-point" cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{tip}</title></circle>'
                 for x, y, tip in points)
    parts.append(f'<line class="baseline" x1="{LEFT}" y1="{base_y}" x2="{LEFT + plot_w}" y2="{base_y}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    return (f'<g class="legend" transform="translate({LEFT},12)">'
            '<rect class="legend-bar" x="0" y="-8" width="12" height="10"/><text x="18" y="1">order value (left)</text>'
            '<line class="legend-line" x1="150" y1="-3" x2="170" y2="-3"/>'
            '<text x="176" y="1">quantity (right)</text>'
            '<text class="legend-count" x="300" y="1">n</text><text x="312" y="1">categories bought</text></g>')
