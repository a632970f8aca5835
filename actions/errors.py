"""Typed errors of the Salesforce side, each with a stable code and a clear message.

``InvalidInput`` means nothing was sent to Salesforce (CLI exit 2). Everything else means
Salesforce refused, could not be reached, or the connection needs an admin (CLI exit 1).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ActionError(Exception):
    """Base class: ``code`` is stable, ``message`` is for people, ``fields`` names inputs."""

    exit_code = 1
    default_code = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: list[str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = list(fields or [])
        self.details = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.details)
        return body


class InvalidInput(ActionError):
    """The input is wrong; nothing was sent to Salesforce."""

    exit_code = 2
    default_code = "INVALID_INPUT"


class NotConnected(ActionError):
    """No Salesforce connection is stored yet."""

    default_code = "NOT_CONNECTED"


class ConnectionNeedsAttention(ActionError):
    """The stored connection was refused even after getting a new token."""

    default_code = "CONNECTION_NEEDS_ATTENTION"


class AuthorizationFailed(ActionError):
    """Salesforce's OAuth endpoint refused the credentials (code = the OAuth ``error``)."""

    default_code = "AUTHORIZATION_FAILED"


class SalesforceRefused(ActionError):
    """Salesforce answered with an error (code = its ``errorCode``)."""

    default_code = "SALESFORCE_ERROR"


class NotFound(SalesforceRefused):
    """The record does not exist or the integration user cannot see it."""

    default_code = "NOT_FOUND"


class SalesforceUnavailable(ActionError):
    """Salesforce could not be reached or failed (timeout, connection error, 5xx)."""

    default_code = "SALESFORCE_UNAVAILABLE"


class OutcomeUnknown(SalesforceUnavailable):
    """A write timed out or failed in a way that Salesforce may still have carried out."""

    default_code = "OUTCOME_UNKNOWN"


def invalid_input_from(exc: ValidationError) -> InvalidInput:
    """Pydantic's errors as one InvalidInput naming every bad field."""
    fields, messages = [], []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "input"
        fields.append(loc)
        messages.append(f"{loc}: {err['msg']}" if err["loc"] else err["msg"])
    return InvalidInput("; ".join(messages), code="INVALID_INPUT", fields=fields)
