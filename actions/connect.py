"""Connecting, checking and disconnecting the one service-account connection."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel

from actions import oauth
from actions.context import ActionContext
from actions.errors import (
    ActionError,
    AuthorizationFailed,
    ConnectionNeedsAttention,
    NotConnected,
    SalesforceUnavailable,
)
from actions.registry import ACTIONS
from storage.connection_store import StoredConnection
from storage.times import utcnow

logger = logging.getLogger(__name__)

ATTRIBUTION_REMINDER = (
    "Every change sfbot makes in Salesforce is attributed to {username}. Use a dedicated "
    "integration user with only the permissions sfbot needs, not a person's account."
)

Reason = Literal["never_connected", "token_refused", "org_unreachable"]
REASON_TEXT: dict[str, str] = {
    "never_connected": "never connected: an admin runs `sfbot connect` (or /sf connect)",
    "token_refused": "Salesforce refused the stored credentials: an admin reconnects",
    "org_unreachable": "Salesforce could not be reached",
}


def scope_review(flow: str) -> list[dict[str, str]]:
    """The scopes sfbot asks for with ``flow``, and what each allows."""
    return [
        {"scope": s, "allows": oauth.SCOPE_DESCRIPTIONS[s]} for s in oauth.REQUESTED_SCOPES[flow]
    ]


def store_connection(
    ctx: ActionContext,
    token: oauth.TokenResponse,
    *,
    flow: str,
    login_url: str,
    client_id: str,
    connected_by: str,
    client_secret: str | None = None,
    private_key: str | None = None,
) -> StoredConnection:
    """Verify a fresh token (its scopes, then the identity URL) and store it as the one
    connection."""
    require_api_scope(token.scopes)
    http = ctx.connection.http
    identity = oauth.fetch_identity(http, token.id_url, token.access_token)
    version = ctx.settings.sf_api_version or oauth.latest_api_version(http, token.instance_url)
    conn = StoredConnection(
        flow=flow,
        login_url=login_url,
        client_id=client_id,
        instance_url=token.instance_url,
        org_id=identity.org_id,
        user_id=identity.user_id,
        username=identity.username,
        api_version=version,
        scopes=token.scopes,
        client_secret=client_secret,
        private_key=private_key,
        refresh_token=token.refresh_token,
        access_token=token.access_token,
        connected_by=connected_by,
        connected_at=utcnow(),
        token_refreshed_at=utcnow(),
    )
    ctx.store.save(conn)
    ctx.connection.forget()
    ctx.metadata.clear()
    logger.info("connected to Salesforce org %s as %s", conn.org_id, conn.username)
    return conn


def require_api_scope(granted: tuple[str, ...]) -> None:
    """Every action is a REST or SOAP call, which Salesforce allows only with ``api`` (or
    ``full``): without it, say so now rather than store a connection that cannot work.
    (An empty grant list says nothing: the identity check still runs.)"""
    if granted and not {"api", "full"} & set(granted):
        raise AuthorizationFailed(
            f"Salesforce granted the scopes {' '.join(granted)} but not 'api'; does the "
            "connected app grant the 'api' scope (Manage user data via APIs)?",
            code="MISSING_SCOPE",
        )


def connect_client_credentials(
    ctx: ActionContext, login_url: str, client_id: str, client_secret: str, connected_by: str
) -> StoredConnection:
    login_url = oauth.normalize_login_url(login_url)
    token = oauth.client_credentials_token(ctx.connection.http, login_url, client_id, client_secret)
    return store_connection(
        ctx,
        token,
        flow="client_credentials",
        login_url=login_url,
        client_id=client_id,
        client_secret=client_secret,
        connected_by=connected_by,
    )


def connect_jwt(
    ctx: ActionContext,
    login_url: str,
    client_id: str,
    username: str,
    private_key_pem: str,
    connected_by: str,
) -> StoredConnection:
    login_url = oauth.normalize_login_url(login_url)
    oauth.load_private_key(private_key_pem)
    token = oauth.jwt_bearer_token(
        ctx.connection.http, login_url, client_id, username, private_key_pem
    )
    return store_connection(
        ctx,
        token,
        flow="jwt",
        login_url=login_url,
        client_id=client_id,
        private_key=private_key_pem,
        connected_by=connected_by,
    )


def connect_web(
    ctx: ActionContext,
    login_url: str,
    client_id: str,
    client_secret: str | None,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    connected_by: str,
) -> StoredConnection:
    try:
        token = oauth.exchange_code(
            ctx.connection.http,
            login_url,
            client_id,
            client_secret,
            code,
            code_verifier,
            redirect_uri,
        )
    except AuthorizationFailed as exc:
        if exc.code == "invalid_client" and not client_secret:
            raise AuthorizationFailed(
                "Salesforce wants the connected app's consumer secret for the web server flow "
                "('Require Secret for Web Server Flow', on by default): give it with "
                "--client-secret or SFBOT_CLIENT_SECRET (sfbot also needs it to refresh the "
                "token while 'Require Secret for Refresh Token Flow' is on)",
                code="CLIENT_SECRET_REQUIRED",
            ) from exc
        raise
    return store_connection(
        ctx,
        token,
        flow="web",
        login_url=login_url,
        client_id=client_id,
        client_secret=client_secret,
        connected_by=connected_by,
    )


class ConnectionStatus(BaseModel):
    connected: bool
    reason: Reason | None = None
    detail: str | None = None
    flow: str | None = None
    instance_url: str | None = None
    org_id: str | None = None
    user_id: str | None = None
    username: str | None = None
    api_version: str | None = None
    scopes: list[str] = []
    api_usage: dict[str, int] | None = None
    connected_by: str | None = None
    connected_at: str | None = None
    actions: list[dict[str, Any]] = []


def connection_status(ctx: ActionContext, *, live: bool = True) -> ConnectionStatus:
    """The connection indicator. ``live`` checks it with one call to the limits resource."""
    actions = [a.describe() for a in ACTIONS.values()]
    try:
        conn = ctx.connection.current()
    except NotConnected:
        return ConnectionStatus(
            connected=False,
            reason="never_connected",
            detail=REASON_TEXT["never_connected"],
            actions=actions,
        )
    reason: str | None = conn.problem
    detail = conn.problem_detail
    if live:
        try:
            limits = ctx.connection.call(lambda sf: sf.limits())
            daily = (limits or {}).get("DailyApiRequests") or {}
            if "Max" in daily and "Remaining" in daily:
                ctx.connection.record_usage(daily["Max"] - daily["Remaining"], daily["Max"])
            reason, detail = None, None
        except ConnectionNeedsAttention as exc:
            reason, detail = "token_refused", exc.message
        except SalesforceUnavailable as exc:
            reason, detail = "org_unreachable", exc.message
        except ActionError as exc:
            reason, detail = "org_unreachable", exc.message
        conn = ctx.connection.current()  # in memory: usage and problem as of this check
    usage = None
    if conn.api_usage_used is not None and conn.api_usage_max is not None:
        usage = {"used": conn.api_usage_used, "max": conn.api_usage_max}
    known: Reason | None = None
    if reason is not None:
        known = "token_refused" if reason == "token_refused" else "org_unreachable"
    return ConnectionStatus(
        connected=reason is None,
        reason=known,
        detail=(detail or REASON_TEXT.get(reason or "")) if reason else None,
        flow=conn.flow,
        instance_url=conn.instance_url,
        org_id=conn.org_id,
        user_id=conn.user_id,
        username=conn.username,
        api_version=conn.api_version,
        scopes=list(conn.scopes),
        api_usage=usage,
        connected_by=conn.connected_by,
        connected_at=conn.connected_at.isoformat(),
        actions=actions,
    )


def disconnect(ctx: ActionContext) -> dict[str, bool]:
    """Revoke the tokens at Salesforce and delete every stored secret."""
    conn = ctx.store.load()
    if conn is None:
        return {"was_connected": False, "revoked": False}
    revoked = False
    for token in (conn.refresh_token, conn.access_token):
        if token:
            revoked = oauth.revoke(ctx.connection.http, conn.login_url, token) or revoked
    ctx.store.delete()
    ctx.connection.forget()
    ctx.metadata.clear()
    return {"was_connected": True, "revoked": revoked}
