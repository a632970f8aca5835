"""The one place access is checked: a global Bolt middleware that runs before every listener.

Keyed on the payload type (``bot.permissions.required``), so every slash command, block
action, options request, view submission, shortcut and message shortcut is covered, and
every event a person caused (``event.user``): guests are refused from all of it and nothing
they do reaches Salesforce; admin-only ids need an sfbot admin and the allow-listed actions
a user on their list, whoever crafted the payload. A refusal is acknowledged at once, told
to the user where Slack lets us (response_url, the modal, or a small modal for a global
shortcut) and written to the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot.access import Refusal
from bot.blocks.modal import modal, note
from bot.permissions import required
from bot.services import Services, services_of
from bot.slack_urls import is_slack_response_url, slack_reply_hosts
from storage.audit_store import AuditEntry

logger = logging.getLogger(__name__)


def user_of(body: dict[str, Any]) -> str | None:
    """The Slack user behind a request: the command's, the interaction's, or the event's."""
    if "command" in body:
        return body.get("user_id")
    if body.get("type") == "event_callback":
        user = (body.get("event") or {}).get("user")
        return user if isinstance(user, str) else None
    user = body.get("user")
    return user.get("id") if isinstance(user, dict) else None


def channel_of(body: dict[str, Any]) -> str | None:
    if "command" in body:
        return body.get("channel_id")
    event = body.get("event") or {}
    if isinstance(event.get("channel"), str):
        return str(event["channel"])
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def refused_modal(text: str) -> dict[str, Any]:
    return modal("sfbot", "", [note(text)]).to_dict()


def access_middleware() -> Callable[..., Any]:
    """Global middleware, added after ``services_middleware``."""

    def check_access(
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        user_id = user_of(body)
        services = services_of(context)
        if not user_id or user_id == context.bot_user_id:
            return next()
        needs = required(body)
        if body.get("type") == "event_callback":
            needs = [(needs[0][0], str((body.get("event") or {}).get("type") or "event"))]
        refusal = services.access.refusal(client, user_id, needs)
        if refusal is None:
            return next()
        logger.info("refused %s to %s: %s", refusal.about, user_id, refusal.reason)
        audit_refusal(services, body, user_id, refusal)
        return tell_refusal(services, client, body, refusal.text)

    return check_access


def audit_refusal(services: Services, body: dict[str, Any], user_id: str, refusal: Refusal) -> None:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    try:
        services.audit.record(
            AuditEntry(
                action=refusal.about[:64],
                outcome="refused",
                slack_team_id=team,
                slack_user_id=user_id,
                channel_id=channel_of(body),
                error_code=refusal.reason,
            )
        )
    except SQLAlchemyError:
        logger.exception("could not write the audit entry for a refusal to %s", user_id)


def tell_refusal(
    services: Services, client: WebClient, body: dict[str, Any], text: str
) -> BoltResponse:
    """Acknowledge now; tell the user after the ack (never a Salesforce call)."""
    kind = "command" if "command" in body else body.get("type")
    if kind == "view_submission":
        return BoltResponse(
            status=200, body={"response_action": "update", "view": refused_modal(text)}
        )
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    response_url = body.get("response_url")
    if not is_slack_response_url(response_url, slack_reply_hosts(services.settings.slack_api_url)):
        response_url = None  # only ever a reply to Slack (bot.slack_urls)
    view_id = (body.get("view") or {}).get("id")
    trigger_id = body.get("trigger_id")

    def tell() -> None:
        try:
            if response_url:
                WebhookClient(response_url, timeout=5).send(
                    text=text, response_type="ephemeral", replace_original=False
                )
            elif kind == "block_actions" and view_id:
                client.views_update(view_id=view_id, view=refused_modal(text))
            elif kind == "shortcut" and trigger_id:
                client.views_open(trigger_id=trigger_id, view=refused_modal(text))
        except (SlackApiError, OSError):
            logger.warning("could not tell the user about a refusal")

    if kind != "event_callback":
        services.background.submit(tell)
    return BoltResponse(status=200, body="")
