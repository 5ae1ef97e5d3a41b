import math
import os

import pytest

from churnwatch.bench.measure import (
    Histogram,
    cpu_seconds,
    parse_cpu_seconds,
    parse_kib_field,
    parse_scrape,
    per_100k_customers_mb,
    quantile,
    rate,
    sample_quantile,
)

INF = math.inf


def hist(*buckets):
    return Histogram(tuple(buckets))


def test_quantile_interpolates_linearly_inside_the_bucket():
    # 10 observations <= 0.1, 30 more in (0.1, 0.5], 0 above: 40 in all.
    h = hist((0.1, 10), (0.5, 40), (INF, 40))
    assert quantile(0.25, h).seconds == pytest.approx(0.1)          # rank 10: the top of the first bucket
    assert quantile(0.5, h).seconds == pytest.approx(0.1 + 0.4 * (20 - 10) / 30)
    assert quantile(0.99, h).seconds == pytest.approx(0.1 + 0.4 * (39.6 - 10) / 30)


def test_the_first_bucket_starts_at_zero():
    h = hist((0.01, 100), (INF, 100))
    assert quantile(0.5, h).seconds == pytest.approx(0.005)


def test_empty_buckets_are_skipped_not_interpolated_into():
    h = hist((0.1, 0), (0.25, 0), (0.5, 4), (1.0, 4), (INF, 4))
    assert quantile(0.5, h).seconds == pytest.approx(0.25 + 0.25 * 2 / 4)
    assert quantile(1.0, h).seconds == pytest.approx(0.5)


def test_a_quantile_in_the_inf_bucket_is_the_top_bound_and_says_so():
    h = hist((5.0, 90), (10.0, 95), (INF, 100))
    p99 = quantile(0.99, h)
    assert p99.above_top and p99.seconds == 10.0
    assert not quantile(0.9, h).above_top


def test_nothing_observed_gives_no_quantile():
    assert quantile(0.5, hist((0.1, 0), (INF, 0))) is None
    with pytest.raises(ValueError):
        quantile(1.5, hist((INF, 1)))


def test_histogram_difference_is_per_bucket():
    before = hist((0.1, 5), (1.0, 8), (INF, 9))
    after = hist((0.1, 15), (1.0, 28), (INF, 29))
    assert after.minus(before) == hist((0.1, 10), (1.0, 20), (INF, 20))
    assert after.minus(Histogram(())) == after
    with pytest.raises(ValueError):
        after.minus(hist((0.5, 1), (INF, 1)))


SCRAPE = """\
# HELP churnwatch_events_total Input events by topic and outcome.
# TYPE churnwatch_events_total counter
churnwatch_events_total{outcome="processed",topic="orders"} 1200.0
churnwatch_events_total{outcome="duplicate",topic="orders"} 3.0
churnwatch_events_total{outcome="processed",topic="payments"} 7.0
churnwatch_events_total{outcome="processed",topic="churnwatch-ticks"} 50.0
# HELP churnwatch_events_created Input events by topic and outcome.
# TYPE churnwatch_events_created gauge
churnwatch_events_created{outcome="processed",topic="orders"} 1.7e9
# HELP churnwatch_processing_latency_seconds From the record's Kafka timestamp to the end of its batch.
# TYPE churnwatch_processing_latency_seconds histogram
churnwatch_processing_latency_seconds_bucket{le="0.5"} 2.0
churnwatch_processing_latency_seconds_bucket{le="0.1"} 1.0
churnwatch_processing_latency_seconds_bucket{le="+Inf"} 4.0
churnwatch_processing_latency_seconds_count 4.0
churnwatch_processing_latency_seconds_sum 3.2
# HELP churnwatch_batch_seconds Wall time to process one batch.
# TYPE churnwatch_batch_seconds histogram
churnwatch_batch_seconds_bucket{le="0.1"} 99.0
churnwatch_batch_seconds_bucket{le="+Inf"} 100.0
"""


def test_a_scrape_counts_input_topics_only_and_sorts_the_buckets():
    scrape = parse_scrape(SCRAPE)
    assert scrape.cards_published == 0.0
    assert scrape.processed == 1207
    assert scrape.events() == 1210
    assert scrape.latency == hist((0.1, 1), (0.5, 2), (INF, 4))


STATUS = """Name:\tpython3
VmPeak:\t  600000 kB
VmRSS:\t  181234 kB
RssAnon:\t  150000 kB
"""


