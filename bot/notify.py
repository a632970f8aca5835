"""Telling a user how work started from a modal ended: where they started it, else in a DM."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

logger = logging.getLogger(__name__)


def tell_user(
    client: WebClient,
    user_id: str,
    *,
    text: str,
    blocks: Sequence[Block],
    response_url: str | None,
) -> None:
    """An ephemeral message through ``response_url`` (the origin channel), or a DM.

    The work being reported is already done, so a message Slack refuses is logged, not raised.
    """
    if response_url:
        try:
            sent = WebhookClient(response_url, timeout=5).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        except OSError as exc:
            logger.warning("response_url unreachable (%s); sending a DM", type(exc).__name__)
        else:
            if sent.status_code == 200:
                return
            logger.warning(
                "response_url refused the message (HTTP %s); sending a DM", sent.status_code
            )
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        logger.warning("could not DM the result to %s: %s", user_id, exc.response.get("error"))
