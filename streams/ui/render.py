"""The account managers' pages as plain HTML strings: pure functions of cards and alerts.

Why server-rendered strings: the page must work offline, behind a proxy, with JavaScript off,
and be testable without a browser. Every value that comes from data (names, ids, messages,
evidence keys and values) passes through `html.escape` here, at the one place it meets markup;
URLs are built with `urllib.parse.quote`, then escaped as attribute values.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import quote

from streams.ui.auth import with_token
from streams.ui.format import label, number, when
from streams.ui.svg import period_chart

SEVERITIES = ("critical", "high", "medium", "low")

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d232b;background:#f4f6f8}
header{background:#17324d;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#cfe3ff;text-decoration:none}header .brand{font-weight:700;font-size:16px;color:#fff}
main{padding:16px 24px;max-width:1180px}
h1{font-size:22px;margin:4px 0 12px}h2{font-size:16px;margin:0 0 8px}
section{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;margin:0 0 14px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:14px}.grid section,.top section{margin:0}
.top{display:grid;grid-template-columns:minmax(0,2fr) minmax(280px,1fr);gap:14px;margin:0 0 14px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #edf0f3;vertical-align:top}
th{font-weight:600;color:#4a5663;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:fit-content(60%) minmax(0,1fr);gap:2px 14px;margin:0}dd{overflow-wrap:break-word}dt{color:#5b6773}dd{margin:0;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#6b7785}
.badge.sev-critical{background:#a4161a}.badge.sev-high{background:#d9480f}.badge.sev-medium{background:#e0a100;color:#222}.badge.sev-low{background:#5c7cfa}
.badge.tier-A{background:#2b8a3e}.badge.tier-B{background:#1971c2}.badge.tier-C{background:#868e96}
.score{font-size:34px;font-weight:700}.score.good{color:#2b8a3e}.score.fair{color:#e67700}.score.poor{color:#c92a2a}
.alert{border-left:4px solid #6b7785;padding:8px 12px;margin:0 0 12px;background:#fbfcfd}
.alert.sev-critical{border-color:#a4161a}.alert.sev-high{border-color:#d9480f}.alert.sev-medium{border-color:#e0a100}.alert.sev-low{border-color:#5c7cfa}
.message{font-weight:600;margin:2px 0}.muted{color:#6b7785}.evidence{margin-top:6px;width:auto;min-width:50%}
.period-chart{max-width:100%;height:auto;font-size:11px}.period-chart .amount-bar,.period-chart .legend-bar{fill:#74a9e0}
.period-chart .quantity-line,.period-chart .legend-line{stroke:#d9480f;stroke-width:2;fill:none}.period-chart .quantity-point{fill:#d9480f}
.period-chart .grid{stroke:#e3e8ee}.period-chart .baseline{stroke:#8a96a3}.period-chart text{fill:#4a5663}
.period-chart .categories-count,.period-chart .legend-count{font-weight:700;fill:#2b8a3e}
form.lookup input{padding:4px 6px}a{color:#1864ab}
"""


def customer_href(customer_id: str, token: str | None) -> str:
    return with_token(f"/ui/customers/{quote(str(customer_id), safe='')}", token)


def manager_href(manager: str, token: str | None) -> str:
    return with_token(f"/ui/managers/{quote(str(manager), safe='')}", token)


