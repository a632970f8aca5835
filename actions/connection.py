"""The one service-account connection: stored token reused, refreshed once, retried once.

simple-salesforce is handed the stored token as ``session_id``, so it never logs in by itself
(its own re-login can loop on SFType calls). On ``INVALID_SESSION_ID`` this module gets a new
token once (once for all threads and processes: see ``ConnectionStore.refresh_access_token``),
stores it, and retries the call once; a second refusal means the connection needs an admin.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession
from sqlalchemy.exc import SQLAlchemyError
from urllib3.exceptions import NewConnectionError

from actions import oauth
from actions.config import ActionsSettings
from actions.errors import (
    ActionError,
    AuthorizationFailed,
    ConnectionNeedsAttention,
    NotConnected,
    OutcomeUnknown,
    SalesforceUnavailable,
)
from actions.http import TimeoutSession
from actions.log_context import register_secret
from actions.metrics import (
    API_LIMIT,
    API_USAGE,
    CURRENT_ACTION,
    TOKEN_REFRESHES,
    count_salesforce_call,
)
from actions.sf_errors import map_salesforce_error
from storage.connection_store import ConnectionStore, StoredConnection

logger = logging.getLogger(__name__)

T = TypeVar("T")

PROBLEM_TOKEN_REFUSED = "token_refused"  # noqa: S105 - a status name, not a secret
PROBLEM_UNREACHABLE = "org_unreachable"
USAGE_WRITE_SECONDS = 30.0
RELOAD_SECONDS = 30.0


class ExpiredSession(Exception):
    """Raised by raw (SOAP) calls when Salesforce answers INVALID_SESSION_ID."""


def new_token(http: requests.Session, conn: StoredConnection) -> oauth.TokenResponse:
    """Get a fresh access token with the stored secret material of ``conn``'s flow."""
    if conn.flow == "client_credentials":
        return oauth.client_credentials_token(
            http, conn.login_url, conn.client_id, conn.client_secret or ""
        )
    if conn.flow == "jwt":
        return oauth.jwt_bearer_token(
            http, conn.login_url, conn.client_id, conn.username or "", conn.private_key or ""
        )
    if conn.flow == "web":
        return oauth.refresh_token_grant(
            http, conn.login_url, conn.client_id, conn.client_secret, conn.refresh_token or ""
        )
    raise ConnectionNeedsAttention(f"unknown connection flow {conn.flow!r}")


