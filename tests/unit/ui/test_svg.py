"""The period chart: one bar and one line point per period, heights to scale, categories counted."""

from __future__ import annotations

from streams.ui.svg import HEIGHT, TOP, BOTTOM, period_chart
from tests.unit.ui.html_probe import parse

PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


def _periods(amounts, quantities=None, categories=None):
    quantities = quantities or [10.0] * len(amounts)
    categories = categories or [["valves"]] * len(amounts)
    return [{"period": f"2024-{i + 1:02d}", "orders": 1, "amount": a, "quantity": q, "categories": c}
            for i, (a, q, c) in enumerate(zip(amounts, quantities, categories))]


def test_one_bar_and_one_quantity_point_per_period():
    for n in (1, 3, 12, 24):
        svg = parse(period_chart(_periods([100.0 * (i + 1) for i in range(n)])))
        assert len(svg.find("rect", "amount-bar")) == n
        assert len(svg.find("circle", "quantity-point")) == n
        (line,) = svg.find("polyline", "quantity-line")
        assert len(line.attrs["points"].split()) == n


def test_bar_heights_follow_the_amounts_and_an_empty_period_has_no_bar():
    svg = parse(period_chart(_periods([400.0, 0.0, 100.0])))
    heights = [float(r.attrs["height"]) for r in svg.find("rect", "amount-bar")]
    assert heights[0] == round(PLOT_HEIGHT, 1) and heights[1] == 0.0
    assert abs(heights[2] - PLOT_HEIGHT / 4) < 0.1


def test_quantity_line_is_on_its_own_scale():
    svg = parse(period_chart(_periods([1_000_000.0, 1_000_000.0], quantities=[5.0, 10.0])))
    ys = [float(c.attrs["cy"]) for c in svg.find("circle", "quantity-point")]
    assert ys[1] == TOP  # the largest quantity reaches the top whatever the amounts
    assert abs((TOP + PLOT_HEIGHT) - ys[0] - PLOT_HEIGHT / 2) < 0.1


def test_categories_are_counted_per_period_and_named_in_the_tooltip():
    svg = parse(period_chart(_periods([1.0, 2.0, 3.0], categories=[["a", "b", "c"], [], ["<valves>"]])))
    assert [t.text for t in svg.find("text", "categories-count")] == ["3", "0", "1"]
    tips = [t.text for t in svg.find("title")]
    assert "2024-03: value 3, quantity 10, 1 orders, 1 categories (<valves>)" in tips
    assert not svg.find("valves")  # the category name was text, not a tag


def test_period_labels_are_thinned_beyond_twelve_periods():
    svg = parse(period_chart(_periods([1.0] * 24)))
    labels = [t.text for t in svg.find("text", "period-label")]
    assert labels == [f"2024-{m:02d}" for m in range(2, 25, 2)]  # every other, ending with the latest


def test_no_periods_draws_no_bars_but_says_why():
    svg = parse(period_chart([]))
    assert not svg.find("rect", "amount-bar") and "no order history yet" in svg.text


def test_axis_labels_show_the_scale_maxima():
    svg = parse(period_chart(_periods([12_345.0, 2_000.0], quantities=[3.0, 7.5])))
    assert "12.3k" in [t.text for t in svg.find("text", "amount-axis")]
    assert "7.5" in [t.text for t in svg.find("text", "quantity-axis")]
