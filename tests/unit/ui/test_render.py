"""The manager pages as HTML: everything from data is escaped, links carry the token, the
inbox and the card show what a manager needs (message, kind, tier, link, evidence, chart)."""

from __future__ import annotations

import copy
from urllib.parse import quote

from schemas.examples import ALERT, CARD
from streams.ui import render
from tests.unit.ui.html_probe import parse

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _alert(**changes) -> dict:
    alert = copy.deepcopy(ALERT)
    alert.update(changes)
    return alert


def _card(**changes) -> dict:
    card = copy.deepcopy(CARD)
    card.update(changes)
    return card


def test_every_value_from_data_is_escaped():
    cid = 'C-"1"&<2>'
    card = _card(customer_id=cid, relationship_stage=HOSTILE)
    card["profile"].update(name=HOSTILE, account_manager=HOSTILE)
    card["periods"][0]["categories"] = [HOSTILE]
    card["health"]["reasons"][0]["detail"] = HOSTILE
    alert = _alert(customer_id=cid, message=HOSTILE, kind=HOSTILE, state=HOSTILE, tier=HOSTILE, severity=HOSTILE,
                   evidence={HOSTILE: HOSTILE, "series": [HOSTILE, 1], "other": [2, HOSTILE]})
    pages = [
        render.customer_page(card, [alert], token=HOSTILE),
        render.manager_page(HOSTILE, [alert], token=HOSTILE),
        render.managers_page({HOSTILE: [alert]}, token=HOSTILE),
        render.not_found_page(HOSTILE, token=HOSTILE),
    ]
    for html in pages:
        parsed = parse(html)
        assert not parsed.find("script") and not parsed.find("img"), "markup from data must not become elements"
        assert not [e for e in parsed.elements if "onerror" in e.attrs]
        assert HOSTILE in parsed.text or HOSTILE in str([e.attrs for e in parsed.elements])
    customer_links = [a for a in parse(pages[1]).find("a") if a.attrs["href"].startswith("/ui/customers/")]
    assert customer_links[0].attrs["href"].startswith(f"/ui/customers/{quote(cid, safe='')}?token=")


def test_manager_inbox_lists_each_alert_with_message_kind_tier_and_customer_link():
    alerts = [_alert(alert_id="a1", severity="critical", kind="silent_lapse", tier="B", customer_id="C-7",
                     message="No order for 93 days."),
              _alert(alert_id="a2")]
    parsed = parse(render.manager_page("li.wei", alerts, token=None))
    rows = parsed.find("tr")[1:]
    assert len(rows) == 2
    assert "No order for 93 days." in rows[0].text and "silent lapse" in rows[0].text and "tier B" in rows[0].text
    assert ALERT["message"] in rows[1].text
    assert [a.attrs["href"] for a in parsed.find("a") if "/ui/customers/" in a.attrs["href"]] == [
        "/ui/customers/C-7", "/ui/customers/C-1001"]
    assert [b.text for b in parsed.find("span", "badge") if b.text in ("critical", "high")] == ["critical", "high"]
    assert "2 open alerts" in parsed.text


def test_manager_inbox_without_alerts_says_so():
    parsed = parse(render.manager_page("li.wei", [], token=None))
    assert "No open alerts." in parsed.text and "0 open alerts" in parsed.text


def test_managers_page_counts_open_alerts_by_severity_busiest_first():
    inboxes = {"a.quiet": [], "b.busy": [_alert(severity="high"), _alert(severity="high"), _alert(severity="low")]}
    parsed = parse(render.managers_page(inboxes, token=None))
    header, *rows = parsed.find("tr")
    assert header.cells() == ["manager", "open alerts", "critical", "high", "medium", "low"]
    assert rows[0].cells() == ["b.busy", "3", "", "2", "", "1"]
    assert rows[1].cells() == ["a.quiet", "0", "", "", "", ""]
    assert [a.attrs["href"] for a in parsed.find("a") if "/managers/" in a.attrs["href"]] == [
        "/ui/managers/b.busy", "/ui/managers/a.quiet"]


def test_managers_page_before_any_alert_explains_itself():
    assert "No alerts yet" in parse(render.managers_page({}, token=None)).text


def test_customer_page_shows_the_card_sections_chart_and_alert_evidence():
    parsed = parse(render.customer_page(CARD, [ALERT], token=None))
    text = parsed.text
    for expected in ("Huadong Pump Works", "C-1001", "tier A", "At Risk", "70", "612,300.25",
                     "2024-03 order value at 30% of the baseline", "actuators, pumps, seals", "strategic partner",
                     "as of 2024-04-01 00:00 UTC", ALERT["message"]):
        assert expected in text, expected
    chart = parsed.find("svg", "period-chart")
    assert len(chart) == 1
    assert len(parsed.find("rect", "amount-bar")) == len(CARD["periods"])
    assert [a.attrs["href"] for a in parsed.find("a") if "/managers/" in a.attrs["href"]] == ["/ui/managers/li.wei"]
    series = parsed.find("table", "series")[0]
    assert "periods" in series.text and "quantity" in series.text
    assert "Open alerts (1)" in text


def test_customer_page_of_a_new_customer_without_profile_or_tier():
    card = _card(profile=None, tier=None, relationship_stage=None, periods=[], open_alerts=[])
    parsed = parse(render.customer_page(card, [], token=None))
    assert "tier ?" in parsed.text and "No open alerts." in parsed.text and "no order history yet" in parsed.text
    assert parsed.find("h1")[0].text.startswith("C-1001")


def test_evidence_series_become_columns_and_the_rest_name_value_rows():
    parsed = parse(render.evidence_table(ALERT["evidence"]))
    series, fields = parsed.find("table", "series"), parsed.find("table", "fields")
    assert len(series) == 1 and len(fields) == 1
    assert [th.text for th in parsed.find("th")][:2] == ["periods", "quantity"]
    rows = [tr.cells() for tr in parsed.find("tr")]
    assert rows == [["periods", "quantity"], ["2024-01", "410"], ["2024-02", "300"], ["2024-03", "120"],
                    ["baseline quantity", "400"], ["ratio", "0.3"]]


def test_evidence_with_one_list_or_nested_values_stays_a_name_value_table():
    parsed = parse(render.evidence_table({"lost_categories": ["pumps", "seals"], "days_overdue": 47,
                                          "invoice": {"id": "INV-1", "amount": 1250.5}, "key_account": True}))
    assert not parsed.find("table", "series")
    rows = [tr.cells() for tr in parsed.find("tr")]
    assert rows == [["lost categories", "pumps, seals"], ["days overdue", "47"],
                    ["invoice", "id: INV-1; amount: 1,250.5"], ["key account", "yes"]]


def test_links_and_lookup_form_carry_a_token_given_in_the_url():
    parsed = parse(render.customer_page(CARD, [ALERT], token="s e/cret"))
    hrefs = [a.attrs["href"] for a in parsed.find("a")]
    assert hrefs and all(h.endswith("token=s+e%2Fcret") for h in hrefs), hrefs
    hidden = [i for i in parsed.find("input") if i.attrs.get("type") == "hidden"]
    assert [(i.attrs["name"], i.attrs["value"]) for i in hidden] == [("token", "s e/cret")]


def test_without_a_token_links_are_clean():
    parsed = parse(render.manager_page("li.wei", [ALERT], token=None))
    assert all("token" not in a.attrs["href"] for a in parsed.find("a"))
    assert not [i for i in parsed.find("input") if i.attrs.get("type") == "hidden"]