def page(title: str, body: str, token: str | None) -> str:
    """The common frame: head with the inline style, top bar, and ``body`` (already HTML)."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)} · churnwatch</title><style>{STYLE}</style></head><body>"
            f"<header><span class=\"brand\">churnwatch</span>"
            f"<a href=\"{escape(with_token('/ui', token))}\">account managers</a>{_lookup_form(token)}</header>"
            f"<main>{body}</main></body></html>")


def managers_page(inboxes: Mapping[str, Sequence[dict]], token: str | None) -> str:
    """``GET /ui``: every manager with their open alerts, counted by severity."""
    if not inboxes:
        body = ("<h1>Account managers</h1><section><p>No alerts yet. Managers appear here as soon as one of their "
                "customers has an alert; a customer's card can be opened by id above.</p></section>")
        return page("Account managers", body, token)
    rows = []
    for manager in sorted(inboxes, key=lambda m: (-len(inboxes[m]), m)):
        alerts = inboxes[manager]
        counts = "".join(f"<td class=\"num\">{sum(1 for a in alerts if a.get('severity') == s) or ''}</td>"
                         for s in SEVERITIES)
        rows.append(f"<tr><td><a href=\"{escape(manager_href(manager, token))}\">{escape(manager)}</a></td>"
                    f"<td class=\"num\"><b>{len(alerts)}</b></td>{counts}</tr>")
    head = "".join(f"<th class=\"num\">{s}</th>" for s in SEVERITIES)
    body = ("<h1>Account managers</h1><section><table class=\"managers\">"
            f"<thead><tr><th>manager</th><th class=\"num\">open alerts</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>")
    return page("Account managers", body, token)


def manager_page(manager: str, alerts: Sequence[dict], token: str | None) -> str:
    """``GET /ui/managers/{manager}``: the inbox, in the order given (most severe first)."""
    if alerts:
        rows = "".join(
            "<tr>"
            f"<td>{_severity_badge(a.get('severity'))}</td>"
            f"<td><div class=\"message\">{escape(str(a.get('message', '')))}</div>"
            f"<span class=\"muted\">{escape(label(str(a.get('kind', ''))))} · {escape(str(a.get('state', '')))}"
            f" · {escape(when(a.get('occurred_at')))}</span></td>"
            f"<td>{_tier_badge(a.get('tier'))}</td>"
            f"<td><a href=\"{escape(customer_href(a.get('customer_id', ''), token))}\">"
            f"{escape(str(a.get('customer_id', '')))}</a></td>"
            "</tr>"
            for a in alerts
        )
        table = ("<table class=\"inbox\"><thead><tr><th>severity</th><th>alert</th><th>tier</th><th>customer</th>"
                 f"</tr></thead><tbody>{rows}</tbody></table>")
    else:
        table = "<p>No open alerts.</p>"
    body = (f"<h1>{escape(manager)} <span class=\"muted\">· {len(alerts)} open alert{'s' if len(alerts) != 1 else ''}"
            f"</span></h1><section>{table}</section>")
    return page(manager, body, token)


def customer_page(card: Mapping[str, Any], alerts: Sequence[dict], token: str | None) -> str:
    """``GET /ui/customers/{id}``: the data card for people, with its open alerts and their evidence."""
    profile = card.get("profile") or {}
    cid = str(card.get("customer_id", ""))
    name = profile.get("name") or cid
    manager = profile.get("account_manager")
    manager_link = (f"<a href=\"{escape(manager_href(manager, token))}\">{escape(str(manager))}</a>"
                    if manager else "–")
    title = (f"<h1>{escape(str(name))} <span class=\"muted\">{escape(cid)}</span> {_tier_badge(card.get('tier'))}</h1>"
             f"<p class=\"muted\">manager {manager_link} · "
             f"{'key account · ' if profile.get('key_account') else ''}"
             f"{escape(label(str(card.get('relationship_stage') or '')))} · as of {escape(when(card.get('as_of')))}"
             "</p>")
    health = card.get("health") or {}
    rfm = card.get("rfm") or {}
    lifetime = card.get("lifetime") or {}
    product_range = card.get("product_range") or {}
    overview = "".join([
        _section("RFM", _pairs([("segment", rfm.get("segment")), ("recency (days)", rfm.get("recency_days")),
                                ("frequency (orders)", rfm.get("frequency")),
                                ("monetary (value)", rfm.get("monetary")),
                                ("scores R / F / M", " / ".join(number(rfm.get(k)) for k in ("r", "f", "m")))])),
        _section("Lifetime", _pairs([("orders", lifetime.get("orders")), ("value", lifetime.get("amount")),
                                     ("quantity", lifetime.get("quantity")),
                                     ("first order", when(lifetime.get("first_order_at"))),
                                     ("last order", when(lifetime.get("last_order_at")))])),
        _section("Receivables", _pairs(list((card.get("receivables") or {}).items()))),
        _section("Complaints", _pairs(list((card.get("complaints") or {}).items()))),
        _section("Product range", _pairs([
            ("categories recent / baseline", f"{number(product_range.get('recent'))} / "
                                             f"{number(product_range.get('baseline'))}"),
            ("bought recently", ", ".join(map(str, product_range.get("recent_categories") or [])) or "–"),
            ("no longer bought", ", ".join(map(str, product_range.get("lost_categories") or [])) or "–"),
        ])),
    ])
    alerts_html = "".join(alert_block(a) for a in alerts) or "<p>No open alerts.</p>"
    chart = _section("Last periods", period_chart(card.get("periods") or []))
    body = (f"{title}<section><h2>Open alerts ({len(alerts)})</h2>{alerts_html}</section>"
            f"<div class=\"top\">{chart}{_section('Health', _health(health))}</div><div class=\"grid\">{overview}</div>")
    return page(str(name), body, token)


def not_found_page(what: str, token: str | None) -> str:
    return page("Not found", f"<h1>Not found</h1><section><p>{escape(what)}</p></section>", token)


def alert_block(alert: Mapping[str, Any]) -> str:
    """One alert on the card: badge, message, facts, and its evidence as a table."""
    facts = " · ".join(escape(str(x)) for x in (label(str(alert.get("kind", ""))), alert.get("state"),
                                                 f"tier {alert.get('tier') or '–'}", when(alert.get("occurred_at"))) if x)
    evidence = alert.get("evidence") or {}
    return (f"<div class=\"alert {_severity_class(alert.get('severity'))}\">"
            f"{_severity_badge(alert.get('severity'))} <span class=\"muted\">{facts}</span>"
            f"<div class=\"message\">{escape(str(alert.get('message', '')))}</div>"
            f"{evidence_table(evidence) if evidence else ''}</div>")


def evidence_table(evidence: Mapping[str, Any]) -> str:
    """An alert's evidence for people.

    Two or more lists of one common length are series over the same periods (``periods``,
    ``quantity``...): they become the columns of one table, a row per position. Every other
    field is a row of a name/value table; lists and nested values are shown inline.
    """
    lengths = [len(v) for v in evidence.values() if isinstance(v, list) and len(v) > 1]
    length = max(set(lengths), key=lambda n: (lengths.count(n), n)) if lengths else 0
    series = {k: v for k, v in evidence.items() if isinstance(v, list) and length and len(v) == length}
    if len(series) < 2:
        series = {}
    fields = [(k, v) for k, v in evidence.items() if k not in series]
    html = ""
    if series:
        head = "".join(f"<th>{escape(label(str(k)))}</th>" for k in series)
        rows = "".join("<tr>" + "".join(f"<td{_num_class(v[i])}>{escape(_inline(v[i]))}</td>" for v in series.values())
                       + "</tr>" for i in range(length))
        html += f"<table class=\"evidence series\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if fields:
        rows = "".join(f"<tr><th>{escape(label(str(k)))}</th><td{_num_class(v)}>{escape(_inline(v))}</td></tr>"
                       for k, v in fields)
        html += f"<table class=\"evidence fields\"><tbody>{rows}</tbody></table>"
    return html


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{label(str(k))}: {_inline(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_inline(v) for v in value)
    return number(value)


def _num_class(value: Any) -> str:
    return " class=\"num\"" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content}</section>"


def _pairs(items: Iterable[tuple[str, Any]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(label(str(k)))}</dt><dd>{escape(number(v))}</dd>" for k, v in items) + "</dl>"


def _health(health: Mapping[str, Any]) -> str:
    score = health.get("score")
    grade = "" if score is None else "good" if score >= 75 else "fair" if score >= 50 else "poor"
    reasons = health.get("reasons") or []
    rows = "".join(f"<tr><td>{escape(label(str(r.get('component', ''))))}</td>"
                   f"<td class=\"num\">−{escape(number(r.get('points')))}</td>"
                   f"<td>{escape(str(r.get('detail', '')))}</td></tr>" for r in reasons)
    table = (f"<table class=\"reasons\"><tbody>{rows}</tbody></table>" if rows
             else "<p class=\"muted\">nothing takes points off</p>")
    return f"<div class=\"score {grade}\">{escape(number(score))}<span class=\"muted\"> / 100</span></div>{table}"


def _severity_class(severity: Any) -> str:
    return f"sev-{severity}" if severity in SEVERITIES else "sev-unknown"


def _severity_badge(severity: Any) -> str:
    return f"<span class=\"badge {_severity_class(severity)}\">{escape(str(severity or '?'))}</span>"


def _tier_badge(tier: Any) -> str:
    if tier is None:
        return "<span class=\"badge\" title=\"tier not known yet\">tier ?</span>"
    css = f"tier-{tier}" if tier in ("A", "B", "C") else ""
    return f"<span class=\"badge {css}\">tier {escape(str(tier))}</span>"


def _lookup_form(token: str | None) -> str:
    hidden = f"<input type=\"hidden\" name=\"token\" value=\"{escape(token)}\">" if token else ""
    return ("<form class=\"lookup\" method=\"get\" action=\"/ui/customers\">"
            f"<input name=\"id\" placeholder=\"customer id\" aria-label=\"customer id\" required>{hidden} "
            "<button type=\"submit\">open card</button></form>")
