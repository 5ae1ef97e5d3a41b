"""Each rule on hand-built histories: fires on the story it is for, stays quiet on look-alikes."""

from __future__ import annotations

from dataclasses import replace

from agents.core.rules import complaint_unresolved, payment_overdue, range_narrowing, recency_lapse
from agents.core.rules import segment_transition, tier_downgrade, volume_decline
from agents.core.rules.config import RulesConfig, VolumeDeclineConfig
from tests.unit.alerts.helpers import CATS5, key_account, month_start, monthly, rule_input, thresholds
from tests.unit.core.builders import DAY, applied, complaint, invoice, order, payment, profile

STEADY = [10_000.0] * 6
"""Six months of 10,000: the baseline."""


def volume(values: list[float], **kwargs):
    state = key_account(monthly(values, **kwargs))
    clock = month_start(2024, 1 + len(values))  # the first day after the last month
    return volume_decline.check(rule_input(state, clock))


class TestVolumeDecline:
    def test_three_months_falling_fires_with_the_numbers(self):
        signal = volume(STEADY + [9_000, 7_000, 5_000])
        assert signal is not None and signal.kind == "volume_decline"
        assert signal.evidence["trigger"] == "trend"
        assert signal.evidence["periods"] == ["2024-07", "2024-08", "2024-09"]
        assert signal.evidence["values"] == [9_000, 7_000, 5_000]
        assert signal.evidence["baseline"] == 10_000
        assert signal.evidence["baseline_periods"] == ["2024-01", "2024-06"]
        assert signal.severity == "high"  # 50% of the baseline
        assert signal.message == ("Order value fell 3 months running: 9,000 -> 7,000 -> 5,000 "
                                  "(baseline 10,000/month)")

    def test_a_wobble_near_the_baseline_is_not_a_decline(self):
        assert volume(STEADY + [9_900, 9_000, 8_000]) is None  # falling, but last is 80% of baseline

    def test_noise_then_a_one_month_dip_is_not_three_months_falling(self):
        # 9,500 is ordinary noise (above 85% of the baseline); only the last month is low.
        assert volume(STEADY + [10_500, 9_500, 5_000]) is None

    def test_a_month_without_orders_is_left_to_the_lapse_rule(self):
        assert volume(STEADY + [9_000, 7_000, 0]) is None

    def test_a_collapse_fires_the_level_trigger(self):
        signal = volume(STEADY + [10_000, 10_000, 2_000])
        assert signal is not None and signal.evidence["trigger"] == "level"
        assert signal.evidence["ratio"] == 0.2 and signal.severity == "critical"

    def test_customers_too_new_or_too_small_are_skipped(self):
        assert volume([10_000, 9_000, 7_000, 5_000]) is None
        assert volume([400.0] * 6 + [300, 200, 100]) is None  # baseline below min_baseline_amount

    def test_an_open_episode_lasts_until_volume_is_back_near_its_baseline(self):
        episode = {"measure": "amount", "baseline": 10_000.0, "baseline_periods": ["2024-01", "2024-06"]}
        state = key_account(monthly(STEADY + [9_000, 7_000, 5_000, 7_500]))
        clock = month_start(2024, 11)
        held = volume_decline.check(rule_input(state, clock, episode=episode))
        assert held is not None and held.evidence["trigger"] == "sustained"
        recovered = key_account(monthly(STEADY + [9_000, 7_000, 5_000, 8_500]))
        assert volume_decline.check(rule_input(recovered, clock, episode=episode)) is None

    def test_quantity_can_be_watched_instead_of_value(self):
        events = [order(e.occurred_ms, 1_000_000, cid="C1", milli=milli)
                  for e, milli in zip(monthly(STEADY + [10_000] * 3), [100_000] * 6 + [90_000, 60_000, 40_000])]
        state = key_account(events)
        config = replace(RulesConfig(), volume_decline=VolumeDeclineConfig(measures=("quantity",)))
        signal = volume_decline.check(rule_input(state, month_start(2024, 10), config=config))
        assert signal is not None and signal.evidence["measure"] == "quantity"
        assert volume_decline.check(rule_input(state, month_start(2024, 10))) is None  # value is flat


