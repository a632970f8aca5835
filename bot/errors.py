"""Telling a Slack user what went wrong, without stack traces or secrets."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

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


SLACK_BUSY = ":hourglass: Slack is busy, try again in a few seconds."
UNEXPECTED = ":boom: Something went wrong in sfbot; the error was logged for the admins."


def slack_rate_limited(exc: BaseException) -> bool:
    """Slack answered 429 even after the client's retries (Retry-After honoured)."""
    if not isinstance(exc, SlackApiError):
        return False
    response = exc.response
    return response.status_code == 429 or response.get("error") == "ratelimited"


def unexpected_failure_message(exc: BaseException) -> str:
    """What the user is told when something other than an action failed."""
    return SLACK_BUSY if slack_rate_limited(exc) else UNEXPECTED
