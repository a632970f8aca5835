"""`/sf disconnect` (admins): a button behind a confirmation dialog (see actions/connection)."""

from __future__ import annotations

from actions.connect import connection_status
from bot.blocks.status import disconnect_prompt
from bot.listeners.commands.registry import CommandRequest, Subcommand


def handle_disconnect(req: CommandRequest) -> None:
    status = connection_status(req.services.actions, live=False)
    req.respond(
        response_type="ephemeral",
        text="Disconnect sfbot from Salesforce?",
        blocks=disconnect_prompt(status),
    )


SUBCOMMAND = Subcommand(
    name="disconnect",
    usage="disconnect",
    summary="Revoke sfbot's Salesforce tokens and delete the stored secrets.",
    handler=handle_disconnect,
    examples=("/sf disconnect",),
)
