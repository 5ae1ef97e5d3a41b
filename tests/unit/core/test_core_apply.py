"""apply_event: de-duplication, lateness, payments, complaints, profiles, bounds, round trip."""

from __future__ import annotations

import json
import random

from agents.core.apply import apply_event
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.periods import period_index
from agents.core.product_range import product_range_section
from agents.core.receivables import receivables_section
from agents.core.state import CustomerState
from tests.unit.core.builders import DAY, applied, complaint, invoice, ms, order, payment, profile

CONFIG = CoreConfig()


def test_same_event_twice_is_a_duplicate_and_changes_nothing() -> None:
    first = order(ms("2024-03-01"))
    state = applied([first])
    before = json.dumps(state.to_dict(), sort_keys=True)
    state, outcome = apply_event(state, first, CONFIG)
    assert outcome == "duplicate"
    assert json.dumps(state.to_dict(), sort_keys=True) == before


def test_same_order_id_under_a_new_event_id_is_a_duplicate() -> None:
    first = order(ms("2024-03-01"), order_id="PO-1")
    state = applied([first])
    state, outcome = apply_event(state, order(ms("2024-03-01"), order_id="PO-1"), CONFIG)
    assert outcome == "duplicate" and state.orders == 1


def test_lateness_is_measured_against_the_customers_own_newest_event() -> None:
    newest = ms("2024-03-20")
    state = applied([order(newest)])
    _, on_the_edge = apply_event(state, order(newest - 7 * DAY), CONFIG)
    _, too_late = apply_event(state, payment(newest - 7 * DAY - 1, "INV-9", 100), CONFIG)
    other = applied([order(ms("2024-01-01"), cid="C2")])  # another customer's clock is its own
    assert (on_the_edge, too_late) == ("applied", "late")
    assert apply_event(other, order(ms("2023-12-30"), cid="C2"), CONFIG)[1] == "applied"


def test_a_late_but_allowed_order_lands_in_its_own_period() -> None:
    state = applied([order(ms("2024-03-02"), 5_000), order(ms("2024-02-28T23:00:00"), 7_000)])
    feb, mar = period_index(ms("2024-02-10"), "month"), period_index(ms("2024-03-10"), "month")
    assert state.periods[feb][:3] == [1, 1000, 7_000] and state.periods[mar][:3] == [1, 1000, 5_000]
    assert state.max_event_ms == ms("2024-03-02") and state.first_order_ms == ms("2024-02-28T23:00:00")


def test_a_periods_categories_stay_sorted_and_distinct_through_the_changelog_form() -> None:
    state = applied([order(ms("2024-03-02"), 3_000, ("valves", "bolts", "valves")),
                     order(ms("2024-03-05"), 2_000, ("gaskets", "bolts"))])
    mar = period_index(ms("2024-03-10"), "month")
    assert state.periods[mar] == [2, 2000, 5_000, ["bolts", "gaskets", "valves"]]
    assert state.to_dict()["p"] == [[mar, 2, 2000, 5_000, ["bolts", "gaskets", "valves"]]]
    assert CustomerState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_redelivery_older_than_the_id_memory_is_rejected_as_late() -> None:
    first = order(ms("2024-01-01"))
    state = applied([first] + [order(ms("2024-01-01") + d * DAY) for d in range(1, 30)])
    assert first.event_id not in state.seen_events  # forgotten ...
    assert apply_event(state, first, CONFIG)[1] == "late"  # ... yet never counted twice
    assert state.orders == 30


def test_the_hard_cap_on_ids_never_lets_a_redelivery_through() -> None:
    config = CoreConfig(dedupe_max_ids=8)
    start = ms("2024-05-01")
    events = [order(start + i * 60_000) for i in range(40)]  # all within the lateness window
    state = applied(events, config)
    assert len(state.seen_events) <= 8 and state.dedupe_floor_ms is not None
    outcomes = {apply_event(state, e, config)[1] for e in events}
    assert outcomes <= {"duplicate", "late"} and state.orders == 40
    assert apply_event(state, order(state.dedupe_floor_ms), config)[1] == "late"
    assert apply_event(state, order(state.dedupe_floor_ms + 1), config)[1] == "applied"


def test_profiles_apply_last_write_wins_and_never_move_the_clock() -> None:
    state = applied([order(ms("2024-03-01")), profile(30), profile(45, share=0.5)])
    assert (state.payment_terms_days, state.share_of_wallet, state.max_event_ms) == (45, 0.5, ms("2024-03-01"))
    version = state.version
    assert apply_event(state, profile(45, share=0.5), CONFIG)[1] == "duplicate" and state.version == version
    state, outcome = apply_event(None, profile(60), CONFIG)
    assert outcome == "applied" and state.max_event_ms is None and state.version == 1


def test_version_counts_applied_changes_only() -> None:
    first = order(ms("2024-03-01"))
    state = applied([first, invoice(ms("2024-03-01"), "I1", 100), complaint(ms("2024-03-02"), "K1")])
    apply_event(state, first, CONFIG)
    assert state.version == 3


def test_invoice_due_date_from_event_then_profile_terms_then_default() -> None:
    at = ms("2024-03-01")
    no_profile = applied([invoice(at, "I1", 100)])
    with_terms = applied([profile(45), invoice(at, "I1", 100), invoice(at, "I2", 100, due=at + DAY)])
    assert no_profile.invoices["I1"][2] == at + 30 * DAY
    assert with_terms.invoices["I1"][2] == at + 45 * DAY and with_terms.invoices["I2"][2] == at + DAY


