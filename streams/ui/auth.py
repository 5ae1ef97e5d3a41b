"""Who may read the worker's pages: an optional shared bearer token, and the bind-address guard.

Why a single shared token and not users: the worker serves account managers on an internal
network; the token keeps a worker that is reachable beyond the machine from handing customer
cards to anyone who finds the port. Deny by default: with a token set, every path needs it
except the probes and the metrics scrape (`OPEN_PATHS`), so an endpoint added later is protected
without anyone remembering to protect it.

Everything here is pure (strings in, decision out), so the rules are unit-tested without a server.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Mapping
from urllib.parse import urlencode

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Paths served without the token: liveness/readiness probes and the Prometheus scrape."""

TOKEN_QUERY_PARAM = "token"


def needs_token(path: str, token: str) -> bool:
    """Whether a request for ``path`` must carry the token (never when no token is configured)."""
    return bool(token) and path.rstrip("/") not in OPEN_PATHS


def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The token a request carries: ``Authorization: Bearer <t>`` first, else ``?token=<t>``."""
    authorization = headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query.get(TOKEN_QUERY_PARAM) or None


def is_authorized(path: str, token: str, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    """The access decision for one request (constant-time comparison of the token)."""
    if not needs_token(path, token):
        return True
    given = presented_token(headers, query)
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def link_token(query: Mapping[str, str]) -> str | None:
    """The token to carry in the page's links: only one that came in the URL.

    A token sent as a header (a proxy, a script) is not copied into links, where it would end
    up in browser history; a token typed into the URL is already there, and without it every
    link would fail.
    """
    return query.get(TOKEN_QUERY_PARAM) or None


def with_token(href: str, token: str | None) -> str:
    """``href`` with ``token=...`` added to its query string when a token is to be carried."""
    if not token:
        return href
    return href + ("&" if "?" in href else "?") + urlencode({TOKEN_QUERY_PARAM: token})


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server on this machine (``0.0.0.0``, ``::``, "" do not)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or an interface address: reachable from elsewhere


def bind_refusal(web_host: str, web_token: str, insecure: bool) -> str | None:
    """Why the worker must not start with this web configuration, or None when it may.

    A worker bound beyond loopback without a token would serve every customer's card to the
    network; that needs a token, or an explicit ``CHURNWATCH_WEB_INSECURE=true`` (a trusted
    network, a proxy that authenticates).
    """
    if is_loopback(web_host) or web_token or insecure:
        return None
    return (f"refusing to serve customer data on CHURNWATCH_WEB_HOST={web_host!r} (beyond loopback) without a "
            "token: set CHURNWATCH_WEB_TOKEN=<secret> (clients send 'Authorization: Bearer <secret>' or "
            "?token=<secret>), bind to 127.0.0.1, or set CHURNWATCH_WEB_INSECURE=true to accept the risk")
