"""Card sections at a clock (periods, range, receivables, complaints, health) and the card itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.core.card import build_card
from agents.core.complaints import complaints_section
from agents.core.config import CoreConfig, load_core_config
from agents.core.health import health_section
from agents.core.periods import period_index, period_label
from agents.core.population import thresholds_from_states
from agents.core.product_range import product_range_section
from agents.core.receivables import receivables_section
from agents.core.state import CustomerState
from agents.core.timeutil import format_ms
from schemas.wire_types import format_rfc3339_ms
from schemas.wire_types import MAX_EPOCH_MS
from tests.unit.core.builders import DAY, applied, complaint, invoice, ms, order, payment, profile

CONFIG = CoreConfig()
CONFIG_FILE = Path(__file__).resolve().parents[3] / "config" / "core.toml"
CONTRACT_KEYS = {"customer_id", "profile", "tier", "lifetime", "rfm", "periods", "product_range", "receivables",
                 "complaints", "health", "open_alerts", "as_of"}


def slipping_customer() -> CustomerState:
    """Monthly orders of 100.00 in four categories, then one small order of one category, an unpaid
    invoice and an open complaint: every health component but the segment has something to say."""
    months = ["2023-07", "2023-08", "2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02"]
    events = [order(ms(f"{m}-15"), 10_000, ("a", "b", "c", "d")) for m in months]
    events += [order(ms("2024-03-15"), 2_500, ("a",)), invoice(ms("2024-03-15"), "INV-1", 5_000),
               complaint(ms("2024-05-01"), "K-1", severity="high")]
    return applied(events)


def test_health_takes_off_explained_points_per_component() -> None:
    state = slipping_customer()
    clock = ms("2024-05-20")
    product_range = product_range_section(state, clock, CONFIG)
    receivables = receivables_section(state, clock)
    health = health_section(state, clock, CONFIG, segment=None, product_range=product_range, receivables=receivables)
    # recency: 66 days / typical gap 31 = 2.13 -> (2.13 - 1.5) / 1.5 of 25 = 10.5
    # trend: 2024-04 had 0 vs mean 87.50 of 2023-10..2024-03 -> all 20
    # range: 1 category vs 4 -> 0.75 of 15 = 11.25 -> 11.2;  overdue: 36 of 90 days -> 0.4 of 20 = 8
    # complaints: one high (2) of 3 -> 6.7;  total 56.4 -> score 44
    assert [(r["component"], r["points"]) for r in health["reasons"]] == [
        ("trend", 20.0), ("range", 11.2), ("recency", 10.5), ("overdue", 8.0), ("complaints", 6.7)]
    assert health["score"] == 44
    assert "66 days" in health["reasons"][2]["detail"] and "lost: b, c, d" in health["reasons"][1]["detail"]
    at_risk = health_section(state, clock, CONFIG, segment="At Risk", product_range=product_range,
                             receivables=receivables)
    assert at_risk["score"] == 34 and at_risk["reasons"][3] == {
        "component": "segment", "points": 10.0, "detail": "RFM segment At Risk"}


def test_a_steady_customer_is_fully_healthy() -> None:
    state = applied([order(ms("2024-01-01") + k * 7 * DAY, 10_000) for k in range(20)])
    clock = state.max_event_ms + 3 * DAY
    card = build_card(state, clock, None, CONFIG)
    assert card["health"] == {"score": 100, "reasons": []}


def test_sections_of_the_slipping_customer() -> None:
    card = build_card(slipping_customer(), ms("2024-05-20"), None, CONFIG)
    assert card["receivables"] == {"open_invoices": 1, "open_amount": 50.0, "overdue_amount": 50.0,
                                   "max_days_overdue": 36}
    assert card["complaints"] == {"open": 1, "oldest_open_age_days": 19, "last_90_days": 1}
    assert card["product_range"] == {"recent": 1, "baseline": 4, "recent_categories": ["a"],
                                     "baseline_categories": ["a", "b", "c", "d"], "lost_categories": ["b", "c", "d"],
                                     "ratio": 0.25}
    periods = card["periods"]
    assert [p["period"] for p in periods] == ["2023-06", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11",
                                              "2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert periods[0] == {"period": "2023-06", "orders": 0, "quantity": 0.0, "amount": 0.0, "categories": []}
    assert periods[9] == {"period": "2024-03", "orders": 1, "quantity": 1.0, "amount": 25.0, "categories": ["a"]}


def test_overdue_days_are_whole_days_past_due_and_payments_count() -> None:
    due = ms("2024-04-01")
    state = applied([invoice(ms("2024-03-01"), "I1", 10_000, due=due), payment(ms("2024-03-10"), "I1", 2_550),
                     invoice(ms("2024-03-05"), "I2", 1_000, due=ms("2024-06-01"))])
    assert receivables_section(state, due + 10 * DAY - 1) == {
        "open_invoices": 2, "open_amount": 84.5, "overdue_amount": 74.5, "max_days_overdue": 9}
    assert receivables_section(state, due)["overdue_amount"] == 0.0  # due < clock, strictly


def test_recent_complaints_window_is_half_open() -> None:
    clock = ms("2024-06-01")
    state = applied([complaint(clock - 90 * DAY, "K1"), complaint(clock - 90 * DAY + 1, "K2"),
                     complaint(clock - 80 * DAY, "K2", "resolved")])
    assert complaints_section(state, clock, CONFIG) == {"open": 1, "oldest_open_age_days": 90, "last_90_days": 1}


def test_iso_week_labels_use_the_iso_year() -> None:
    label = lambda text: period_label(period_index(ms(text), "week"), "week")  # noqa: E731
    assert (label("2024-12-29"), label("2024-12-30"), label("2021-01-03"), label("2024-02-26")) == (
        "2024-W52", "2025-W01", "2020-W53", "2024-W09")
    assert period_label(period_index(ms("2024-12-31T23:59:59"), "month"), "month") == "2024-12"


def test_times_print_as_rfc3339_utc_with_milliseconds_only_when_present() -> None:
    assert format_ms(ms("2024-03-01T08:00:00")) == "2024-03-01T08:00:00Z"
    assert format_ms(ms("2024-03-01T08:00:00") + 5) == "2024-03-01T08:00:00.005Z"
    assert format_ms(None) is None


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.integers(0, MAX_EPOCH_MS))
def test_time_text_equals_the_standard_librarys(epoch_ms: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
    expected = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    assert format_ms(epoch_ms) == expected.replace("+00:00", "Z")
    with_millis = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert format_ms(epoch_ms, always_millis=True) == format_rfc3339_ms(epoch_ms) == with_millis


def test_card_has_the_contract_keys_and_formats() -> None:
    state = applied([profile(45, share=0.45), order(ms("2024-03-01T10:00:00") + 250, 123_456, milli=2_500)])
    card = build_card(state, ms("2024-03-05"), thresholds_from_states([state], ms("2024-03-05"), CONFIG), CONFIG,
                      open_alerts=[{"alert_id": "x"}])
    assert set(card) == CONTRACT_KEYS | {"tier_basis", "relationship_stage", "version"}
    assert card["lifetime"] == {"orders": 1, "amount": 1234.56, "quantity": 2.5,
                                "first_order_at": "2024-03-01T10:00:00.250Z", "last_order_at": "2024-03-01T10:00:00.250Z"}
    assert card["rfm"] == {"recency_days": 3, "frequency": 1, "monetary": 1234.56, "r": 5, "f": 1, "m": 1,
                           "segment": "New"}
    assert (card["tier"], card["tier_basis"], card["relationship_stage"]) == ("A", "revenue_share", "stable")
    assert card["profile"]["payment_terms_days"] == 45 and card["open_alerts"] == [{"alert_id": "x"}]
    assert card["as_of"] == "2024-03-05T00:00:00Z" and card["version"] == 2


def test_without_population_figures_scores_and_revenue_tier_are_null() -> None:
    state = applied([order(ms("2024-03-01"))])
    card = build_card(state, ms("2024-03-05"), None, CONFIG)
    assert (card["tier"], card["tier_basis"], card["profile"]) == (None, None, None)
    assert card["rfm"] == {"recency_days": 4, "frequency": 1, "monetary": 100.0, "r": None, "f": None, "m": None,
                           "segment": None}
    key = applied([profile(key=True)], state=state)
    assert (build_card(key, ms("2024-03-05"), None, CONFIG)["tier"],
            build_card(key, ms("2024-03-05"), None, CONFIG)["tier_basis"]) == ("A", "key_account_flag")


def test_a_customer_without_orders() -> None:
    buyer = applied([order(ms("2024-03-01"), cid="B")])
    idle = applied([profile(cid="I", share=0.8)])
    card = build_card(idle, ms("2024-03-05"), thresholds_from_states([buyer, idle], ms("2024-03-05"), CONFIG), CONFIG)
    assert card["rfm"] == {"recency_days": None, "frequency": 0, "monetary": 0.0, "r": None, "f": None, "m": None,
                           "segment": None}
    assert (card["tier"], card["relationship_stage"], card["lifetime"]["first_order_at"]) == ("C", "development", None)


def test_config_file_holds_the_defaults_and_typos_fail() -> None:
    assert load_core_config(CONFIG_FILE) == CoreConfig()
    with pytest.raises(ValueError, match="health.recenzy"):
        CoreConfig.from_mapping({"health": {"recenzy": 3}})
    with pytest.raises(ValueError, match="tier_shares"):
        CoreConfig.from_mapping({"tier_shares": [0.8, 0.1, 0.05]})
    with pytest.raises(ValueError, match="max_periods"):
        CoreConfig.from_mapping({"max_periods": 6})
    weekly = CoreConfig.from_mapping({"period": "week", "tier_shares": [0.7, 0.2, 0.1]})
    assert weekly.period == "week" and weekly.tier_shares == (0.7, 0.2, 0.1)
