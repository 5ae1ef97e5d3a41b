"""An independent pandas/numpy implementation of the data card, for cross-checking the core.

Why a second implementation: the core is incremental (per event, bounded memory, pruning,
thinning); this one computes every definition directly from the full flat history with
dataframe operations, the way an analyst would. When both agree on a random history with
duplicates and out-of-order events, the incremental bookkeeping is right. Only ``CoreConfig``
is shared with the core; no core function is called.

Inputs (one row per arrival; ``seq`` is the global arrival order across all frames):
- ``orders_df``: one row per order line: ``seq, event_id, customer_id, order_id, occurred_ms,
  amount_cents, quantity_milli`` (order totals, repeated on each line) and ``category``;
- ``payments_df``: ``seq, event_id, customer_id, invoice_id, kind, amount_cents, occurred_ms,
  due_ms`` (NaN when absent);
- ``complaints_df``: ``seq, event_id, customer_id, complaint_id, status, severity, occurred_ms``;
- ``profiles_df``: ``seq, customer_id, name, account_manager, payment_terms_days, key_account,
  share_of_wallet``.

Scope: histories where a re-delivered event is an exact copy (same id, same time), invoices are
not re-issued under the same id, and the per-customer id memory never reaches its hard cap;
lateness is computed from the running maximum event time in arrival order.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from agents.core.config import CoreConfig

DAY = 86_400_000
SEGMENT_GRID = {  # (R, F) -> name: the classic map, written out cell by cell
    **{(r, f): "Hibernating" for r in (1, 2) for f in (1, 2)},
    **{(r, f): "At Risk" for r in (1, 2) for f in (3, 4)},
    **{(r, 5): "Can't Lose Them" for r in (1, 2)},
    **{(3, f): "About to Sleep" for f in (1, 2)},
    (3, 3): "Need Attention",
    **{(r, f): "Loyal" for r in (3, 4) for f in (4, 5)},
    (4, 1): "Promising",
    (5, 1): "New",
    **{(r, f): "Potential Loyalists" for r in (4, 5) for f in (2, 3)},
    **{(5, f): "Champions" for f in (4, 5)},
}


def reference_cards(orders_df: pd.DataFrame, payments_df: pd.DataFrame, complaints_df: pd.DataFrame,
                    profiles_df: pd.DataFrame, clock_ms_by_customer: dict[str, int],
                    config: CoreConfig) -> dict[str, dict[str, Any]]:
    clocks = pd.Series(clock_ms_by_customer, name="clock", dtype="int64")
    accepted = _accepted_arrivals(orders_df, payments_df, complaints_df, config)
    lines = orders_df[orders_df["seq"].isin(accepted)]
    lines = lines.assign(clock=lines["customer_id"].map(clocks).astype("int64"),
                         label=_period_labels(lines["occurred_ms"], config.period))
    orders = lines.drop_duplicates("seq")
    profiles = profiles_df.sort_values("seq")

    rfm = _rfm(orders, clocks, config)
    scores = _scores(rfm[rfm["orders"] > 0])
    tier_a, tier_b = _tier_thresholds(rfm.loc[rfm["orders"] > 0, "monetary"].to_numpy(), config)
    totals = orders.groupby(["customer_id", "label"]).agg(
        orders=("seq", "size"), quantity=("quantity_milli", "sum"), amount=("amount_cents", "sum"))
    period_rows = {key: (int(t.orders), int(t.quantity), int(t.amount)) for key, t in zip(totals.index, totals.itertuples())}
    period_categories = {key: sorted(set(c)) for key, c in lines.groupby(["customer_id", "label"])["category"]}
    ranges = _product_ranges(lines, config)
    gaps = _typical_gaps(orders, config)
    first_labels = orders.sort_values("occurred_ms").groupby("customer_id")["label"].first()
    invoices = _invoices(payments_df[payments_df["seq"].isin(accepted)], profiles, config)
    receivables = _receivables(invoices, clocks)
    complaint_cards = _complaints(complaints_df[complaints_df["seq"].isin(accepted)], clocks, config)
    versions = _versions(accepted, orders_df, payments_df, complaints_df, profiles)
    last_profiles = {row["customer_id"]: row for row in profiles.groupby("customer_id").tail(1).to_dict("records")}

    cards = {}
    for cid, clock in clock_ms_by_customer.items():
        profile = last_profiles.get(cid)
        row = rfm.loc[cid]
        ordered = row["orders"] > 0
        r, f, m, segment = scores.get(cid, (None, None, None, None))
        key = bool(profile is not None and profile["key_account"])
        if key:
            tier, basis = "A", "key_account_flag"
        else:
            tier, basis = _tier(row["monetary"], tier_a, tier_b), "revenue_share"
        share = None if profile is None or pd.isna(profile["share_of_wallet"]) else float(profile["share_of_wallet"])
        labels = _last_labels(clock, max(config.card_periods, config.health.trend_baseline_periods + 2), config.period)
        periods = [{"period": label, "orders": period_rows.get((cid, label), (0, 0, 0))[0],
                    "quantity": period_rows.get((cid, label), (0, 0, 0))[1] / 1000,
                    "amount": period_rows.get((cid, label), (0, 0, 0))[2] / 100,
                    "categories": period_categories.get((cid, label), [])}
                   for label in labels[-config.card_periods:]]
        product_range = _range_card(*ranges.get(cid, (set(), set())))
        receivable = receivables.get(cid, {"open_invoices": 0, "open_amount": 0.0, "overdue_amount": 0.0,
                                           "max_days_overdue": 0})
        complaint_card, weighted = complaint_cards.get(cid, ({"open": 0, "oldest_open_age_days": None,
                                                              "last_90_days": 0}, 0.0))
        trend = None
        if ordered:
            amounts = [period_rows.get((cid, label), (0, 0, 0))[2] for label in labels]
            baseline = [a for label, a in zip(labels[:-2], amounts[:-2]) if label >= first_labels[cid]]
            trend = (amounts[-2], baseline[-config.health.trend_baseline_periods:])
        cards[cid] = {
            "customer_id": cid,
            "profile": None if profile is None else {
                "name": profile["name"], "account_manager": profile["account_manager"],
                "payment_terms_days": int(profile["payment_terms_days"]), "key_account": key,
                "share_of_wallet": share},
            "tier": tier,
            "tier_basis": basis,
            "relationship_stage": _stage(int(row["orders"]), share),
            "lifetime": {
                "orders": int(row["orders"]),
                "amount": int(row["amount"]) / 100,
                "quantity": int(row["quantity"]) / 1000,
                "first_order_at": _rfc3339(row["first"]) if ordered else None,
                "last_order_at": _rfc3339(row["last"]) if ordered else None,
            },
            "rfm": {"recency_days": int(row["recency_days"]) if ordered else None,
                    "frequency": int(row["frequency"]), "monetary": int(row["monetary"]) / 100,
                    "r": r, "f": f, "m": m, "segment": segment},
            "periods": periods,
            "product_range": product_range,
            "receivables": receivable,
            "complaints": complaint_card,
            "health": _health(config, int(row["recency_days"]) if ordered else None, gaps.get(cid), trend,
                              product_range, receivable, weighted, segment),
            "open_alerts": [],
            "as_of": _rfc3339(clock),
            "version": int(versions.get(cid, 0)),
        }
    return cards


def _accepted_arrivals(orders_df, payments_df, complaints_df, config: CoreConfig) -> set[int]:
    """Seq numbers of the timed arrivals that the definitions count (not late, not duplicate)."""
    arrivals = pd.concat([
        orders_df.drop_duplicates("seq")[["seq", "customer_id", "event_id", "occurred_ms", "order_id"]],
        payments_df[["seq", "customer_id", "event_id", "occurred_ms"]],
        complaints_df[["seq", "customer_id", "event_id", "occurred_ms"]],
    ]).sort_values("seq")
    newest_before = arrivals.groupby("customer_id")["occurred_ms"].transform(lambda s: s.cummax().shift(1))
    timely = arrivals[~(arrivals["occurred_ms"] < newest_before - config.lateness_days * DAY)]
    timely = timely[~timely.duplicated(["customer_id", "event_id"])]
    is_order = timely["order_id"].notna()
    repeated_order = timely[is_order].duplicated(["customer_id", "order_id"])
    return set(timely["seq"]) - set(timely[is_order][repeated_order]["seq"])


def _rfm(orders: pd.DataFrame, clocks: pd.Series, config: CoreConfig) -> pd.DataFrame:
    """Lifetime totals and R/F/M values per customer (all customers of ``clocks``)."""
    life = orders.groupby("customer_id").agg(
        orders=("seq", "size"), amount=("amount_cents", "sum"), quantity=("quantity_milli", "sum"),
        first=("occurred_ms", "min"), last=("occurred_ms", "max"))
    t = orders["occurred_ms"]
    window = orders[(t > orders["clock"] - config.trailing_days * DAY) & (t <= orders["clock"])]
    fm = window.groupby("customer_id").agg(frequency=("seq", "size"), monetary=("amount_cents", "sum"))
    table = pd.DataFrame(index=clocks.index).join(life).join(fm).join(clocks)
    table[["orders", "amount", "quantity", "frequency", "monetary"]] = (
        table[["orders", "amount", "quantity", "frequency", "monetary"]].fillna(0).astype("int64"))
    table["recency_days"] = (table["clock"] - table["last"]) // DAY
    return table


def _scores(population: pd.DataFrame) -> dict[str, tuple[int, int, int, str]]:
    if population.empty:
        return {}
    quintiles = [0.2, 0.4, 0.6, 0.8]

    def exceeded(column: str) -> np.ndarray:
        values = population[column].to_numpy()
        cuts = np.quantile(values, quintiles, method="lower")
        return (values[:, None] > cuts[None, :]).sum(axis=1)

    r = 5 - exceeded("recency_days")
    f = 1 + exceeded("frequency")
    m = 1 + exceeded("monetary")
    return {cid: (int(a), int(b), int(c), SEGMENT_GRID[(int(a), int(b))])
            for cid, a, b, c in zip(population.index, r, f, m)}


def _tier_thresholds(monetary: np.ndarray, config: CoreConfig) -> tuple[int | None, int | None]:
    values = np.sort(monetary)[::-1]
    total = values.sum()
    if total <= 0:
        return None, None
    cumulative = np.cumsum(values)
    a, b = config.tier_shares[0], config.tier_shares[0] + config.tier_shares[1]
    first_a = int(np.argmax(cumulative >= min(a * total, total)))
    first_b = int(np.argmax(cumulative >= min(b * total, total)))
    return int(values[first_a]), int(values[first_b])


def _tier(monetary: int, tier_a, tier_b) -> str:
    if monetary <= 0 or tier_a is None:
        return "C"
    return "A" if monetary >= tier_a else "B" if monetary >= tier_b else "C"


def _stage(orders: int, share: float | None) -> str | None:
    if orders == 0:
        return "development"
    if share is None:
        return None
    return "initial_cooperation" if share < 0.3 else "stable" if share < 0.6 else "strategic_partner"


def _invoices(payments: pd.DataFrame, profiles: pd.DataFrame, config: CoreConfig) -> pd.DataFrame:
    issued = payments[payments["kind"] == "invoice"].sort_values("seq")
    terms = pd.merge_asof(issued[["seq", "customer_id"]], profiles[["seq", "customer_id", "payment_terms_days"]],
                          on="seq", by="customer_id", direction="backward")["payment_terms_days"]
    terms = terms.fillna(config.default_payment_terms_days).to_numpy()
    issued = issued.assign(due=np.where(issued["due_ms"].notna(), issued["due_ms"],
                                        issued["occurred_ms"].to_numpy() + terms * DAY).astype("int64"))
    paid = payments[payments["kind"] == "payment"].groupby(["customer_id", "invoice_id"])["amount_cents"].sum()
    issued = issued.join(paid.rename("paid"), on=["customer_id", "invoice_id"])
    issued["outstanding"] = (issued["amount_cents"] - issued["paid"].fillna(0)).clip(lower=0).astype("int64")
    return issued[issued["outstanding"] > 0]


def _receivables(invoices: pd.DataFrame, clocks: pd.Series) -> dict[str, dict]:
    invoices = invoices.assign(clock=invoices["customer_id"].map(clocks))
    overdue = invoices[invoices["due"] < invoices["clock"]]
    overdue = overdue.assign(days=(overdue["clock"] - overdue["due"]) // DAY)
    open_ = invoices.groupby("customer_id").agg(n=("seq", "size"), amount=("outstanding", "sum"))
    late = overdue.groupby("customer_id").agg(amount=("outstanding", "sum"), days=("days", "max"))
    return {cid: {"open_invoices": int(o.n), "open_amount": int(o.amount) / 100,
                  "overdue_amount": int(late.loc[cid, "amount"]) / 100 if cid in late.index else 0.0,
                  "max_days_overdue": int(late.loc[cid, "days"]) if cid in late.index else 0}
            for cid, o in zip(open_.index, open_.itertuples())}


def _complaints(complaints: pd.DataFrame, clocks: pd.Series, config: CoreConfig) -> dict[str, tuple[dict, float]]:
    """Per customer: the card section and the severity-weighted count of open complaints."""
    opened = complaints[complaints["status"] == "opened"].sort_values("seq").drop_duplicates(["customer_id", "complaint_id"])
    resolved = complaints.loc[complaints["status"] == "resolved", ["customer_id", "complaint_id"]].drop_duplicates()
    opened = opened.merge(resolved.assign(resolved=True), on=["customer_id", "complaint_id"], how="left")
    opened = opened.assign(clock=opened["customer_id"].map(clocks), still_open=opened["resolved"].isna(),
                           weight=opened["severity"].map(config.health.severity_weights))
    opened["recent"] = ((opened["occurred_ms"] > opened["clock"] - config.complaint_recent_days * DAY)
                        & (opened["occurred_ms"] <= opened["clock"]))
    out = {}
    for cid, group in opened.groupby("customer_id"):
        still = group[group["still_open"]]
        out[cid] = ({"open": len(still),
                     "oldest_open_age_days": int((still["clock"] - still["occurred_ms"]).max() // DAY) if len(still) else None,
                     "last_90_days": int(group["recent"].sum())},
                    float(still["weight"].sum()))
    return out


def _period_labels(ms: pd.Series | list, period: str) -> list[str]:
    stamps = pd.to_datetime(pd.Series(ms, dtype="int64"), unit="ms", utc=True)
    if period == "month":
        return list(stamps.dt.strftime("%Y-%m"))
    iso = stamps.dt.isocalendar()
    return [f"{y:04d}-W{w:02d}" for y, w in zip(iso["year"], iso["week"])]


@lru_cache(maxsize=64)
def _last_labels(clock: int, count: int, period: str) -> list[str]:
    """Labels of the ``count`` periods ending with the clock's, oldest first."""
    stamp = pd.Timestamp(clock, unit="ms", tz="UTC")
    if period == "month":
        return [str(p) for p in pd.period_range(end=stamp.tz_localize(None).to_period("M"), periods=count, freq="M")]
    monday = stamp.normalize() - pd.Timedelta(days=stamp.weekday())
    mondays = [monday - pd.Timedelta(weeks=k) for k in range(count - 1, -1, -1)]
    return _period_labels([int(m.value // 1_000_000) for m in mondays], period)


def _product_ranges(lines: pd.DataFrame, config: CoreConfig) -> dict[str, tuple[set, set]]:
    recent_from = lines["clock"] - config.range_recent_days * DAY
    baseline_from = recent_from - config.range_baseline_days * DAY
    t = lines["occurred_ms"]
    recent = lines[(t > recent_from) & (t <= lines["clock"])].groupby("customer_id")["category"].agg(set)
    baseline = lines[(t > baseline_from) & (t <= recent_from)].groupby("customer_id")["category"].agg(set)
    return {cid: (recent.get(cid, set()), baseline.get(cid, set())) for cid in set(recent.index) | set(baseline.index)}


def _range_card(recent: set, baseline: set) -> dict:
    return {"recent": len(recent), "baseline": len(baseline), "recent_categories": sorted(recent),
            "baseline_categories": sorted(baseline), "lost_categories": sorted(baseline - recent),
            "ratio": round(len(recent) / len(baseline), 4) if baseline else None}


def _typical_gaps(orders: pd.DataFrame, config: CoreConfig) -> dict[str, float]:
    days = orders.assign(day=orders["occurred_ms"] // DAY)[["customer_id", "day"]].drop_duplicates()
    days = days.sort_values(["customer_id", "day"]).groupby("customer_id").tail(config.gap_history)
    gaps = days.assign(gap=days.groupby("customer_id")["day"].diff()).dropna()
    return {cid: float(np.median(g.to_numpy())) for cid, g in gaps.groupby("customer_id")["gap"]}


def _health(config: CoreConfig, recency_days: int | None, gap: float | None, trend: tuple[int, list[int]] | None,
            product_range: dict, receivables: dict, complaints_weighted: float, segment: str | None) -> dict:
    h = config.health
    fractions: dict[str, float] = {}
    if gap is not None and gap > 0 and recency_days is not None and recency_days / gap > h.recency_grace:
        fractions["recency"] = (recency_days / gap - h.recency_grace) / (h.recency_full - h.recency_grace)
    if trend is not None:
        now, baseline = trend
        if baseline and sum(baseline) > 0 and now < sum(baseline) / len(baseline):
            fractions["trend"] = 1 - now / (sum(baseline) / len(baseline))
    if (product_range["ratio"] is not None and product_range["ratio"] < 1
            and product_range["baseline"] >= config.range_min_baseline):
        fractions["range"] = 1 - product_range["ratio"]
    if receivables["overdue_amount"] > 0:
        fractions["overdue"] = receivables["max_days_overdue"] / h.overdue_full_days
    if complaints_weighted > 0:
        fractions["complaints"] = complaints_weighted / h.complaints_full
    if segment in h.at_risk_segments:
        fractions["segment"] = 1.0
    order = ["recency", "trend", "range", "overdue", "complaints", "segment"]
    points = {c: round(getattr(h, c) * min(1.0, fractions[c]), 1) for c in order if c in fractions}
    reasons = [{"component": c, "points": p} for c, p in points.items() if p > 0]
    score = max(0, min(100, round(100 - sum(r["points"] for r in reasons))))
    reasons.sort(key=lambda r: (-r["points"], order.index(r["component"])))
    return {"score": score, "reasons": reasons}


def _versions(accepted: set[int], orders_df, payments_df, complaints_df, profiles: pd.DataFrame) -> pd.Series:
    """Applied timed events plus profile changes, per customer."""
    timed = pd.concat([df.loc[df["seq"].isin(accepted), ["seq", "customer_id"]]
                       for df in (orders_df, payments_df, complaints_df)]).drop_duplicates("seq")
    fields = ["name", "account_manager", "payment_terms_days", "key_account", "share_of_wallet"]
    previous = profiles.groupby("customer_id")[fields].shift()
    changed = (profiles[fields].ne(previous) & ~(profiles[fields].isna() & previous.isna())).any(axis=1)
    return (timed.groupby("customer_id").size()
            .add(profiles[changed].groupby("customer_id").size(), fill_value=0))


def _rfc3339(ms) -> str:
    stamp = pd.Timestamp(int(ms), unit="ms", tz="UTC")
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    millis = int(ms) % 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"
