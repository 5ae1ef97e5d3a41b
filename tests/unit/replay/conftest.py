"""Small history files with known good and broken rows, shared by the replay tests."""

from __future__ import annotations

from pathlib import Path

import pytest

BROKEN_PAYMENTS = """\
event_id,customer_id,invoice_id,kind,amount,occurred_at,due_at
p1,C1,I1,invoice,100.00,2024-01-05T10:00:00Z,2024-02-04T10:00:00Z
p2,C1,I1,Payment,100,2024-02-01T09:00:00+08:00,
p3,C2,I2,refund,50,2024-01-05T10:00:00Z,
p4,C2,I3,invoice,abc,2024-01-05T10:00:00Z,
p5,,I4,invoice,10,2024-01-05T10:00:00Z,
p6,C3,I5,invoice,-5,2024-01-05T10:00:00Z,
p7,C3,I6,invoice,5,2024-01-05 10:00:00,
,C3,I7,payment,5,1704448800000,
p9,C3,I8,invoice,5,2099-01-01T00:00:00Z,
"""
"""Rows 1, 2 and 8 are good (8 without event_id); 3-7 and 9 are broken, one reason each."""

BROKEN_PAYMENT_REJECTS = {
    3: ("kind", "unknown_enum"),
    4: ("amount", "not_a_number"),
    5: ("customer_id", "missing"),
    6: ("amount", "negative_amount"),
    7: ("occurred_at", "naive_timestamp"),
    9: ("occurred_at", "future_timestamp"),
}

BROKEN_ORDER_LINES = """\
order_id,sku,category,quantity,amount,customer_id,occurred_at
O1,A,valves,2,10.50,C1,2024-03-01T09:00:00Z
O1,B,gaskets,1,3.20,C1,2024-03-01T09:00:00Z
O2,A,valves,x,10,C1,2024-03-02T09:00:00Z
O2,B,gaskets,1,1,C1,2024-03-02T09:00:00Z
O3,A,valves,1,1,C2,2024-03-03T09:00:00Z
O3,A,valves,1,1,C3,2024-03-03T09:00:00Z
O4,A,valves,0,1,C2,2024-03-04T09:00:00Z
O5,C,seals,3,4.5,C2,2024-03-05T09:00:00Z
O5,D,seals,1.25,0.5,C2,2024-03-05T09:00:00Z
O5,E,tools,1,7,C2,2024-03-05T09:00:00Z
O1,C,seals,1,1,C1,2024-03-06T09:00:00Z
,C,seals,1,1,C1,2024-03-06T09:00:00Z
"""
"""O1 (rows 1-2) and O5 (rows 8-10) are good orders; the rest is broken."""

BROKEN_ORDER_REJECTS = {
    (3, 4): ("quantity", "not_a_number"),
    (5, 6): ("customer_id", "inconsistent_order_lines"),
    (7,): ("quantity", "negative_amount"),
    (11,): ("order_id", "non_contiguous_order_lines"),
    (12,): ("order_id", "missing"),
}


@pytest.fixture
def broken_payments() -> tuple[str, dict[int, tuple[str, str]]]:
    """A payments CSV and its expected rejects: row number -> (field, reason)."""
    return BROKEN_PAYMENTS, BROKEN_PAYMENT_REJECTS


@pytest.fixture
def broken_orders() -> tuple[str, dict[tuple[int, ...], tuple[str, str]]]:
    """An order-lines CSV and its expected rejects: row numbers -> (field, reason)."""
    return BROKEN_ORDER_LINES, BROKEN_ORDER_REJECTS


@pytest.fixture
def write(tmp_path: Path):
    """Write ``text`` to ``tmp_path / name`` and return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
