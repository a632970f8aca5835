"""Message shortcut "Add to Salesforce record": open the modal, then fill in the message.

The modal opens at once (a trigger_id lasts 3 s); the message's permalink and its author's
name are fetched after, and the form is put in with ``views.update``.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.add_to_record import LogForm, default_subject, log_form_view, log_loading_view
from bot.blocks.text import unescape_message_text
from bot.ids import CallbackId
from bot.listeners.views.add_to_record import LogMeta

logger = logging.getLogger(__name__)


def message_permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        logger.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        return None


def author_name(client: WebClient, message: dict[str, Any]) -> str:
    """The message author's display name; a bot's name for bot messages."""
    user_id = message.get("user")
    if not user_id:
        return str(message.get("username") or "a bot")
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        logger.warning("users.info failed: %s", exc.response.get("error"))
        return f"user {user_id}"
    profile = user.get("profile") or {}
    return str(
        profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    )


def on_add_to_record(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    opened = client.views_open(trigger_id=shortcut["trigger_id"], view=log_loading_view())
    message = shortcut["message"]
    channel_id = shortcut["channel"]["id"]
    permalink = message_permalink(client, channel_id, message["ts"])
    meta = LogMeta(
        channel_id=channel_id, permalink=permalink, response_url=shortcut.get("response_url")
    )
    form = LogForm(
        subject=default_subject(author_name(client, message)),
        text=unescape_message_text(message.get("text") or ""),
        has_permalink=permalink is not None,
    )
    client.views_update(view_id=opened["view"]["id"], view=log_form_view(form, meta.dump()))


def register(app: App) -> None:
    app.message_shortcut(CallbackId.MESSAGE_ADD_TO_RECORD)(on_add_to_record)