def narrowing(recent: list[tuple[str, ...]], *, orders: int = 3, baseline=CATS5, episode=None):
    events = []
    for i in range(6):
        events += monthly([3_000.0], start=(2024, 1 + i), orders=orders, categories=baseline)
    for i, categories in enumerate(recent):
        events += monthly([3_000.0], start=(2024, 7 + i), orders=orders, categories=categories)
    state = key_account(events)
    return range_narrowing.check(rule_input(state, month_start(2024, 7 + len(recent)), episode=episode))


class TestRangeNarrowing:
    def test_five_kinds_down_to_two_fires_and_names_the_lost_ones(self):
        signal = narrowing([("bearings", "cables"), ("bearings", "cables")])
        assert signal is not None and signal.kind == "range_narrowing"
        assert signal.evidence["lost_categories"] == ["drives", "seals", "tools"]
        assert signal.evidence["normal"] == 5 and signal.evidence["ratio"] == 0.4
        assert signal.evidence["recent_periods"] == ["2024-07", "2024-08"]

    def test_buying_the_usual_range_is_quiet(self):
        assert narrowing([CATS5, CATS5]) is None
        assert narrowing([("bearings", "cables", "drives", "seals"), CATS5]) is None

    def test_fewer_larger_orders_are_consolidation_not_narrowing(self):
        # One order a month where there were three: few categories by chance.
        events = []
        for i in range(6):
            events += monthly([3_000.0], start=(2024, 1 + i), orders=3, categories=CATS5)
        events += monthly([3_000.0, 3_000.0], start=(2024, 7), orders=1, categories=("bearings", "cables"))
        state = key_account(events)
        assert range_narrowing.check(rule_input(state, month_start(2024, 9))) is None

    def test_a_small_range_is_below_the_guard(self):
        assert narrowing([("bearings",), ("bearings",)], baseline=CATS5[:4]) is None

    def test_an_open_episode_clears_when_the_range_is_back(self):
        episode = {"normal": 5.0, "baseline_categories": list(CATS5), "baseline_periods": ["2024-01", "2024-06"]}
        held = narrowing([("bearings", "cables", "drives")] * 2, episode=episode)
        assert held is not None and held.evidence["trigger"] == "sustained"
        assert held.evidence["lost_categories"] == ["seals", "tools"]
        assert narrowing([CATS5, CATS5], episode=episode) is None


class TestRecencyLapse:
    def setup_method(self):
        self.last = month_start(2024, 3) + 20 * DAY
        self.state = key_account([order(self.last - 7 * k * DAY) for k in range(10, -1, -1)])

    def test_silence_past_the_threshold_fires(self):
        signal = recency_lapse.check(rule_input(self.state, self.last + 61 * DAY))
        assert signal is not None and signal.evidence["days_silent"] == 61
        assert signal.evidence["typical_gap_days"] == 7 and signal.evidence["threshold_days"] == 60
        assert signal.severity == "medium"

    def test_silence_within_the_threshold_is_quiet(self):
        assert recency_lapse.check(rule_input(self.state, self.last + 59 * DAY)) is None

    def test_it_asks_to_be_looked_at_when_the_silence_crosses_the_threshold(self):
        assert recency_lapse.due(rule_input(self.state, self.last + 5 * DAY)) == self.last + 60 * DAY + 1
        # Past it: the next severity step (1.5 x the threshold).
        assert recency_lapse.due(rule_input(self.state, self.last + 61 * DAY)) == self.last + 90 * DAY + 1

    def test_a_long_rhythm_raises_the_bar(self):
        last = month_start(2024, 1) + 50 * 30 * DAY
        state = key_account([order(last - 30 * k * DAY) for k in range(5, -1, -1)])
        assert recency_lapse.check(rule_input(state, last + 70 * DAY)) is None  # 2.5 x 30 = 75 days
        assert recency_lapse.check(rule_input(state, last + 76 * DAY)) is not None

    def test_two_order_days_are_not_a_rhythm(self):
        state = key_account([order(self.last - 7 * DAY), order(self.last)])
        assert recency_lapse.check(rule_input(state, self.last + 200 * DAY)) is None


