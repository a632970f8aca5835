"""`/sf update <record id>`: the record in a form, pre-filled; only changed fields are saved.

Runs on the listener thread: the id is checked without a call and the modal opens at once;
the record is read after the ack (background pool)."""

from __future__ import annotations

from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.views.record_update import open_update_modal

USAGE = "update <record id>"


def handle_update(req: CommandRequest) -> None:
    words = req.args.split()
    if len(words) != 1:
        req.respond(response_type="ephemeral", text=f"Usage: `/sf {USAGE}`")
        return
    # A malformed or unsupported id raises InvalidInput: `/sf` answers it ephemerally.
    open_update_modal(
        req.client, req.services, trigger_id=req.trigger_id, origin=req.origin, record_id=words[0]
    )


SUBCOMMAND = Subcommand(
    name="update",
    usage=USAGE,
    summary="Change a record's fields in a form pre-filled with its current values.",
    handler=handle_update,
    examples=("/sf update 00Q5e00000ABCDE",),
    runs_in_background=False,  # the trigger_id lives 3 s: open the modal at once
)
