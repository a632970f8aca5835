"""Shortcuts "Create Salesforce record" (global) and "... from message" (message shortcut).

Both open the create modal with the object picker at once (a trigger_id lasts 3 s). From a
message, Description starts with the message's text; its permalink is fetched after the modal
opened and added to the description when the record is created.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.record_modal import INPUT_MAX
from bot.blocks.text import unescape_message_text
from bot.ids import CallbackId
from bot.listeners.views.record_modal import open_create_modal, remember_permalink
from bot.services import services_of

logger = logging.getLogger(__name__)


def on_global_create(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    open_create_modal(client, trigger_id=shortcut["trigger_id"], channel_id=None)


def on_create_from_message(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    message = shortcut["message"]
    channel_id = str(shortcut["channel"]["id"])
    text = unescape_message_text(message.get("text") or "")[:INPUT_MAX]
    opened = open_create_modal(
        client, trigger_id=shortcut["trigger_id"], channel_id=channel_id, description=text or None
    )
    try:
        link = client.chat_getPermalink(channel=channel_id, message_ts=str(message["ts"]))
    except SlackApiError as exc:
        logger.info("no permalink for the message: %s", exc.response.get("error"))
        return
    # Slack keeps what an input shows across views.update (same block and action ids), so the
    # permalink is not put into Description now: it is kept in private_metadata and added to
    # the description when the record is created.
    remember_permalink(client, services_of(context), opened, str(link["permalink"]))


def register(app: App) -> None:
    app.global_shortcut(CallbackId.GLOBAL_CREATE)(on_global_create)
    app.message_shortcut(CallbackId.MESSAGE_CREATE)(on_create_from_message)
