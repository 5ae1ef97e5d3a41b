import itertools
import time
from datetime import UTC, date, datetime

import orjson

from churnwatch.bench.workload import _start_for, build_workload, live_orders, months_for, produce_paced
from churnwatch.simulation.spec import DAY_MS, HOUR_MS

NOW_MS = int(datetime(2026, 11, 23, 21, 0, tzinfo=UTC).timestamp() * 1000)


def test_the_history_is_long_enough_and_ends_before_this_month():
    assert months_for(100_000, 10_000) == 8
    assert months_for(10, 1_000) == 2
    assert _start_for(8, date(2026, 11, 23)) == date(2026, 3, 1)
    assert _start_for(12, date(2026, 1, 5)) == date(2025, 1, 1)


def test_the_workload_is_namespaced_complete_and_just_before_now():
    workload = build_workload(600, 40, "bench-t-", NOW_MS)
    orders = workload.orders
    assert len(orders) == 600
    assert all(o.customer_id.startswith("bench-t-C") and o.event_id.startswith("bench-t-") for o in orders)
    assert len({o.event_id for o in orders}) == 600 and len(workload.per_customer) <= 40
    assert [o.occurred_ms for o in orders] == sorted(o.occurred_ms for o in orders)
    assert NOW_MS - HOUR_MS - DAY_MS < orders[-1].occurred_ms <= NOW_MS - HOUR_MS
    assert all(sum(line.amount_cents for line in o.lines) == o.amount_cents for o in orders)


def test_live_orders_repeat_the_pattern_with_new_ids_and_the_clock():
    pattern = build_workload(5, 3, "bench-t-", NOW_MS).orders
    live = list(itertools.islice(live_orders(pattern, lambda: NOW_MS), 12))
    assert [o.customer_id for o in live] == [o.customer_id for o in pattern] * 2 + [o.customer_id for o in pattern[:2]]
    assert len({o.event_id for o in live} | {o.event_id for o in pattern}) == 17
    assert {o.occurred_ms for o in live} == {NOW_MS}
    assert live[0].lines == pattern[0].lines


def test_pacing_offers_the_rate_over_the_interval():
    sent: list[tuple[str, bytes]] = []
    pattern = build_workload(5, 3, "bench-t-", NOW_MS).orders
    started = time.monotonic()
    count = produce_paced(live_orders(pattern, lambda: NOW_MS), lambda k, v: sent.append((k, v)), 2_000, 0.05)
    elapsed = time.monotonic() - started
    assert count == len(sent) == 100
    assert elapsed >= 0.05, "the orders are spread over the interval, not sent at once"
    assert orjson.loads(sent[0][1])["customer_id"] == sent[0][0]