class TestPaymentOverdue:
    def setup_method(self):
        self.due = month_start(2024, 4)
        self.state = applied([profile(key=True), invoice(self.due - 30 * DAY, "I1", 250_000, self.due),
                              invoice(self.due - 20 * DAY, "I2", 100_000, self.due + 10 * DAY),
                              payment(self.due - 5 * DAY, "I2", 40_000)])

    def test_thirty_days_past_due_fires_with_amounts_and_invoices(self):
        assert payment_overdue.check(rule_input(self.state, self.due + 29 * DAY)) is None
        signal = payment_overdue.check(rule_input(self.state, self.due + 30 * DAY))
        assert signal is not None and signal.severity == "medium"
        assert signal.evidence["max_days_overdue"] == 30
        assert signal.evidence["overdue_amount"] == 3_100.0  # 2,500 + (1,000 - 400)
        assert [i["invoice_id"] for i in signal.evidence["invoices"]] == ["I1", "I2"]
        assert "I1" in signal.message

    def test_severity_grows_with_days(self):
        assert payment_overdue.check(rule_input(self.state, self.due + 60 * DAY)).severity == "high"
        assert payment_overdue.check(rule_input(self.state, self.due + 95 * DAY)).severity == "critical"

    def test_it_schedules_the_moment_an_invoice_reaches_the_threshold(self):
        assert payment_overdue.due(rule_input(self.state, self.due + DAY)) == self.due + 30 * DAY

    def test_an_open_episode_clears_once_nothing_is_long_overdue(self):
        paid = applied([payment(self.due + 31 * DAY, "I1", 250_000)], state=self.state)
        episode = {"rule": "payment_overdue"}
        # I2 is 21 days past due: still more than clear_days (15).
        assert payment_overdue.check(rule_input(paid, self.due + 31 * DAY, episode=episode)) is not None
        assert payment_overdue.check(rule_input(paid, self.due + 24 * DAY, episode=episode)) is None

    def test_an_amount_threshold_can_trigger_earlier(self):
        config = RulesConfig.from_mapping({"payment_overdue": {"min_overdue_amount": 2_000.0}})
        signal = payment_overdue.check(rule_input(self.state, self.due + 8 * DAY, config=config))
        assert signal is not None and signal.evidence["max_days_overdue"] == 8


class TestComplaintUnresolved:
    def test_a_complaint_open_past_its_sla_fires_with_its_id(self):
        opened = month_start(2024, 5)
        state = applied([profile(key=True), complaint(opened, "Q1", severity="high")])
        assert complaint_unresolved.check(rule_input(state, opened + 7 * DAY)) is None
        signal = complaint_unresolved.check(rule_input(state, opened + 8 * DAY))
        assert signal is not None and signal.severity == "high"
        assert signal.evidence["complaint_ids"] == ["Q1"]
        assert signal.evidence["breaches"][0]["open_days"] == 8
        assert complaint_unresolved.due(rule_input(state, opened + DAY)) == opened + 7 * DAY + 1
        closed = applied([complaint(opened + 9 * DAY, "Q1", "resolved", "high")], state=state)
        assert complaint_unresolved.check(rule_input(closed, opened + 10 * DAY)) is None

    def test_three_complaints_in_thirty_days_are_a_burst(self):
        t = month_start(2024, 5)
        events = [profile(key=True)]
        for n in range(3):
            events += [complaint(t + 10 * n * DAY, f"Q{n}", severity="low"),
                       complaint(t + 10 * n * DAY + DAY, f"Q{n}", "resolved", "low")]
        state = applied(events)
        signal = complaint_unresolved.check(rule_input(state, t + 25 * DAY))
        assert signal is not None and signal.severity == "high"
        assert signal.evidence["burst"]["complaint_ids"] == ["Q0", "Q1", "Q2"]
        assert complaint_unresolved.check(rule_input(state, t + 31 * DAY)) is None  # Q0 aged out


