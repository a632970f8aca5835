"""Secrets never reach sfbot's log, at any level: a filter on the root handlers.

It masks the configured secrets by value (``add``: signing secret, Slack tokens) and, by
shape, Slack tokens (``xoxb-``, ``xapp-``...), bearer tokens, Salesforce access tokens
(``00D...!...``) and ``client_secret``/``refresh_token``/``access_token``/``password``/
``private_key`` values, in messages and in formatted tracebacks. Socket Mode's DEBUG lines,
which print every envelope (modal state included), are kept at INFO.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, SecretStr

MASK = "[redacted]"
# each pattern: (kept prefix)(secret); the secret is replaced by MASK
SECRET_SHAPES = (
    re.compile(r"()\bxox[a-z]-[A-Za-z0-9-]+"),
    re.compile(r"()\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer\s+)[^\s'\",]+"),
    re.compile(r"()\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+"),
    re.compile(
        r"(?i)((?:client_secret|refresh_token|access_token|password|private_key)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
)
QUIET_AT_DEBUG = ("slack_sdk.socket_mode", "slack_bolt.adapter.socket_mode")


class SecretRedactor(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._values: set[str] = set()

    def add(self, *values: str | None) -> None:
        self._values.update(v for v in values if v and len(v) >= 8)

    def add_secrets_of(self, settings: BaseModel) -> None:
        """Every SecretStr setting (signing secret, tokens, the encryption keys)."""
        for _, value in settings:
            if isinstance(value, SecretStr):
                self.add(value.get_secret_value(), *value.get_secret_value().split(","))

    def redact(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, MASK)
        for shape in SECRET_SHAPES:
            text = shape.sub(lambda m: m.group(1) + MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


REDACTOR = SecretRedactor()


def install(root: logging.Logger | None = None) -> None:
    """Put the redactor on every handler of the root logger (after basicConfig)."""
    root = root or logging.getLogger()
    for handler in root.handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(logging.INFO)
