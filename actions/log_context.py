"""What every log line may carry, and what none may: the request id and the secret registry.

``REQUEST_ID`` ties the log lines of one piece of work together (the Slack request's ack, the
Salesforce calls it made, the reply): set by bot.server for an HTTP request and by the Bolt
middleware for a Socket Mode envelope, carried into the background pools by
actions.pools.TrackedPool (which runs each task in a copy of the submitter's contextvars).

``register_secret`` lists values that must never reach a log (the connection's tokens and
client secret as they are loaded or refreshed, Slack's tokens and signing secret at start-up);
bot.logs replaces them, and anything shaped like a token, in every formatted line.
"""

from __future__ import annotations

import contextvars
import re
import secrets
import threading
from collections import deque

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sfbot_request_id", default=None
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

MIN_SECRET_LENGTH = 8  # shorter values would blank out ordinary words
REDACTED = "[REDACTED]"
_SECRETS: deque[str] = deque(maxlen=256)  # old tokens drop out; current ones are re-added
_LOCK = threading.Lock()

# Token shapes, whoever's they are: Slack tokens, Salesforce access tokens (org id ! token),
# refresh tokens (5Aep861...), and credentials in headers, query strings and JSON bodies.
PATTERNS = [
    re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}"),
    re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{10,}"),
    re.compile(r"\b5Aep861[A-Za-z0-9._-]{10,}"),
    re.compile(r"(?i)(bearer\s+|oauth\s+)[A-Za-z0-9._!~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|client_assertion|assertion|"
        r"signing_secret|password|sessionId|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}<]{4,}"
    ),
    re.compile(r"(?i)(<(?:\w+:)?sessionId>)[^<]+"),
]


def new_request_id() -> str:
    return secrets.token_hex(8)


def safe_request_id(value: str | None) -> str:
    """A caller's id (e.g. nginx's X-Request-Id) if it is plain, else a new one."""
    return value if value and _SAFE_ID.match(value) else new_request_id()


def register_secret(*values: str | None) -> None:
    with _LOCK:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH and value not in _SECRETS:
                _SECRETS.append(value)


def redact(text: str) -> str:
    with _LOCK:
        known = sorted(_SECRETS, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text
