"""``SlackFlowPort``: the engine's ``FlowSlack`` port over the app's WebClient.

Messages are posted with chat.postMessage (a user id as ``channel`` posts in the app's DM with
that user: https://docs.slack.dev/reference/methods/chat.postMessage#channels), asks are
buttons whose value carries the ask id and the choice, and a closed ask is replaced with
chat.update. Slack's refusals become ``FlowSlackError`` with Slack's error code, which the
engine records on the step.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from actions.flows.ports import Destination, FlowSlackError, PostedMessage
from actions.lookup_record import RecordSummary
from bot.blocks.cards import record_card
from bot.blocks.text import SECTION_TEXT_MAX, truncate
from bot.flows.channels import WebApiChannels
from bot.ids import ActionId, BlockId

logger = logging.getLogger(__name__)

T = TypeVar("T")
BUTTON_TEXT_MAX = 75
TIMED_OUT = "timed_out"


def slack_call(fn: Callable[[], T]) -> T:
    """Run one Web API call; Slack's refusal or an unreachable Slack is a FlowSlackError."""
    try:
        return fn()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        raise FlowSlackError(f"Slack refused: {error}", error) from exc
    except (SlackClientError, OSError) as exc:
        raise FlowSlackError(
            f"Slack could not be reached ({type(exc).__name__})", "unreachable"
        ) from exc


def ask_value(ask_id: str, choice: str) -> str:
    return json.dumps({"ask": ask_id, "choice": choice}, separators=(",", ":"))


def parse_ask_value(value: str) -> tuple[str, str] | None:
    """(ask id, choice) from a button's value; None if it is not an ask button's."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    ask, choice = data.get("ask"), data.get("choice")
    return (ask, choice) if isinstance(ask, str) and isinstance(choice, str) else None


def text_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text or " ", SECTION_TEXT_MAX)))


def ask_blocks(ask_id: str, text: str, choices: list[str]) -> list[Block]:
    buttons = [
        ButtonElement(
            text=truncate(choice, BUTTON_TEXT_MAX),
            action_id=f"{ActionId.FLOW_ASK}:{i}",
            value=ask_value(ask_id, choice),
        )
        for i, choice in enumerate(choices)
    ]
    return [
        text_section(text),
        ActionsBlock(block_id=f"{BlockId.FLOW_ASK}:{ask_id}", elements=buttons),
    ]


def closed_ask_blocks(text: str, choice: str, user: str | None) -> list[Block]:
    if choice == TIMED_OUT and user is None:
        outcome = ":hourglass: Nobody answered in time."
    else:
        outcome = f":white_check_mark: *{truncate(choice, BUTTON_TEXT_MAX)}*, chosen by <@{user}>"
    return [text_section(text), ContextBlock(elements=[MarkdownTextObject(text=outcome)])]


class SlackFlowPort:
    """``actions.flows.ports.FlowSlack`` over the Web API (one per process, thread-safe)."""

    def __init__(self, client: WebClient, admins: list[str]) -> None:
        self.client = client
        self.admins = admins  # SFBOT_ADMINS; empty: the workspace's admins and owners
        self.channels = WebApiChannels(client)

    def post_message(
        self, to: Destination, text: str, record: dict[str, Any] | None = None
    ) -> PostedMessage:
        blocks: list[Block] | None = None
        if record is not None:
            blocks = [text_section(text), *record_card(RecordSummary.model_validate(record))]
        return self._post(to, text, blocks)

    def post_ask(
        self, ask_id: str, to: Destination, text: str, choices: list[str]
    ) -> PostedMessage:
        return self._post(to, text, ask_blocks(ask_id, text, choices))

    def close_ask(self, posted: PostedMessage, text: str, choice: str, user: str | None) -> None:
        blocks = closed_ask_blocks(text, choice, user)
        slack_call(
            lambda: self.client.chat_update(
                channel=posted.channel, ts=posted.ts, text=text, blocks=blocks
            )
        )

    def dm(self, user_id: str, text: str) -> None:
        slack_call(lambda: self.client.chat_postMessage(channel=user_id, text=text))

    def tell_admins(self, text: str) -> None:
        for user_id in self.admins or self._workspace_admins():
            try:
                self.dm(user_id, text)
            except FlowSlackError as exc:
                logger.warning("could not tell admin %s: %s", user_id, exc.code)

    def resolve_channel(self, ref: str) -> str:
        return self.channels.resolve_channel(ref)

    def is_member(self, channel_id: str) -> bool:
        return self.channels.is_member(channel_id)

    # ------------------------------------------------------------------ helpers
    def _post(self, to: Destination, text: str, blocks: list[Block] | None) -> PostedMessage:
        channel = to.channel or to.user
        if not channel:
            raise FlowSlackError("a message needs a channel, a user or a thread", "no_destination")
        args: dict[str, Any] = {"channel": channel, "text": text}
        if to.thread_ts:
            args["thread_ts"] = to.thread_ts
        if blocks is not None:
            args["blocks"] = blocks
        resp = slack_call(lambda: self.client.chat_postMessage(**args))
        return PostedMessage(channel=str(resp["channel"]), ts=str(resp["ts"]))

    def _workspace_admins(self) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            resp = slack_call(functools.partial(self.client.users_list, limit=200, cursor=cursor))
            for user in resp.get("members") or []:
                if (user.get("is_admin") or user.get("is_owner")) and not (
                    user.get("deleted") or user.get("is_bot")
                ):
                    found.append(str(user["id"]))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return found
