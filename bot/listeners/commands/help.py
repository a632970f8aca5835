"""`/sf help`: what each subcommand does, with examples."""

from __future__ import annotations

from bot.blocks.help import help_blocks
from bot.listeners.commands.registry import CommandRequest, Subcommand


def handle_help(req: CommandRequest) -> None:
    from bot.listeners.commands.sf import SUBCOMMANDS

    req.respond(
        response_type="ephemeral",
        text="sfbot: Salesforce from Slack. Commands: "
        + ", ".join(f"/sf {s.usage}" for s in SUBCOMMANDS.values()),
        blocks=help_blocks(list(SUBCOMMANDS.values())),
    )


SUBCOMMAND = Subcommand(
    name="help",
    usage="help",
    summary="Show this help.",
    handler=handle_help,
    examples=("/sf help",),
)
