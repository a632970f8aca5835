"""Telling a Slack user what went wrong, without stack traces or secrets."""

from __future__ import annotations

from actions.errors import (
    ActionError,
    ConnectionNeedsAttention,
    InvalidInput,
    NotConnected,
    OutcomeUnknown,
    SalesforceUnavailable,
)


def user_message(exc: ActionError) -> str:
    """One short mrkdwn paragraph for an action's failure."""
    if isinstance(exc, InvalidInput):
        return f":warning: {exc.message}"
    if isinstance(exc, NotConnected):
        return (
            ":electric_plug: sfbot is not connected to Salesforce yet. An admin runs `/sf connect`."
        )
    if isinstance(exc, ConnectionNeedsAttention):
        return f":electric_plug: The Salesforce connection needs an admin: {exc.message}"
    if isinstance(exc, OutcomeUnknown):
        return f":hourglass: {exc.message}"
    if isinstance(exc, SalesforceUnavailable):
        return f":cloud: Salesforce is not answering right now ({exc.message}). Try again soon."
    extra = ""
    duplicates = exc.details.get("duplicates")
    if duplicates:
        extra = " Matching records: " + ", ".join(f"`{d}`" for d in duplicates)
    return f":no_entry: Salesforce refused: {exc.message} (`{exc.code}`).{extra}"
