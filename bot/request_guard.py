"""The gate in front of Bolt for ``POST /slack/events``: size, signature, then shape.

Nothing of a request's body is parsed, logged or acted on before its signature is checked:

1. A body larger than ``MAX_BODY_BYTES`` is refused with 413 (waitress refuses it first, from
   the same constant, without buffering it; see ``bot.server``).
2. ``X-Slack-Request-Timestamp`` must be ASCII decimal digits within five minutes of now, and
   ``X-Slack-Signature`` must be ``v0=`` and 64 lowercase hex digits matching
   HMAC-SHA256(signing secret, ``v0:{timestamp}:{raw body}``); anything else is 401.
   https://docs.slack.dev/authentication/verifying-requests-from-slack
3. A signed body that is not a Slack payload Bolt and sfbot can route (bad JSON, invalid
   UTF-8, a JSON array, ``payload=null``, ``actions`` as a string...) is 400 with one log line
   (``bot.request_shape`` says what is wrong), never a stack trace and never a 5xx.

The one exception is Slack's ``ssl_check`` (a tiny form body ``ssl_check=1&token=...`` that
Slack may send unsigned when a slash command URL is saved): it is answered 200 and nothing
else happens, as Bolt's own SslCheck middleware does.
https://docs.slack.dev/interactivity/implementing-slash-commands

Why not ``slack_sdk.signature.SignatureVerifier`` here: it raises on a malformed timestamp
(``int("abc")``) and decodes the body as UTF-8 before hashing, so it cannot tell a forged
non-UTF-8 body (401) from a signed one (400). The HMAC below is its exact recipe over the raw
bytes; Bolt's RequestVerification middleware still runs after this gate.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from bot.request_shape import payload_problem

logger = logging.getLogger(__name__)

# Slack's largest deliveries are interactions that carry a modal view (views are capped at
# 250 kB, `view_too_large`) with its state and the message it came from; form encoding can
# double JSON. 1 MiB is four times that cap; bolt-js caps at 4 MB for any app.
MAX_BODY_BYTES = 1 << 20
MAX_SKEW_SECONDS = 5 * 60  # Slack's documented replay window
SSL_CHECK_MAX_BYTES = 1024
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # fullmatch: ASCII digits only, no sign, dot or 0x
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Refusal(Exception):
    """A request answered by the gate itself."""

    def __init__(self, status: str, error: str):
        super().__init__(error)
        self.status, self.error = status, error


def signature_problem(
    secret: bytes, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """Why a request is not signed by Slack, or None when it is."""
    if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
        return "missing or malformed X-Slack-Request-Timestamp"
    if not signature or not _SIGNATURE.fullmatch(signature):
        return "missing or malformed X-Slack-Signature"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale X-Slack-Request-Timestamp"
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature does not match"
    return None


class RequestGuard:
    """WSGI middleware: only signed, well-formed requests reach ``inner`` (Bolt's handler)."""

    def __init__(self, inner: WsgiApp, signing_secret: str, clock: Callable[[], float] = time.time):
        self.inner = inner
        self.secret = signing_secret.encode()
        self.clock = clock

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            body = self._check(environ)
        except Refusal as refusal:
            return _answer(start_response, refusal.status, {"error": refusal.error})
        if body is None:  # ssl_check
            return _answer(start_response, "200 OK", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.inner(environ, start_response)

    def _check(self, environ: dict[str, Any]) -> bytes | None:
        body = _read_body(environ)
        if _is_ssl_check(environ, body):
            return None
        problem = signature_problem(
            self.secret,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
            body,
            self.clock(),
        )
        if problem:
            logger.warning("refused an unsigned request from %s: %s", _peer(environ), problem)
            raise Refusal("401 Unauthorized", "invalid_signature")
        body = self._without_payload_word(environ, body)
        problem = payload_problem(body, environ.get("CONTENT_TYPE"))
        if problem:
            logger.warning("refused a malformed signed request: %s", problem)
            raise Refusal("400 Bad Request", "malformed_payload")
        return body

    def _without_payload_word(self, environ: dict[str, Any], body: bytes) -> bytes:
        """Bolt reads any form body that contains the word "payload" as an interaction
        (``slack_bolt.request.internals.parse_body``), so ``/sf lookup payload@corp.com`` would
        reach Bolt as ``{}``. A verified slash-command body with no ``payload`` field gets the
        word's ``a`` percent-encoded (``p%61yload``: the same text once decoded) and is signed
        again with the same timestamp, so that Bolt's own check still passes."""
        if b"payload" not in body or body.lstrip().startswith(b"{"):
            return body
        if "payload" in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True):
            return body
        body = body.replace(b"payload", b"p%61yload")
        timestamp = str(environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"]).encode("ascii")
        base = b"v0:" + timestamp + b":" + body
        environ["HTTP_X_SLACK_SIGNATURE"] = (
            "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        )
        return body


def _read_body(environ: dict[str, Any]) -> bytes:
    raw_length = environ.get("CONTENT_LENGTH") or "0"
    if not raw_length.isascii() or not raw_length.isdigit():
        raise Refusal("400 Bad Request", "bad_content_length")
    length = int(raw_length)
    if length > MAX_BODY_BYTES:
        logger.warning("refused a %d-byte request from %s", length, _peer(environ))
        raise Refusal("413 Payload Too Large", "body_too_large")
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length else b""
    return bytes(body)


def _is_ssl_check(environ: dict[str, Any], body: bytes) -> bool:
    if len(body) > SSL_CHECK_MAX_BYTES or b"ssl_check" not in body:
        return False
    if not (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return False
    fields = parse_qs(body.decode("ascii", "replace"), keep_blank_values=True)
    return fields.get("ssl_check") == ["1"] and set(fields) <= {"ssl_check", "token"}


def _peer(environ: dict[str, Any]) -> str:
    return str(environ.get("REMOTE_ADDR") or "?")


def _answer(
    start_response: Callable[..., Any], status: str, payload: dict[str, str] | None
) -> list[bytes]:
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = [("Content-Length", str(len(body)))]
    if payload is not None:
        headers.append(("Content-Type", "application/json"))
    start_response(status, headers)
    return [body]