def test_payments_reduce_outstanding_and_overpayment_clamps() -> None:
    at = ms("2024-03-01")
    state = applied([invoice(at, "I1", 10_000), payment(at + DAY, "I1", 4_000)])
    assert receivables_section(state, at + 2 * DAY)["open_amount"] == 60.0
    applied([payment(at + 2 * DAY, "I1", 9_000), payment(at + 3 * DAY, "I1", 500)], state=state)
    assert state.invoices == {} and "I1" in state.settled_invoices and state.pending_payments == {}
    assert receivables_section(state, at + 90 * DAY)["open_amount"] == 0.0


def test_a_payment_before_its_invoice_is_held_then_applied() -> None:
    at = ms("2024-03-01")
    state = applied([payment(at, "I7", 3_000)])
    assert state.pending_payments == {"I7": [3_000, at]}
    applied([invoice(at + DAY, "I7", 10_000)], state=state)
    assert state.pending_payments == {} and state.invoices["I7"][:2] == [10_000, 3_000]


def test_a_second_invoice_event_corrects_amount_and_due_keeping_payments() -> None:
    at = ms("2024-03-01")
    state = applied([invoice(at, "I1", 10_000), payment(at, "I1", 2_000), invoice(at, "I1", 8_000, due=at + 5 * DAY)])
    assert state.invoices["I1"][:3] == [8_000, 2_000, at + 5 * DAY]


def test_held_payments_for_invoices_that_never_come_are_forgotten() -> None:
    at = ms("2024-01-01")
    state = applied([payment(at, "GHOST", 100), order(at + 100 * DAY)])
    assert state.pending_payments == {}


def test_a_resolution_before_its_opening_keeps_the_complaint_closed() -> None:
    at = ms("2024-03-01")
    state = applied([complaint(at + DAY, "K1", "resolved"), complaint(at, "K1", "opened")])
    assert state.open_complaints == {} and state.complaints_total == 1 and state.complaint_opens == {"K1": at}


def test_a_repeated_opening_is_ignored() -> None:
    at = ms("2024-03-01")
    state = applied([complaint(at, "K1", severity="high"), complaint(at + DAY, "K1", severity="low")])
    assert state.open_complaints == {"K1": (at, "high")} and state.complaints_total == 1


def test_everything_stays_bounded_over_years_of_daily_orders() -> None:
    rnd = random.Random(3)
    start = ms("2021-01-01")
    events = [order(start + d * DAY + rnd.randrange(DAY), categories=(f"c{rnd.randrange(6)}",)) for d in range(3 * 365)]
    state = applied(events)
    assert len(state.periods) <= CONFIG.max_periods
    # Pruning runs when the customer's clock enters a new 7-day block: at most a week of slack.
    assert state.order_ms[0] > state.max_event_ms - (CONFIG.trailing_days + 7) * DAY
    assert len(state.seen_events) <= 2 * (CONFIG.lateness_days + 7)
    assert all(len(times) <= 5 for times in state.category_times.values())
    assert len(state.order_days) == CONFIG.gap_history and state.orders == 3 * 365


def test_product_range_is_exact_after_thinning_and_out_of_order_arrivals() -> None:
    """Brute force over the raw order list agrees with the thinned state at many clocks."""
    rnd = random.Random(5)
    start = ms("2023-01-01")
    raw = sorted(start + rnd.randrange(700 * DAY) for _ in range(120))
    arrivals = sorted(raw, key=lambda t: t + rnd.randrange(6 * DAY))  # out of order within lateness
    events = [order(t, categories=(f"c{rnd.randrange(4)}",)) for t in arrivals]
    state = applied(events)
    times_by_category: dict[str, list[int]] = {}
    for e in events:
        times_by_category.setdefault(e.lines[0].category, []).append(e.occurred_ms)
    for clock in range(state.max_event_ms, state.max_event_ms + 300 * DAY, DAY // 3):
        recent_from = clock - 90 * DAY
        baseline_from = recent_from - 180 * DAY
        expected_recent = sorted(c for c, ts in times_by_category.items() if any(recent_from < t <= clock for t in ts))
        expected_base = sorted(c for c, ts in times_by_category.items() if any(baseline_from < t <= recent_from for t in ts))
        section = product_range_section(state, clock, CONFIG)
        assert (section["recent_categories"], section["baseline_categories"]) == (expected_recent, expected_base)


def test_state_round_trips_through_json() -> None:
    at = ms("2024-03-01")
    state = applied([profile(45, key=True, share=0.7), order(at, 12_345, ("a", "b")), order(at + 3 * DAY, 999, ("c",)),
                     invoice(at, "I1", 12_345), payment(at - DAY, "I2", 50), payment(at + DAY, "I1", 12_345),
                     complaint(at, "K1", severity="critical"), complaint(at + DAY, "K2", "resolved")])
    state.alerts = {"volume_decline": {"episode": 2, "state": "open"}}
    copy = CustomerState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert copy == state
    assert build_card(copy, at + 40 * DAY, None, CONFIG) == build_card(state, at + 40 * DAY, None, CONFIG)
    assert len(json.dumps(state.to_dict())) < 1200
    assert CustomerState.from_dict(CustomerState("C9").to_dict()) == CustomerState("C9")
