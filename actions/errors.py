"""Typed errors of the Salesforce side, each with a stable code and a clear message.

``InvalidInput`` means nothing was sent to Salesforce (CLI exit 2). Everything else means
Salesforce refused, could not be reached, or the connection needs an admin (CLI exit 1).
"""

from __future__ import annotations

from collections.abc import Mapping
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
        messages.append(readable_error(err))
    return InvalidInput("; ".join(messages), code="INVALID_INPUT", fields=fields)


# Pydantic's wording ("String should have at least 2 characters") said as a person would.
READABLE: dict[str, str] = {
    "missing": "is required",
    "string_too_short": "needs at least {min_length} character{s_min}",
    "string_too_long": "can have at most {max_length} character{s_max}",
    "too_short": "needs at least {min_length} item{s_min}",
    "too_long": "can have at most {max_length} item{s_max}",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a set of named values",
    "list_type": "must be a list",
    "date_parsing": "must be a date like 2025-01-31",
    "date_from_datetime_parsing": "must be a date like 2025-01-31",
    "date_type": "must be a date like 2025-01-31",
    "extra_forbidden": "is not something this takes",
    "string_pattern_mismatch": "is not in the expected form",
}


def readable_error(err: Mapping[str, Any]) -> str:
    """One pydantic error as a short sentence about the field it names."""
    loc = ".".join(str(p) for p in err.get("loc") or ())
    ctx = dict(err.get("ctx") or {})
    template = READABLE.get(str(err.get("type")))
    if template is not None:
        for bound in ("min_length", "max_length"):
            ctx[f"s_{bound[:3]}"] = "" if ctx.get(bound) == 1 else "s"
        try:
            text = template.format(**ctx)
        except (KeyError, IndexError, ValueError):
            text = None
        if text is not None:
            return f"{loc or 'the input'} {text}"
    message = str(err.get("msg") or "is not valid").removeprefix("Value error, ")
    if message.startswith("Input should be "):
        message = "should be " + message.removeprefix("Input should be ")
    elif message.startswith("Input "):
        message = message.removeprefix("Input ")
    return f"{loc}: {message}" if loc else message
