"""`/sf create [object]`: the create modal, opened at once (with the object picker if none)
on the listener thread; the object's inputs are filled in after the ack (background pool)."""

from __future__ import annotations

from actions.objects import OBJECTS
from bot.blocks.text import escape_mrkdwn
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.views.record_modal import fill_create_form, open_create_modal

USAGE = f"create [{' | '.join(OBJECTS)}]"


def handle_create(req: CommandRequest) -> None:
    object_name = req.args.strip().lower() or None
    if object_name is not None and object_name not in OBJECTS:
        req.respond(
            response_type="ephemeral",
            text=f":grey_question: sfbot cannot create a {escape_mrkdwn(repr(req.args.strip()))}. "
            f"Use `/sf {USAGE}`.",
        )
        return
    opened = open_create_modal(
        req.client, trigger_id=req.trigger_id, channel_id=req.channel_id, object_name=object_name
    )
    if object_name:
        fill_create_form(req.client, req.services, opened, object_name)


SUBCOMMAND = Subcommand(
    name="create",
    usage=USAGE,
    summary="Create a lead, contact, account, opportunity, case or campaign in a form.",
    handler=handle_create,
    examples=("/sf create lead", "/sf create"),
    runs_in_background=False,  # the trigger_id lives 3 s: open the modal at once
)
