"""`/sf status`: the connection, checked live with Salesforce, and the available actions."""

from __future__ import annotations

from actions.connect import connection_status
from bot.blocks.status import status_blocks, status_text
from bot.listeners.commands.registry import CommandRequest, Subcommand


def handle_status(req: CommandRequest) -> None:
    status = connection_status(req.services.actions, live=True)
    req.respond(
        response_type="ephemeral",
        text=status_text(status),
        blocks=status_blocks(status),
    )


SUBCOMMAND = Subcommand(
    name="status",
    usage="status",
    summary="Is sfbot connected to Salesforce, as whom, how much API quota is used, "
    "and which actions it can run.",
    handler=handle_status,
    examples=("/sf status",),
)
