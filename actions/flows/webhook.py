"""``webhook`` triggers: a signed ``POST /flows/NAME/webhook`` starts the flow NAME.

The caller (an AI lead scorer, a form, another system) sends::

    X-Sfbot-Timestamp: 1764669600                       # unix seconds
    X-Sfbot-Signature: sha256=HEX                       # HMAC-SHA256, key = the flow's secret,
                                                        # message = TIMESTAMP + "." + raw body

(the scheme Slack uses for its own requests, with our header names). The secret is read from the
environment variable the flow names in ``secret_env``, never stored in the database. A missing or
wrong signature, or a timestamp more than five minutes away, is 401 and runs nothing; a replay of
an accepted request (the same signature) runs nothing twice: the run is claimed with the key
``webhook:{sha256 of the signature}``. An accepted request is 202 ``{"run_id": N}``; its JSON body
is ``trigger.body``. HTTP-agnostic: ``bot.webhook_http`` serves it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from actions.flows.flows_cache import Flow
from actions.flows.model import WebhookTrigger
from actions.flows.ports import WEBHOOK, TriggerEvent

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Sfbot-Timestamp"
SIGNATURE_HEADER = "X-Sfbot-Signature"
MAX_SKEW_SECONDS = 300
MAX_BODY_BYTES = 256 * 1024
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=([0-9a-f]{64})$")


class Engine(Protocol):
    def flow(self, name: str) -> Flow | None: ...

    def start(self, flow: Flow, event: TriggerEvent) -> int | None: ...


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Sfbot-Signature`` value for a request (for callers and tests)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _refused(reason: str) -> WebhookAnswer:
    return WebhookAnswer(401, {"error": "invalid_signature", "message": reason})


def check_signature(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """None when the request is signed with ``secret`` and fresh; else why not."""
    if not timestamp or not _TIMESTAMP.match(timestamp):
        return f"{TIMESTAMP_HEADER} must be unix seconds"
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return f"{TIMESTAMP_HEADER} is more than {MAX_SKEW_SECONDS} seconds away"
    if not signature or not _SIGNATURE.match(signature):
        return f"{SIGNATURE_HEADER} must be sha256=HEX"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "the signature does not match"
    return None


def accept_webhook(
    engine: Engine,
    name: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    environ: Mapping[str, str] = os.environ,
) -> WebhookAnswer:
    """Verify, then start the flow; what to answer the caller."""
    flow = engine.flow(name)
    if flow is None or flow.trigger_kind != WEBHOOK:
        return WebhookAnswer(404, {"error": "no_such_flow", "message": "no webhook flow here"})
    trigger = flow.definition.trigger
    assert isinstance(trigger, WebhookTrigger)
    secret = environ.get(trigger.secret_env)
    if not secret:
        logger.error("webhook of flow %s: %s is not set; refusing", name, trigger.secret_env)
        return WebhookAnswer(503, {"error": "not_configured", "message": "the secret is not set"})
    timestamp, signature = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    problem = check_signature(secret, timestamp, signature, body, now.timestamp())
    if problem is not None:
        logger.warning("webhook of flow %s refused: %s", name, problem)
        return _refused(problem)
    assert signature is not None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return WebhookAnswer(400, {"error": "invalid_json", "message": "the body must be JSON"})
    if not flow.enabled:
        return WebhookAnswer(409, {"error": "flow_disabled", "message": f"{name} is disabled"})
    event = TriggerEvent(
        kind=WEBHOOK,
        key="webhook:" + hashlib.sha256(signature.encode()).hexdigest(),
        variables={"body": data, "received_at": now.astimezone(UTC).isoformat()},
        flow=flow.name,
    )
    run_id = engine.start(flow, event)
    if run_id is None:
        return WebhookAnswer(200, {"run_id": None, "duplicate": True})
    return WebhookAnswer(202, {"run_id": run_id})
