"""Round trips: core event -> `encode_event` -> `decode` is the identity, and the float fast path
of the amount parser agrees with exact decimal rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.core.events import QUANTITY_SCALE, SEVERITIES, Complaint, Event, Order, OrderLine, Payment, Profile
from schemas.wire_types import (
    MAX_AMOUNT,
    MAX_PAYMENT_TERMS_DAYS,
    QUANTITY_SCALE as WIRE_QUANTITY_SCALE,
    parse_amount_cents,
    parse_quantity_milli,
)
from streams.codec import decode, encode_event

NOW_MS = 1_712_000_000_000
ROUND_TRIP = settings(max_examples=400, deadline=None, derandomize=True)

ids = st.text(min_size=1, max_size=24)
texts = st.text(max_size=40)
times = st.integers(0, NOW_MS)
cents = st.integers(0, 10**15 - 1)
milli = st.integers(1, 10**15 - 1)
lines = st.builds(OrderLine, ids, ids, st.integers(1, 10**14), st.integers(0, 10**14))


@st.composite
def orders(draw: st.DrawFn) -> Order:
    order_lines = tuple(draw(st.lists(lines, max_size=4)))
    if order_lines:
        amount = sum(line.amount_cents for line in order_lines)
        quantity = sum(line.quantity_milli for line in order_lines)
    else:
        amount, quantity = draw(cents), draw(milli)
    return Order(draw(ids), draw(ids), draw(ids), draw(times), amount, quantity, order_lines)


events = st.one_of(
    orders(),
    st.builds(Payment, ids, ids, ids, st.sampled_from(["invoice", "payment"]), cents, times,
              st.none() | st.integers(0, 253_402_300_799_999)),
    st.builds(Complaint, ids, ids, ids, st.sampled_from(["opened", "resolved"]), st.sampled_from(SEVERITIES), times),
    st.builds(Profile, ids, texts, texts, st.integers(0, MAX_PAYMENT_TERMS_DAYS), st.booleans(),
              st.none() | st.floats(0, 1), st.none() | ids, st.none() | times),
)
TOPIC = {Order: "orders", Payment: "payments", Complaint: "complaints", Profile: "customers"}


@ROUND_TRIP
@given(events)
def test_decode_inverts_encode(event: Event) -> None:
    assert decode(TOPIC[type(event)], event.customer_id.encode(), encode_event(event), now_ms=NOW_MS) == event


@ROUND_TRIP
@given(st.floats(0, MAX_AMOUNT, exclude_max=True))
def test_fast_amount_path_equals_decimal_half_up(amount: float) -> None:
    exact = (Decimal(repr(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert parse_amount_cents(amount) == int(exact)


@ROUND_TRIP
@given(cents, milli)
def test_decimal_text_within_precision_reads_back_exactly(amount_cents: int, quantity_milli: int) -> None:
    assert parse_amount_cents(float(f"{amount_cents // 100}.{amount_cents % 100:02d}")) == amount_cents
    assert parse_quantity_milli(float(f"{quantity_milli // 1000}.{quantity_milli % 1000:03d}")) == quantity_milli


def test_wire_and_core_share_the_quantity_scale() -> None:
    assert WIRE_QUANTITY_SCALE == QUANTITY_SCALE
