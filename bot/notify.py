"""Telling a user how work started from Slack ended: where they started it, else in a DM."""

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
    response_url: str | None = None,
    channel_id: str | None = None,
) -> None:
    """An ephemeral message through ``response_url``, else in ``channel_id``; else, or when
    that fails, a DM.

    The work being reported is already done, so a message Slack refuses is logged, never
    raised: a card that could not be delivered must not turn a saved record into an error.
    """
    if response_url and _via_response_url(response_url, text, blocks):
        return
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except (SlackApiError, OSError) as exc:
            logger.info("ephemeral message failed (%s); sending a DM", _reason(exc))
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except (SlackApiError, OSError) as exc:
        logger.warning("could not DM the result to %s: %s", user_id, _reason(exc))


def _via_response_url(response_url: str, text: str, blocks: Sequence[Block]) -> bool:
    try:
        sent = WebhookClient(response_url, timeout=5).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
    except OSError as exc:
        logger.warning("response_url unreachable (%s); sending a DM", type(exc).__name__)
        return False
    if sent.status_code != 200:
        logger.warning("response_url refused the message (HTTP %s); sending a DM", sent.status_code)
        return False
    return True


def _reason(exc: SlackApiError | OSError) -> object:
    return exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
