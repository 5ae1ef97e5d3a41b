"""One valid example value per topic.

Why kept as data here: the same examples appear in the exported JSON Schema files (`examples`),
in the README, and in the unit tests (each must validate against its model and its schema, and the
input examples must decode), so the documentation cannot drift from what the code accepts.
"""

from __future__ import annotations

from typing import Any

ORDER: dict[str, Any] = {
    "event_id": "erp-ord-000123-v1",
    "customer_id": "C-1001",
    "order_id": "SO-2024-000123",
    "occurred_at": "2024-03-01T09:30:00+08:00",
    "amount": 1250.5,
    "quantity": 13,
    "lines": [
        {"sku": "VAL-DN50", "category": "valves", "quantity": 10, "amount": 980.0},
        {"sku": "GSK-DN50", "category": "gaskets", "quantity": 3, "amount": 270.5},
    ],
}

PAYMENT: dict[str, Any] = {
    "event_id": "bill-inv-4711",
    "customer_id": "C-1001",
    "invoice_id": "INV-4711",
    "kind": "invoice",
    "amount": 1250.5,
    "occurred_at": "2024-03-02T00:00:00Z",
    "due_at": "2024-04-01T00:00:00Z",
}

COMPLAINT: dict[str, Any] = {
    "event_id": "hd-77-opened",
    "customer_id": "C-1001",
    "complaint_id": "HD-77",
    "status": "opened",
    "severity": "high",
    "occurred_at": 1709632800000,
}

CUSTOMER: dict[str, Any] = {
    "customer_id": "C-1001",
    "name": "Huadong Pump Works",
    "account_manager": "li.wei",
    "payment_terms_days": 30,
    "key_account": True,
    "share_of_wallet": 0.6,
}

ALERT: dict[str, Any] = {
    "alert_id": "C-1001:volume_decline:1711929600000",
    "customer_id": "C-1001",
    "account_manager": "li.wei",
    "kind": "volume_decline",
    "severity": "high",
    "state": "open",
    "tier": "A",
    "evidence": {
        "periods": ["2024-01", "2024-02", "2024-03"],
        "quantity": [410.0, 300.0, 120.0],
        "baseline_quantity": 400.0,
        "ratio": 0.3,
    },
    "message": "Order volume fell three periods in a row: 410 -> 300 -> 120 (30% of baseline).",
    "occurred_at": "2024-04-01T00:00:00.000Z",
    "emitted_at": "2024-04-01T00:00:02.315Z",
}

CARD: dict[str, Any] = {
    "customer_id": "C-1001",
    "profile": {
        "name": "Huadong Pump Works",
        "account_manager": "li.wei",
        "payment_terms_days": 30,
        "key_account": True,
        "share_of_wallet": 0.6,
    },
    "tier": "A",
    "tier_basis": "key_account_flag",
    "relationship_stage": "strategic_partner",
    "lifetime": {
        "orders": 57,
        "amount": 612300.25,
        "quantity": 6120.0,
        "first_order_at": "2021-06-14T02:10:00.000Z",
        "last_order_at": "2024-03-01T01:30:00.000Z",
    },
    "rfm": {"recency_days": 31, "frequency": 14, "monetary": 182400.0, "r": 3, "f": 5, "m": 5, "segment": "At Risk"},
    "periods": [
        {"period": "2024-02", "orders": 2, "quantity": 300.0, "amount": 29800.0,
         "categories": ["gaskets", "seals", "valves"]},
        {"period": "2024-03", "orders": 1, "quantity": 120.0, "amount": 11950.5, "categories": ["gaskets", "valves"]},
        {"period": "2024-04", "orders": 0, "quantity": 0.0, "amount": 0.0, "categories": []},
    ],
    "product_range": {
        "recent": 2,
        "baseline": 5,
        "recent_categories": ["gaskets", "valves"],
        "baseline_categories": ["actuators", "gaskets", "pumps", "seals", "valves"],
        "lost_categories": ["actuators", "pumps", "seals"],
        "ratio": 0.4,
    },
    "receivables": {"open_invoices": 1, "open_amount": 1250.5, "overdue_amount": 0.0, "max_days_overdue": 0},
    "complaints": {"open": 1, "oldest_open_age_days": 27, "last_90_days": 2},
    "health": {
        "score": 70,
        "reasons": [
            {"component": "trend", "points": 14.0, "detail": "2024-03 order value at 30% of the baseline"},
            {"component": "range", "points": 9.0, "detail": "2 of 5 baseline categories bought recently"},
            {"component": "complaints", "points": 6.7, "detail": "1 open complaint(s): high"},
        ],
    },
    "open_alerts": [ALERT],
    "as_of": "2024-04-01T00:00:00.000Z",
    "version": 212,
}

DEAD_LETTER: dict[str, Any] = {
    "source": {"topic": "orders", "partition": 3, "offset": 1842},
    "reason": "missing_field",
    "detail": "customer_id: Field required",
    "key": "C-1001",
    "key_b64": "Qy0xMDAx",
    "value_b64": "eyJldmVudF9pZCI6ImUxIn0=",
    "value_text": '{"event_id":"e1"}',
    "value_text_truncated": False,
    "failed_at": "2024-04-01T00:00:02.315Z",
}
