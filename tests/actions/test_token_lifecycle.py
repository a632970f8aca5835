"""The stored token: reused, refreshed once (across threads and processes), retried once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from actions import oauth
from actions.connect import connect_jwt, connect_web, connection_status
from actions.errors import AuthorizationFailed, ConnectionNeedsAttention, NotConnected
from tests.actions import api_requests, authorize, rsa_key_pair, run
from tests.e2e.harness import CC_CLIENT_ID

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
REDIRECT = "http://localhost:8717/callback"


def connect_flow(flow: str, ctx, emu) -> None:
    """Replace the client-credentials connection of ``ctx`` with one of ``flow``."""
    if flow == "jwt":
        private, public = rsa_key_pair()
        emu.add_connected_app("jwt-app", public_key_pem=public)
        emu.experience_sites.add(emu.login_url)  # the aud sfbot sends for an unknown host
        connect_jwt(ctx, emu.login_url, "jwt-app", emu.username, private, "test")
    elif flow == "web":
        emu.add_connected_app("web-app", "web-secret", redirect_uris=(REDIRECT,))
        verifier, challenge = oauth.pkce_pair()
        url = oauth.authorize_url(emu.login_url, "web-app", REDIRECT, challenge, "st")
        code = authorize(emu, url)["code"]
        connect_web(ctx, emu.login_url, "web-app", "web-secret", code, verifier, REDIRECT, "test")
    emu.reset_counters()


GRANTS = {
    "client_credentials": "client_credentials",
    "jwt": "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "web": "refresh_token",
}


def all_at_once(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run ``fn(i)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_token_is_stored_and_reused_by_a_new_context(ctx, make_ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    for _ in range(3):
        other_process = make_ctx()
        assert run(other_process, "lookup_record", id=lead)["count"] == 1
    assert emu.token_requests == 0 and emu.api_calls == 3


@pytest.mark.parametrize("flow", ["client_credentials", "jwt", "web"])
def test_expired_token_is_refreshed_once_and_the_call_succeeds(ctx, make_ctx, emu, flow):
    connect_flow(flow, ctx, emu)
    before = ctx.store.load()
    emu.expire_all_tokens()
    out = run(ctx, "create_record", object="account", name="After expiry")
    assert emu.get(out["id"])["Name"] == "After expiry"
    assert emu.token_requests == 1 and emu.token_requests_by_grant == {GRANTS[flow]: 1}
    assert len(api_requests(emu, "POST", "/sobjects/Account/")) == 1
    after = ctx.store.load()
    assert after.token_version == before.token_version + 1
    assert after.access_token != before.access_token
    assert after.refresh_token == before.refresh_token  # web: the refresh token is kept
    run(make_ctx(), "lookup_record", id=out["id"])  # another process uses the new token
    assert emu.token_requests == 1


def test_write_refused_with_401_is_retried_once_after_the_refresh(ctx, emu):
    ctx.metadata.describe("Lead")
    emu.expire_all_tokens()
    run(ctx, "create_record", object="lead", name="Only Once")
    posts = api_requests(emu, "POST", "/sobjects/Lead/")
    assert len(posts) == 2 and len(emu.records("Lead")) == 1  # the first POST was refused
    assert emu.token_requests == 1


def test_many_threads_on_an_expired_token_refresh_once(ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    run(ctx, "lookup_record", id=lead)
    emu.expire_all_tokens()
    emu.reset_counters()
    results = all_at_once(8, lambda _i: run(ctx, "lookup_record", id=lead)["count"])
    assert results == [1] * 8
    assert emu.token_requests == 1


def test_two_processes_on_one_database_refresh_once(ctx, make_ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    contexts = [ctx, make_ctx()]
    for c in contexts:
        run(c, "lookup_record", id=lead)  # both hold the soon-expired token in memory
    emu.expire_all_tokens()
    emu.reset_counters()
    results = all_at_once(8, lambda i: run(contexts[i % 2], "lookup_record", id=lead)["count"])
    assert results == [1] * 8
    assert emu.token_requests == 1


def test_two_processes_one_after_the_other(ctx, make_ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    first, second = ctx, make_ctx()
    run(second, "lookup_record", id=lead)
    emu.expire_all_tokens()
    emu.reset_counters()
    run(first, "lookup_record", id=lead)
    run(second, "lookup_record", id=lead)  # stale token -> 401 -> reuses the stored new one
    assert emu.token_requests == 1
    assert len(api_requests(emu, "GET", "/query/")) == 4  # each: 401, then the retry


@pytest.mark.parametrize(
    ("flow", "revoke"),
    [
        ("client_credentials", lambda emu, conn: emu.add_connected_app(CC_CLIENT_ID, "changed")),
        ("client_credentials", lambda emu, conn: emu.oauth.apps.pop(CC_CLIENT_ID)),
        (
            "jwt",
            lambda emu, conn: emu.add_connected_app("jwt-app", public_key_pem=rsa_key_pair()[1]),
        ),
        ("web", lambda emu, conn: emu.oauth.revoke(conn.refresh_token)),
    ],
)
def test_refused_refresh_needs_attention(ctx, emu, flow, revoke):
    connect_flow(flow, ctx, emu)
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    revoke(emu, ctx.store.load())
    emu.expire_all_tokens()
    with pytest.raises(ConnectionNeedsAttention) as info:
        run(ctx, "lookup_record", id=lead)
    assert info.value.code == "CONNECTION_NEEDS_ATTENTION"
    assert "sfbot connect" in info.value.message
    assert emu.token_requests == 1  # no retry loop
    assert ctx.store.load().problem == "token_refused"
    status = connection_status(ctx, live=False)
    assert (status.connected, status.reason) == (False, "token_refused")
    live = connection_status(ctx)
    assert (live.connected, live.reason) == (False, "token_refused")


def test_fresh_token_refused_again_needs_attention_then_recovers(ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    emu.fail_next(401, INVALID_SESSION, "/query/", times=2)
    with pytest.raises(ConnectionNeedsAttention):
        run(ctx, "lookup_record", id=lead)
    assert emu.token_requests == 1 and len(api_requests(emu, "GET", "/query/")) == 2
    assert ctx.store.load().problem == "token_refused"
    assert run(ctx, "lookup_record", id=lead)["count"] == 1
    assert ctx.store.load().problem is None
    assert connection_status(ctx, live=False).connected


def test_soap_convert_with_an_expired_token_refreshes_and_retries_once(ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    ctx.metadata.converted_lead_status()
    emu.expire_all_tokens()
    emu.reset_counters()
    out = run(ctx, "convert_lead", lead_id=lead)
    assert emu.get(lead)["ConvertedContactId"] == out["contact_id"]
    assert emu.token_requests == 1
    assert len(api_requests(emu, "POST", "/services/Soap/u/")) == 2
    assert len(emu.records("Contact")) == 1


def test_a_connection_removed_by_another_process_is_noticed(ctx, make_ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    run(ctx, "lookup_record", id=lead)
    other = make_ctx()
    other.store.delete()  # `sfbot disconnect` elsewhere
    emu.expire_all_tokens()
    with pytest.raises(NotConnected):  # the refresh finds no stored connection
        run(ctx, "lookup_record", id=lead)
    with pytest.raises(NotConnected):
        ctx.connection.current()


def test_a_connection_replaced_by_another_process_is_picked_up(ctx, make_ctx, emu, monkeypatch):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    run(ctx, "lookup_record", id=lead)
    other = make_ctx()
    connect_flow("jwt", other, emu)  # reconnected elsewhere with another flow
    monkeypatch.setattr("actions.connection.RELOAD_SECONDS", 0.0)
    assert ctx.connection.current().flow == "jwt"
    assert run(ctx, "lookup_record", id=lead)["count"] == 1
    assert emu.token_requests == 0  # the new stored token is used as it is


def connect_web_without_secret(ctx, emu, **require: bool) -> None:
    emu.add_connected_app("web-app", "web-secret", redirect_uris=(REDIRECT,), **require)
    verifier, challenge = oauth.pkce_pair()
    url = oauth.authorize_url(emu.login_url, "web-app", REDIRECT, challenge, "st")
    code = authorize(emu, url)["code"]
    connect_web(ctx, emu.login_url, "web-app", None, code, verifier, REDIRECT, "test")


def test_web_flow_without_the_secret_the_app_requires_is_a_clear_error(ctx, emu):
    # "Require Secret for Web Server Flow" is on by default for a new connected app.
    before = ctx.store.load()
    with pytest.raises(AuthorizationFailed) as info:
        connect_web_without_secret(ctx, emu)
    assert info.value.code == "CLIENT_SECRET_REQUIRED"
    assert "Require Secret for Web Server Flow" in info.value.message
    assert "--client-secret" in info.value.message
    assert ctx.store.load().access_token == before.access_token  # nothing replaced


@pytest.mark.parametrize("require_secret_refresh", [True, False])
def test_refresh_without_a_secret_follows_the_apps_setting(ctx, emu, require_secret_refresh):
    # A PKCE-only connection (no secret stored): "Require Secret for Refresh Token Flow"
    # decides whether Salesforce lets sfbot refresh it.
    connect_web_without_secret(
        ctx,
        emu,
        require_secret_web_server=False,
        require_secret_refresh=require_secret_refresh,
    )
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    emu.expire_all_tokens()
    emu.reset_counters()
    if require_secret_refresh:
        with pytest.raises(ConnectionNeedsAttention):
            run(ctx, "lookup_record", id=lead)
        assert ctx.store.load().problem == "token_refused"
    else:
        assert run(ctx, "lookup_record", id=lead)["count"] == 1
    assert emu.token_requests_by_grant == {"refresh_token": 1}
