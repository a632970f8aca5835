"""The `/sf` slash command: acknowledge at once, then dispatch to the subcommand.

``SUBCOMMANDS`` is the table of every subcommand, in the order `/sf help` lists them.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.errors import ActionError
from bot.blocks.text import escape_mrkdwn
from bot.errors import user_message
from bot.ids import COMMAND
from bot.listeners.commands import (
    access,
    connect,
    convert,
    create,
    delete,
    digest,
    disconnect,
    flow,
    help,
    lookup,
    settings,
    status,
    update,
)
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.services import services_of

SUBCOMMANDS: dict[str, Subcommand] = {
    sub.name: sub
    for sub in (
        help.SUBCOMMAND,
        lookup.SUBCOMMAND,
        create.SUBCOMMAND,
        update.SUBCOMMAND,
        delete.SUBCOMMAND,
        convert.SUBCOMMAND,
        status.SUBCOMMAND,
        digest.SUBCOMMAND,
        flow.SUBCOMMAND,
        connect.SUBCOMMAND,
        disconnect.SUBCOMMAND,
        settings.SUBCOMMAND,
        access.SUBCOMMAND,
    )
}


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
            text=f":grey_question: `{COMMAND} {escape_mrkdwn(name)}` is not a command. "
            f"Try `{COMMAND} help`.",
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
    # Who may run it (guests, admin-only, allow lists) was checked by bot.access_middleware.
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
    app.command(COMMAND)(handle_sf)
