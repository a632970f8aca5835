"""The `/sf` subcommands: each a name, its help text and one handler.

Handlers run after the command has been acknowledged (within Slack's 3 s), so they may call
Salesforce; they answer through ``respond`` (the response_url) or open modals with
``trigger_id`` at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.services import Services, SlackOrigin


@dataclass(frozen=True)
class CommandRequest:
    """One `/sf <subcommand> <args>` invocation."""

    args: str
    payload: dict[str, Any]
    client: WebClient
    respond: Respond
    context: BoltContext
    services: Services

    @property
    def user_id(self) -> str:
        return str(self.payload["user_id"])

    @property
    def channel_id(self) -> str | None:
        return self.payload.get("channel_id")

    @property
    def trigger_id(self) -> str:
        return str(self.payload["trigger_id"])

    @property
    def origin(self) -> SlackOrigin:
        return SlackOrigin(
            user_id=self.user_id,
            team_id=self.payload.get("team_id"),
            channel_id=self.channel_id,
        )


@dataclass(frozen=True)
class Subcommand:
    """Who may run it (and see it in help) is its row in ``bot.permissions.SUBCOMMANDS``."""

    name: str
    usage: str
    summary: str
    handler: Callable[[CommandRequest], None]
    examples: tuple[str, ...] = ()
    # True: the handler runs after the ack on the background pool (Salesforce work, replies
    # through respond). False: it runs on the listener thread at once, e.g. to open a modal
    # with the trigger_id, and must hand its Salesforce work to ``services.later``.
    runs_in_background: bool = True
