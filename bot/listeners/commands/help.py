"""`/sf help`: what each subcommand the user may run does, with examples."""

from __future__ import annotations

from bot.blocks.help import help_blocks, help_text
from bot.listeners.commands.registry import CommandRequest, Subcommand


def handle_help(req: CommandRequest) -> None:
    from bot.listeners.commands.sf import SUBCOMMANDS

    # one read of the allow lists; admin status from the users.info the middleware cached
    access = req.services.access.user_access(req.client, req.user_id)
    entries = list(SUBCOMMANDS.values())
    req.respond(
        response_type="ephemeral",
        text=help_text(entries, access),
        blocks=help_blocks(entries, access),
    )


SUBCOMMAND = Subcommand(
    name="help",
    usage="help",
    summary="Show this help.",
    handler=handle_help,
    examples=("/sf help",),
)
