"""The manager pages on the worker's web server, and the optional token guard of all its paths.

Pages: ``/ui`` (managers and their open-alert counts), ``/ui/managers/{manager}`` (the inbox),
``/ui/customers/{customer_id}`` (the data card with its alerts), ``/ui/customers?id=`` (the
lookup form's target, a redirect). Alerts come from the `AlertBook` every worker keeps of the
whole alert topic, so any worker answers the manager pages; a card is served by the worker
that owns the customer's partition (`table_route` forwards the request, headers and query
included, so a token travels along).
"""

from __future__ import annotations

from typing import Any

import faust
from aiohttp import web as aiohttp_web
from faust.web import Request, Response, View

from agents.customer_agent import CustomerPipeline
from streams.alert_book import LIVE_STATES, SEVERITY_RANK, AlertBook
from streams.ui import render
from streams.ui.auth import is_authorized, link_token, with_token


def register_ui(app: faust.App, pipeline: CustomerPipeline) -> None:
    """Add the manager pages to ``app`` and, when ``web_token`` is set, guard every path with it."""
    if pipeline.settings.web_token:
        app.web.web_app.middlewares.append(token_guard(pipeline.settings.web_token))

    @app.page("/ui")
    class Managers(View):
        async def get(self, request: Request) -> Response:
            book = pipeline.alerts
            inboxes = {manager: book.open_for_manager(manager) for manager in book.managers()}
            return self.html(render.managers_page(inboxes, link_token(request.query)))

    @app.page("/ui/managers/{manager}")
    class ManagerInbox(View):
        async def get(self, request: Request, manager: str) -> Response:
            alerts = pipeline.alerts.open_for_manager(manager)
            return self.html(render.manager_page(manager, alerts, link_token(request.query)))

    @app.page("/ui/customers")
    class CustomerLookup(View):
        async def get(self, request: Request) -> Response:
            """Target of the lookup form: redirect to the card (plain GET form, no script)."""
            token = link_token(request.query)
            customer_id = request.query.get("id", "").strip()
            target = render.customer_href(customer_id, token) if customer_id else with_token("/ui", token)
            return self.html("", status=303, headers={"Location": target})

    @app.page("/ui/customers/{customer_id}")
    class CustomerPage(View):
        @app.table_route(table=pipeline.state, match_info="customer_id")
        async def get(self, request: Request, customer_id: str) -> Response:
            token = link_token(request.query)
            state = pipeline.get_state(customer_id)
            if state is None:
                return self.html(render.not_found_page(f"No customer with id {customer_id!r} (yet).", token),
                                 status=404)
            card = pipeline.card(state)
            alerts = customer_alerts(card, pipeline.alerts)
            return self.html(render.customer_page(card, alerts, token))


def customer_alerts(card: dict[str, Any], book: AlertBook) -> list[dict]:
    """The customer's open and escalated alerts: the card's own, updated by the alert book's
    newer lifecycle events (the book follows the whole alert topic), most severe first."""
    by_id = {a["alert_id"]: a for a in card.get("open_alerts") or [] if "alert_id" in a}
    by_id.update((a["alert_id"], a) for a in book.query(customer_id=card["customer_id"]))
    live = [a for a in by_id.values() if a.get("state") in LIVE_STATES]
    live.sort(key=lambda a: (SEVERITY_RANK.get(a.get("severity"), 0), a.get("occurred_at") or ""), reverse=True)
    return live


def token_guard(token: str):
    """aiohttp middleware: 401 for any request `streams.ui.auth.is_authorized` refuses."""

    @aiohttp_web.middleware
    async def require_token(request: aiohttp_web.Request, handler):
        if is_authorized(request.path, token, request.headers, request.query):
            return await handler(request)
        return aiohttp_web.Response(
            status=401, text="unauthorized: send 'Authorization: Bearer <token>' or add ?token=<token>\n",
            headers={"WWW-Authenticate": 'Bearer realm="churnwatch"'})

    return require_token
