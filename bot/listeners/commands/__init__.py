"""The `/sf` slash command: acknowledge at once, then dispatch to the subcommand."""

from __future__ import annotations

import sys

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.errors import ActionError
from bot.errors import user_message
from bot.ids import COMMAND
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.discovery import modules_of
from bot.services import services_of

SUBCOMMANDS: dict[str, Subcommand] = {}


def add_subcommand(sub: Subcommand) -> None:
    SUBCOMMANDS[sub.name] = sub


def _load_subcommands() -> None:
    """Every module of this package that defines ``SUBCOMMAND``, in ``order``."""
    subs = [m.SUBCOMMAND for m in modules_of(sys.modules[__name__]) if hasattr(m, "SUBCOMMAND")]
    for sub in sorted(subs, key=lambda s: (s.order, s.name)):
        add_subcommand(sub)


def handle_sf(
    ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """`/sf <subcommand> [args]`."""
    ack()
    text = (command.get("text") or "").strip()
    name, _, args = text.partition(" ")
    name = name.lower() or "help"
    sub = SUBCOMMANDS.get(name)
    services = services_of(context)
    if sub is None:
        respond(
            response_type="ephemeral",
            text=f":grey_question: `{COMMAND} {name}` is not a command. Try `{COMMAND} help`.",
        )
        return
    request = CommandRequest(
        args=args.strip(),
        payload=command,
        client=client,
        respond=respond,
        context=context,
        services=services,
    )
    if sub.runs_in_background:
        services.later(
            lambda: sub.handler(request),
            tell_user=lambda text: respond(response_type="ephemeral", text=text),
        )
        return
    try:
        sub.handler(request)
    except ActionError as exc:
        respond(response_type="ephemeral", text=user_message(exc))


def register(app: App) -> None:
    _load_subcommands()
    app.command(COMMAND)(handle_sf)
