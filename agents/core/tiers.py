"""ABC tiers (Pareto on trailing revenue) and the relationship stage.

Tier, by revenue share (the default basis, ``tier_basis = "revenue_share"``): sort customers by
trailing monetary value (the RFM window), largest first. Tier A is the smallest top set whose
cumulative revenue reaches ``tier_shares[0]`` (80%) of the population's total; tier B extends
it to the smallest top set reaching ``tier_shares[0] + tier_shares[1]`` (95%); everybody else is
C. The cut is expressed as value thresholds so that partitions can be merged: with ``T_A`` the
monetary value of the last customer in the A set (and ``T_B`` likewise),
``A iff monetary >= T_A and monetary > 0``, ``B iff T_B <= monetary < T_A and monetary > 0``,
else C. Customers tied with the last one on the boundary join the higher tier. A customer with
no revenue in the window is C; when nobody has revenue, everybody is C.

Key accounts: a profile with ``key_account = true`` puts the customer in tier A whatever its
revenue (``tier_basis = "key_account_flag"``), because the account team said so. This override
needs no population figures, so it holds even when the thresholds are not known yet; without
thresholds other customers have tier null.

Relationship stage (seed 004), from the profile's ``share_of_wallet`` (the supplier's share of
the customer's purchases in this line, 0..1): no order yet -> ``development``; share < 0.3 ->
``initial_cooperation`` (a minor supplier); share < 0.6 -> ``stable`` (a main supplier);
otherwise ``strategic_partner``. With orders but no known share the stage is null: it is not
guessed from revenue.
"""

from __future__ import annotations

from typing import Iterable, Literal

Tier = Literal["A", "B", "C"]
TierBasis = Literal["key_account_flag", "revenue_share"]


def tier_thresholds(groups_descending: Iterable[tuple[int, int, int]],
                    shares: tuple[float, float, float]) -> tuple[int | None, int | None]:
    """``(T_A, T_B)`` in cents from monetary groups ``(value, count, total)``, largest value first.

    A group is a run of customers: ``count`` of them, ``total`` their summed value, ``value``
    the smallest (exact data has one value per group). None, None when the total is zero.
    """
    groups = list(groups_descending)
    grand_total = sum(g[2] for g in groups)
    if grand_total <= 0:
        return None, None
    # min(): with a C share of 0, float rounding could put the B target a hair above the total.
    targets = (min(shares[0] * grand_total, grand_total),
               min((shares[0] + shares[1]) * grand_total, grand_total))
    found: list[int] = []
    cumulative = 0
    for value, _count, total in groups:
        cumulative += total
        while len(found) < 2 and cumulative >= targets[len(found)]:
            found.append(value)
        if len(found) == 2:
            return found[0], found[1]
    raise AssertionError("cumulative revenue always reaches the capped targets")


def revenue_tier(monetary_cents: int, tier_a_cents: int | None, tier_b_cents: int | None) -> Tier:
    """The revenue-share tier of one customer given the population thresholds."""
    if monetary_cents <= 0 or tier_a_cents is None:
        return "C"
    if monetary_cents >= tier_a_cents:
        return "A"
    if tier_b_cents is not None and monetary_cents >= tier_b_cents:
        return "B"
    return "C"


def relationship_stage(lifetime_orders: int, share_of_wallet: float | None) -> str | None:
    """Development / initial cooperation / stable / strategic partner; None when unknown."""
    if lifetime_orders == 0:
        return "development"
    if share_of_wallet is None:
        return None
    if share_of_wallet < 0.3:
        return "initial_cooperation"
    if share_of_wallet < 0.6:
        return "stable"
    return "strategic_partner"