class TestTierDowngrade:
    def setup_method(self):
        self.clock = month_start(2025, 1)
        # 12 months of 1,000: trailing revenue 12,000.
        self.state = applied([profile(), *monthly([1_000.0] * 12)])

    def test_leaving_tier_a_with_a_real_drop_fires(self):
        memory = ["A", 1_700_000, None]  # peak trailing revenue 17,000 while in A
        inp = rule_input(self.state, self.clock, thresholds=thresholds(1_500_000, 500_000),
                         memory=memory, revenue_tier="B")
        signal = tier_downgrade.check(inp)
        assert signal is not None and signal.evidence["from_tier"] == "A" and signal.evidence["to_tier"] == "B"
        assert signal.evidence["drop"] == round(1 - 12_000 / 17_000, 4)
        assert tier_downgrade.remember(inp) == ["A", 1_700_000, self.clock]

    def test_hovering_at_the_border_is_not_a_downgrade(self):
        inp = rule_input(self.state, self.clock, thresholds=thresholds(1_250_000, 500_000),
                         memory=["A", 1_300_000, None], revenue_tier="B")
        assert tier_downgrade.check(inp) is None

    def test_the_peak_is_remembered_while_in_tier_a_and_the_new_tier_settles(self):
        inp = rule_input(self.state, self.clock, thresholds=thresholds(1_000_000, 500_000),
                         memory=["A", 1_100_000, None], revenue_tier="A")
        assert tier_downgrade.remember(inp) == ["A", 1_200_000, None]
        settled = rule_input(self.state, self.clock, thresholds=thresholds(1_500_000, 500_000),
                             memory=["A", 1_700_000, self.clock - 90 * DAY], revenue_tier="B")
        assert tier_downgrade.check(settled) is None and tier_downgrade.remember(settled) is None


class TestSegmentTransition:
    def setup_method(self):
        self.clock = month_start(2025, 1)
        self.state = applied([profile(key=True), *monthly([1_000.0] * 10, orders=3)])
        self.thresholds = thresholds(100_000, 50_000)

    def inp(self, memory, segment):
        return rule_input(self.state, self.clock, thresholds=self.thresholds, memory=memory, segment=segment)

    def test_a_champion_in_a_bad_segment_for_the_confirmation_period_fires(self):
        signal = segment_transition.check(self.inp(["Champions", self.clock - 45 * DAY], "At Risk"))
        assert signal is not None and signal.evidence["from_segment"] == "Champions"
        assert signal.evidence["to_segment"] == "At Risk" and signal.evidence["days_in_segment"] == 45

    def test_a_short_visit_to_a_bad_segment_is_not_a_transition(self):
        assert segment_transition.check(self.inp(["Champions", self.clock - 10 * DAY], "At Risk")) is None
        first_bad = self.inp(["Loyal", None], "Can't Lose Them")
        assert segment_transition.check(first_bad) is None
        assert segment_transition.remember(first_bad) == ["Loyal", self.clock]
        assert segment_transition.due(self.inp(["Loyal", self.clock], "Can't Lose Them")) == self.clock + 45 * DAY

    def test_a_good_segment_resets_the_memory(self):
        assert segment_transition.remember(self.inp(["Loyal", self.clock - DAY], "Champions")) == ["Champions", None]
        assert segment_transition.remember(self.inp(None, "At Risk")) is None
