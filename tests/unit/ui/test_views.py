"""The view helpers: which alerts a card page shows, and the token guard on a real HTTP server."""

from __future__ import annotations

import asyncio
import copy

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from schemas.examples import ALERT, CARD
from streams.alert_book import AlertBook
from streams.ui.views import customer_alerts, token_guard


def _alert(alert_id: str, **changes) -> dict:
    return {**copy.deepcopy(ALERT), "alert_id": alert_id, **changes}


def test_card_page_alerts_are_the_live_ones_of_card_and_book_most_severe_first():
    book = AlertBook()
    book.record(_alert("resolved-since", state="resolved"))
    book.record(_alert("only-in-book", severity="critical", kind="silent_lapse"))
    book.record(_alert("other-customer", customer_id="C-2"))
    card = {**CARD, "open_alerts": [_alert("resolved-since"), _alert("only-on-card", severity="low")]}
    assert [a["alert_id"] for a in customer_alerts(card, book)] == ["only-in-book", "only-on-card"]


def test_token_guard_protects_everything_but_probes_and_metrics():
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def scenario() -> dict[str, int]:
        app = web.Application(middlewares=[token_guard("s3cret")])
        for path in ("/ui", "/customers/{cid}", "/alerts", "/healthz", "/readyz", "/metrics"):
            app.router.add_get(path, ok)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            results = {}
            for label, path, headers in [
                ("ui", "/ui", {}), ("card", "/customers/C-1", {}), ("alerts", "/alerts", {}),
                ("ui+header", "/ui", {"Authorization": "Bearer s3cret"}), ("ui+query", "/ui?token=s3cret", {}),
                ("ui+wrong", "/ui?token=nope", {}), ("healthz", "/healthz", {}), ("readyz", "/readyz", {}),
                ("metrics", "/metrics", {}),
            ]:
                response = await client.get(path, headers=headers)
                results[label] = response.status
                if response.status == 401:
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
            return results

    assert asyncio.run(scenario()) == {
        "ui": 401, "card": 401, "alerts": 401, "ui+header": 200, "ui+query": 200, "ui+wrong": 401,
        "healthz": 200, "readyz": 200, "metrics": 200,
    }
