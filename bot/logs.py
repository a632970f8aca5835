"""Logging for every sfbot command: ``SFBOT_LOG_LEVEL`` and ``SFBOT_LOG_FORMAT`` (``text``, the
default, or ``json``: one JSON object per line with ``ts``, ``level``, ``logger``, ``message``,
``request_id``, ``thread`` and ``exc`` when there is one).

Every line, in both formats, goes through actions.log_context.redact: registered secrets and
anything shaped like a token are replaced by ``[REDACTED]`` (the libraries below log request
headers and bodies at DEBUG).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from actions.log_context import REQUEST_ID, redact, register_secret

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "thread": record.threadName,
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.stack_info:
            entry["exc"] = redact(self.formatStack(record.stack_info))
        if entry["request_id"] == "-":
            entry["request_id"] = None
        return json.dumps(entry, ensure_ascii=False, default=str)


def register_settings_secrets(settings: BaseSettings) -> None:
    """Every SecretStr setting (Slack's tokens and signing secret, the encryption key, ...)."""
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            register_secret(value.get_secret_value())


def configure_logging(default: str = "WARNING") -> None:
    """The root logger: one stderr handler, the format and level from the environment."""
    level = os.environ.get("SFBOT_LOG_LEVEL", default).upper()
    json_lines = os.environ.get("SFBOT_LOG_FORMAT", "text").strip().lower() == "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if json_lines else RedactingFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.WARNING))
    # slack_sdk's Socket Mode client logs every envelope at DEBUG, modal state included (a
    # client secret typed into the connect modal): never below INFO, whatever SFBOT_LOG_LEVEL.
    socket_mode = logging.getLogger("slack_sdk.socket_mode")
    socket_mode.setLevel(max(root.level, logging.INFO))