def test_vmrss_is_read_in_kib_and_returned_in_bytes():
    assert parse_kib_field(STATUS, "VmRSS") == 181234 * 1024
    assert parse_kib_field("MemTotal:       24684512 kB\nMemFree: 1 kB\n", "MemTotal") == 24684512 * 1024
    with pytest.raises(ValueError):
        parse_kib_field(STATUS, "VmSwap")
    with pytest.raises(ValueError):
        parse_kib_field("VmRSS:\t 12 pages\n", "VmRSS")


def test_cpu_time_is_utime_plus_stime_counted_after_the_command_name():
    # A command name with a space and a parenthesis: the fields are counted from the last ")".
    stat = "4242 (churnwatch w) k) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 30 7 9 20 0 4 0 100 " + "0 " * 30
    assert parse_cpu_seconds(stat, 100) == pytest.approx(2.8)
    assert parse_cpu_seconds(stat, 1000) == pytest.approx(0.28)
    assert cpu_seconds(os.getpid()) > 0


def test_memory_is_scaled_to_100k_customers():
    # 50 MB above idle for 2,000 customers -> 2,500 MB per 100,000.
    assert per_100k_customers_mb(230_000_000, 180_000_000, 2_000) == pytest.approx(2_500)
    with pytest.raises(ValueError):
        per_100k_customers_mb(1, 0, 0)


def test_rate_refuses_an_empty_interval():
    assert rate(1000, 4.0) == 250
    with pytest.raises(ValueError):
        rate(10, 0)


def test_the_cards_published_are_read_from_their_counter():
    text = SCRAPE + "# TYPE churnwatch_cards_published counter\nchurnwatch_cards_published_total 898.0\n"
    assert parse_scrape(text).cards_published == 898


def _with_states(written: float, unsent: float) -> str:
    return (SCRAPE + f"# TYPE churnwatch_state_writes counter\nchurnwatch_state_writes_total {written}\n"
            f"# TYPE churnwatch_unsent_states gauge\nchurnwatch_unsent_states {unsent}\n")


def test_state_writes_since_an_earlier_scrape_count_what_is_staged_now_and_not_what_was_staged_then():
    """States are written before each commit: 300 staged at the start of a phase are written
    during it (not the phase's doing), 120 staged at its end will be (the phase's doing)."""
    before, after = parse_scrape(_with_states(1000, 300)), parse_scrape(_with_states(1900, 120))
    assert (before.state_writes, before.unsent_states) == (1000, 300)
    assert after.state_writes_since(before) == 900 - 300 + 120


def test_the_latency_to_application_is_read_from_its_own_histogram():
    text = SCRAPE + ("# TYPE churnwatch_apply_latency_seconds histogram\n"
                     'churnwatch_apply_latency_seconds_bucket{le="2.5"} 3.0\n'
                     'churnwatch_apply_latency_seconds_bucket{le="+Inf"} 5.0\n'
                     "churnwatch_apply_latency_seconds_count 5.0\nchurnwatch_apply_latency_seconds_sum 11.0\n")
    scrape = parse_scrape(text)
    assert scrape.applied.buckets == ((2.5, 3.0), (math.inf, 5.0))
    assert scrape.latency.count == 4 and parse_scrape(SCRAPE).applied.count == 0


def test_sample_quantiles_interpolate_between_the_nearest_ranks():
    values = [float(v) for v in range(1, 101)]  # 1..100, shuffled order must not matter
    values.reverse()
    assert sample_quantile(0.5, values) == pytest.approx(50.5)
    assert sample_quantile(0.99, values) == pytest.approx(99.01)
    assert sample_quantile(1.0, values) == 100.0 and sample_quantile(0.0, values) == 1.0
    assert sample_quantile(0.99, [7.0]) == 7.0
    with pytest.raises(ValueError):
        sample_quantile(0.5, [])


def test_the_baseline_rate_is_the_median_pass_rate_not_the_mean():
    from churnwatch.bench.baseline import BaselineResult

    result = BaselineResult(events=3 * 1000, pass_seconds=(1.0, 0.1, 0.2), customers=10)
    assert (result.passes, round(result.seconds, 6)) == (3, 1.3)
    assert result.events_per_s == pytest.approx(1000 / 0.2)  # a cold first pass does not count
