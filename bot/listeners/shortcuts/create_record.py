"""Shortcuts "Create Salesforce record" (global) and "... from message" (message shortcut).

Both open the create modal with the object picker at once (a trigger_id lasts 3 s). From a
message, Description starts with the message's text; its permalink is fetched after the modal
opened and added with ``views.update``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.record_modal import INPUT_MAX, Values
from bot.ids import BlockId, CallbackId
from bot.listeners.views.record_modal import fill_create_form, open_create_modal
from bot.services import services_of

logger = logging.getLogger(__name__)


def plain_text(mrkdwn: str) -> str:
    """A message's text without Slack's escaping of &, < and >."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def description_from(text: str, permalink: str | None) -> str:
    """The message's text and, on its own line, its permalink, within the input's limit."""
    if not permalink:
        return text[:INPUT_MAX]
    suffix = f"\n\nFrom Slack: {permalink}"
    return text[: INPUT_MAX - len(suffix)].rstrip() + suffix


def on_global_create(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    open_create_modal(client, trigger_id=shortcut["trigger_id"], channel_id=None)


def on_create_from_message(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    message = shortcut["message"]
    channel_id = str(shortcut["channel"]["id"])
    text = plain_text(message.get("text") or "")
    opened = open_create_modal(
        client,
        trigger_id=shortcut["trigger_id"],
        channel_id=channel_id,
        description=description_from(text, None) or None,
    )
    try:
        link = client.chat_getPermalink(channel=channel_id, message_ts=str(message["ts"]))
    except SlackApiError as exc:
        logger.info("no permalink for the message: %s", exc.response.get("error"))
        return
    described: Values = {BlockId.DESCRIPTION: description_from(text, str(link["permalink"]))}
    fill_create_form(client, services_of(context), opened, None, described)


def register(app: App) -> None:
    app.global_shortcut(CallbackId.GLOBAL_CREATE)(on_global_create)
    app.message_shortcut(CallbackId.MESSAGE_CREATE)(on_create_from_message)
