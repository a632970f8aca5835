"""A private reply that survives a failing response_url.

Bolt's ``respond`` returns the response_url's answer instead of raising; a 5xx there (or an
expired or used URL, 404) would lose the reply silently. ``reply_privately`` then posts the same
message with ``chat.postEphemeral`` to the user in that channel, or, when that is refused
(a DM or a channel sfbot is not in), in the user's DM with sfbot, and logs which it did.
https://docs.slack.dev/reference/methods/chat.postEphemeral
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block

logger = logging.getLogger(__name__)


def reply_privately(
    respond: Respond,
    client: WebClient,
    *,
    user_id: str,
    channel_id: str | None,
    text: str,
    blocks: Sequence[Block | dict[str, Any]] | None = None,
) -> None:
    try:
        status = respond(response_type="ephemeral", text=text, blocks=blocks).status_code
    except (SlackClientError, OSError, ValueError) as exc:
        status, reason = None, type(exc).__name__
    else:
        reason = f"HTTP {status}"
    if status is not None and 200 <= status < 300:
        return
    logger.warning(
        "response_url failed (%s); replying to %s with chat.postEphemeral", reason, user_id
    )
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as exc:
            logger.warning(
                "chat.postEphemeral refused (%s); sending a DM", exc.response.get("error")
            )
        except (SlackClientError, OSError) as exc:
            logger.warning("chat.postEphemeral failed (%s); sending a DM", type(exc).__name__)
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except (SlackClientError, OSError) as exc:
        logger.error("could not reply to %s at all: %s", user_id, type(exc).__name__)
