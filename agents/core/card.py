"""The customer data card (客户资料卡): one JSON document per customer, at an event-time clock.

``build_card(state, clock_ms, thresholds, config, open_alerts=())`` returns the contract's
top-level keys: ``customer_id``, ``profile``, ``tier``, ``lifetime``, ``rfm``, ``periods``,
``product_range``, ``receivables``, ``complaints``, ``health``, ``open_alerts``, ``as_of``; plus
``tier_basis``, ``relationship_stage`` and ``version`` (the state version, so that a store can
keep the newest card when writes race).

Formats: amounts are JSON numbers rounded to the cent, quantities plain numbers, times RFC 3339
UTC strings ending in ``Z`` (``.mmm`` only when the milliseconds are not zero); ``as_of`` is the
clock. The clock is meant to be at or after the customer's newest event (the partition's
event-time clock always is); lifetime figures are those of every event applied so far.

``profile`` is null until the customer's profile arrived. A customer who never ordered has
``rfm.recency_days`` null, frequency and monetary 0, no scores or segment, and tier C.
``rfm.r/f/m/segment`` and the revenue tier need the population figures (``thresholds``): with
``thresholds=None`` (not known yet) they are null and so are ``tier`` and ``tier_basis``, except
for a key account, which is tier A by its profile flag regardless (see `agents.core.tiers`).
"""

from __future__ import annotations

from typing import Any, Iterable

from agents.core.complaints import complaints_section
from agents.core.config import CoreConfig
from agents.core.health import health_section
from agents.core.periods import card_periods
from agents.core.population import PopulationThresholds
from agents.core.product_range import product_range_section
from agents.core.receivables import receivables_section
from agents.core.rfm import rfm_values
from agents.core.state import CustomerState
from agents.core.tiers import relationship_stage
from agents.core.timeutil import format_ms
from agents.core.units import amount, quantity


def build_card(state: CustomerState, clock_ms: int, thresholds: PopulationThresholds | None,
               config: CoreConfig, open_alerts: Iterable[Any] = ()) -> dict[str, Any]:
    values = rfm_values(state, clock_ms, config)
    recency_days, frequency, monetary = values if values is not None else (None, 0, 0)
    scores = thresholds.scores(*values) if thresholds is not None and values is not None else None
    r, f, m, segment = scores if scores is not None else (None, None, None, None)

    if state.key_account:
        tier, tier_basis = "A", "key_account_flag"
    elif thresholds is not None:
        tier, tier_basis = thresholds.tier(monetary), "revenue_share"
    else:
        tier = tier_basis = None

    product_range = product_range_section(state, clock_ms, config)
    receivables = receivables_section(state, clock_ms)
    return {
        "customer_id": state.customer_id,
        "profile": _profile(state),
        "tier": tier,
        "tier_basis": tier_basis,
        "relationship_stage": relationship_stage(state.orders, state.share_of_wallet),
        "lifetime": {
            "orders": state.orders,
            "amount": amount(state.amount_cents),
            "quantity": quantity(state.quantity_milli),
            "first_order_at": format_ms(state.first_order_ms),
            "last_order_at": format_ms(state.last_order_ms),
        },
        "rfm": {"recency_days": recency_days, "frequency": frequency, "monetary": amount(monetary),
                "r": r, "f": f, "m": m, "segment": segment},
        "periods": card_periods(state.periods, clock_ms, config),
        "product_range": product_range,
        "receivables": receivables,
        "complaints": complaints_section(state, clock_ms, config),
        "health": health_section(state, clock_ms, config, segment=segment,
                                 product_range=product_range, receivables=receivables),
        "open_alerts": list(open_alerts),
        "as_of": format_ms(clock_ms),
        "version": state.version,
    }


def _profile(state: CustomerState) -> dict[str, Any] | None:
    if not state.has_profile:
        return None
    return {
        "name": state.name,
        "account_manager": state.account_manager,
        "payment_terms_days": state.payment_terms_days,
        "key_account": state.key_account,
        "share_of_wallet": state.share_of_wallet,
    }
