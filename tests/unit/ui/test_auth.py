"""The web token rules and the bind-address guard (pure functions)."""

from __future__ import annotations

import pytest

from streams.ui.auth import (
    bind_refusal,
    is_authorized,
    is_loopback,
    link_token,
    needs_token,
    presented_token,
    with_token,
)

PROTECTED = ["/ui", "/ui/managers/li.wei", "/ui/customers/C-1", "/customers/C-1", "/alerts", "/population", "/"]
OPEN = ["/healthz", "/readyz", "/metrics", "/metrics/"]


def test_without_a_token_nothing_needs_one():
    assert not any(needs_token(path, "") for path in PROTECTED + OPEN)


def test_with_a_token_everything_but_probes_and_metrics_needs_it():
    assert all(needs_token(path, "s3cret") for path in PROTECTED)
    assert not any(needs_token(path, "s3cret") for path in OPEN)


@pytest.mark.parametrize("headers, query, expected", [
    ({"Authorization": "Bearer s3cret"}, {}, "s3cret"),
    ({"Authorization": "bearer   s3cret "}, {}, "s3cret"),
    ({}, {"token": "s3cret"}, "s3cret"),
    ({"Authorization": "Bearer from-header"}, {"token": "from-query"}, "from-header"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, {}, None),
    ({"Authorization": "Bearer "}, {"token": ""}, None),
    ({}, {}, None),
])
def test_presented_token(headers, query, expected):
    assert presented_token(headers, query) == expected


def test_is_authorized_compares_the_token():
    assert is_authorized("/ui", "s3cret", {"Authorization": "Bearer s3cret"}, {})
    assert is_authorized("/alerts", "s3cret", {}, {"token": "s3cret"})
    assert not is_authorized("/ui", "s3cret", {"Authorization": "Bearer s3cre"}, {})
    assert not is_authorized("/customers/C-1", "s3cret", {}, {})
    assert is_authorized("/metrics", "s3cret", {}, {})
    assert is_authorized("/ui", "", {}, {})


def test_links_carry_only_a_token_that_came_in_the_url():
    assert link_token({"token": "t"}) == "t"
    assert link_token({}) is None
    assert with_token("/ui", None) == "/ui"
    assert with_token("/ui", "a b&c") == "/ui?token=a+b%26c"
    assert with_token("/ui/customers?id=1", "t") == "/ui/customers?id=1&token=t"


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("", False), ("::", False), ("10.1.2.3", False), ("worker.internal", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_refusal_only_beyond_loopback_without_token_or_explicit_insecure():
    assert bind_refusal("127.0.0.1", "", insecure=False) is None
    assert bind_refusal("0.0.0.0", "s3cret", insecure=False) is None
    assert bind_refusal("0.0.0.0", "", insecure=True) is None
    message = bind_refusal("0.0.0.0", "", insecure=False)
    assert message is not None
    assert "CHURNWATCH_WEB_TOKEN" in message and "CHURNWATCH_WEB_INSECURE=true" in message and "'0.0.0.0'" in message
