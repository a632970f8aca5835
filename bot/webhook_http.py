"""``POST /flows/NAME/webhook`` over WSGI: read a bounded body, answer ``accept_webhook``'s JSON.

Served beside ``/slack/events`` in HTTP mode, and on its own (with ``/healthz``) in Socket Mode
when ``PORT`` is set, so a scorer can call sfbot while Slack still reaches it outbound only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from actions.flows.webhook import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Engine,
    WebhookAnswer,
    accept_webhook,
)
from storage.times import utcnow

WEBHOOK_PATH = re.compile(r"^/flows/([a-z0-9][a-z0-9-]{0,63})/webhook$")
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    503: "Service Unavailable",
}


def webhook_name(path: str) -> str | None:
    """The flow name in a webhook path, or None when the path is not one."""
    found = WEBHOOK_PATH.match(path)
    return found.group(1) if found else None


def _header(environ: dict[str, Any], name: str) -> str | None:
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return str(value) if value is not None else None


def _read_body(environ: dict[str, Any]) -> bytes | WebhookAnswer:
    raw = str(environ.get("CONTENT_LENGTH") or "")
    if not raw.isascii() or not raw.isdigit():
        return WebhookAnswer(411, {"error": "length_required", "message": "send Content-Length"})
    length = int(raw)
    if length > MAX_BODY_BYTES:
        return WebhookAnswer(413, {"error": "too_large", "message": f"at most {MAX_BODY_BYTES}"})
    return bytes(environ["wsgi.input"].read(length))


def serve_webhook(
    engine: Engine | None, name: str, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "POST":
        answer = WebhookAnswer(405, {"error": "method_not_allowed", "message": "POST only"})
        return _respond(answer, start_response, [("Allow", "POST")])
    if engine is None:
        answer = WebhookAnswer(404, {"error": "no_such_flow", "message": "flows are not running"})
        return _respond(answer, start_response)
    body = _read_body(environ)
    if isinstance(body, WebhookAnswer):
        return _respond(body, start_response)
    headers = {
        h: v for h in (TIMESTAMP_HEADER, SIGNATURE_HEADER) if (v := _header(environ, h)) is not None
    }
    return _respond(accept_webhook(engine, name, headers, body, now=utcnow()), start_response)


def _respond(
    answer: WebhookAnswer,
    start_response: Callable[..., Any],
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(answer.body).encode()
    start_response(
        f"{answer.status} {_REASONS.get(answer.status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(extra or [])],
    )
    return [data]