def may_have_arrived(exc: OSError) -> bool:
    """Whether a failed request may have reached Salesforce (and a write been carried out).

    Only failures to connect are known not to: a connect timeout, a refused connection or a
    name that does not resolve. A read timeout or a connection dropped mid-answer may not.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps it
        return not isinstance(reason, NewConnectionError)
    return isinstance(exc, requests.RequestException)


class SalesforceConnection:
    """Calls Salesforce as the integration user, owning the token lifecycle."""

    def __init__(
        self,
        store: ConnectionStore,
        settings: ActionsSettings,
        http: requests.Session | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.http = http or TimeoutSession(settings.sf_connect_timeout, settings.sf_read_timeout)
        self._lock = threading.Lock()  # guards _conn/_sf; held only for moments
        self._refresh_lock = threading.Lock()  # one token refresh at a time in this process
        self._conn: StoredConnection | None = None
        self._usage_written = float("-inf")
        # bookkeeping that failed after Salesforce answered (reported beside the result)
        self.bookkeeping_failures: list[str] = []
        self._loaded_at = float("-inf")
        self._sf: Salesforce | None = None

    # -- state ------------------------------------------------------------------------------

    def current(self) -> StoredConnection:
        """The stored connection, kept in memory and re-read every ``RELOAD_SECONDS`` so a
        connection replaced or removed by another process (the CLI, a replica) is noticed."""
        with self._lock:
            now = time.monotonic()
            if self._conn is not None and now - self._loaded_at >= RELOAD_SECONDS:
                stored = self.store.load()
                if stored is None or (stored.connected_at, stored.token_version) != (
                    self._conn.connected_at,
                    self._conn.token_version,
                ):
                    self._conn, self._sf = None, None
                self._loaded_at = now
            if self._conn is None:
                conn = self.store.load()
                if conn is None:
                    raise NotConnected(
                        "sfbot is not connected to Salesforce yet: an admin runs `sfbot connect`"
                    )
                self._use(conn)
                self._loaded_at = now
            assert self._conn is not None
            return self._conn

    def forget(self) -> None:
        """Drop the in-memory copy (after connect/disconnect elsewhere)."""
        with self._lock:
            self._conn, self._sf = None, None

    def _set_problem(self, problem: str | None, detail: str | None = None) -> None:
        """Record (or clear) why the connection needs attention: stored, and in memory."""
        try:
            self.store.set_problem(problem, detail)
        except SQLAlchemyError:  # never hides the error being reported
            logger.exception("could not store the connection's state")
        with self._lock:
            if self._conn is not None:
                self._conn = replace(self._conn, problem=problem, problem_detail=detail)

    def _use(self, conn: StoredConnection) -> None:
        register_secret(conn.access_token, conn.refresh_token, conn.client_secret, conn.private_key)
        self._conn = conn
        self._sf = Salesforce(
            session_id=conn.access_token,
            instance_url=conn.instance_url,
            version=conn.api_version,
            session=self.http,
        )

    def _client(self) -> tuple[StoredConnection, Salesforce]:
        self.current()
        with self._lock:
            assert self._sf is not None and self._conn is not None
            return self._conn, self._sf

    def _refresh(self, seen_version: int) -> tuple[StoredConnection, Salesforce]:
        """Get a new token once for all threads (``_refresh_lock``) and processes (the
        store's lease). ``_lock`` is only held for moments, never while Salesforce is asked."""

        def fetch(conn: StoredConnection) -> str:
            logger.info("Salesforce refused the access token; getting a new one")
            try:
                token = new_token(self.http, conn).access_token
            except AuthorizationFailed:
                TOKEN_REFRESHES.labels("refused").inc()
                raise
            except Exception:
                TOKEN_REFRESHES.labels("failed").inc()
                raise
            TOKEN_REFRESHES.labels("ok").inc()
            return token

        with self._refresh_lock:
            with self._lock:
                if self._conn is not None and self._conn.token_version != seen_version:
                    assert self._sf is not None
                    return self._conn, self._sf  # another thread already refreshed
            try:
                conn = self.store.refresh_access_token(seen_version, fetch)
            except LookupError as exc:  # disconnected meanwhile (CLI or another replica)
                self.forget()
                raise NotConnected(
                    "sfbot is not connected to Salesforce any more: an admin runs `sfbot connect`"
                ) from exc
            except AuthorizationFailed as exc:
                self._set_problem(PROBLEM_TOKEN_REFUSED, exc.message)
                raise ConnectionNeedsAttention(
                    f"the Salesforce connection needs attention: {exc.message}. "
                    "An admin reconnects with `sfbot connect`."
                ) from exc
            with self._lock:
                self._use(conn)
                self._loaded_at = time.monotonic()
                assert self._sf is not None
                return conn, self._sf

    # -- calls ------------------------------------------------------------------------------

    def call(self, fn: Callable[[Salesforce], T], *, write: bool = False) -> T:
        """Run ``fn`` with the simple-salesforce client; refresh once and retry once on 401.

        ``write=True`` marks calls that must not be repeated after a timeout or 5xx: they are
        reported as ``OutcomeUnknown`` instead of being retried.
        """

        def attempt(sf: Salesforce) -> T:
            try:
                return fn(sf)
            except SalesforceExpiredSession as exc:
                raise ExpiredSession from exc

        return self._with_refresh(attempt, write=write)

    def rest(self, path: str, *, method: str = "GET", write: bool = False, **kwargs: Any) -> Any:
        """One REST call relative to ``/services/data/vXX.X/`` (JSON body as ``json=``)."""
        return self.call(lambda sf: sf.restful(path, method=method, **kwargs), write=write)

    def call_raw(self, fn: Callable[[StoredConnection], T], *, write: bool = False) -> T:
        """Like ``call`` for requests made directly (SOAP): ``fn`` raises ``ExpiredSession``."""
        return self._with_refresh(lambda _sf: fn(self._conn_or_load()), write=write)

    def _conn_or_load(self) -> StoredConnection:
        return self._conn or self.current()

    def _with_refresh(self, attempt: Callable[[Salesforce], T], *, write: bool) -> T:
        """``_call_refreshing``, counted in ``sfbot_salesforce_calls_total``."""
        try:
            result = self._call_refreshing(attempt, write=write)
        except ActionError as exc:
            count_salesforce_call(exc.code.lower())
            logger.debug("Salesforce call for %s: %s", CURRENT_ACTION.get(), exc.code)
            raise
        count_salesforce_call("ok")
        logger.debug("Salesforce call for %s: ok", CURRENT_ACTION.get())
        return result

    def _call_refreshing(self, attempt: Callable[[Salesforce], T], *, write: bool) -> T:
        conn, sf = self._client()
        try:
            try:
                result = attempt(sf)
            except ExpiredSession:
                conn, sf = self._refresh(conn.token_version)
                try:
                    result = attempt(sf)
                except ExpiredSession as exc:
                    self._set_problem(PROBLEM_TOKEN_REFUSED, "new token refused")
                    raise ConnectionNeedsAttention(
                        "Salesforce refused a freshly issued token: the connection needs "
                        "attention (is the integration user still active and allowed to use "
                        "the connected app?)"
                    ) from exc
        except ActionError:
            raise
        except SalesforceError as exc:
            raise map_salesforce_error(exc, write=write) from exc
        except OSError as exc:  # requests' errors, and a CA bundle that cannot be read
            if isinstance(exc, requests.Timeout):
                message = "Salesforce did not answer in time"
            else:
                self._set_problem(PROBLEM_UNREACHABLE, type(exc).__name__)
                message = f"could not reach Salesforce ({type(exc).__name__})"
            raise self._unavailable(write and may_have_arrived(exc), message) from exc
        try:
            self._after_success(sf)
        except SQLAlchemyError as exc:  # the call succeeded: bookkeeping must not fail it
            logger.exception("API USAGE NOT RECORDED after a successful call")
            self.bookkeeping_failures.append(f"API usage not recorded ({type(exc).__name__})")
        return result

    @staticmethod
    def _unavailable(write: bool, message: str) -> SalesforceUnavailable:
        if write:
            return OutcomeUnknown(
                f"{message}; the change may or may not have been made. Check the record in "
                "Salesforce before trying again."
            )
        return SalesforceUnavailable(message)

    def _after_success(self, sf: Salesforce) -> None:
        usage = getattr(sf, "api_usage", {}).get("api-usage")
        conn = self._conn
        if conn is None:
            return
        if usage is not None:
            self.record_usage(usage.used, usage.total)
        elif conn.problem:
            self._set_problem(None)

    def record_usage(self, used: int, total: int) -> None:
        """Keep the org's API usage (from ``Sforce-Limit-Info``) for `sfbot status`."""
        API_USAGE.set(used)
        API_LIMIT.set(total)
        conn = self._conn
        if conn is None:
            return
        if (used, total) == (conn.api_usage_used, conn.api_usage_max) and not conn.problem:
            return
        now = time.monotonic()
        with self._lock:
            # One write per half minute at most: the count changes on every call. Taken under
            # the lock, or every call of a burst sees the half minute gone and writes.
            write = bool(conn.problem) or now - self._usage_written >= USAGE_WRITE_SECONDS
            if write:
                self._usage_written = now
        if write:
            self.store.record_usage(used, total)
            if conn.problem:
                self.store.set_problem(None)
        with self._lock:
            if self._conn is conn:
                self._conn = replace(conn, api_usage_used=used, api_usage_max=total, problem=None)
