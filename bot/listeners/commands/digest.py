"""`/sf digest add | list` (admins): schedule digests, and manage them from a private list.

Runs on the listener thread: ``add`` opens its modal with the trigger_id at once, and ``list``
reads only the database.
"""

from __future__ import annotations

from bot.ids import COMMAND
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.views.digest import list_message, open_add_modal

USAGE = f"Usage: `{COMMAND} digest add` or `{COMMAND} digest list`"


def handle_digest(req: CommandRequest) -> None:
    action = req.args.split(" ", 1)[0].lower()
    if action == "add":
        open_add_modal(
            req.client,
            req.services,
            trigger_id=req.trigger_id,
            user_id=req.user_id,
            tell_user=lambda text: req.respond(response_type="ephemeral", text=text),
        )
    elif action in ("list", ""):
        text, blocks = list_message(req.services)
        req.respond(response_type="ephemeral", text=text, blocks=blocks)
    else:
        req.respond(response_type="ephemeral", text=USAGE)


SUBCOMMAND = Subcommand(
    name="digest",
    usage="digest add | list",
    summary="Schedule Salesforce digests to a channel (new leads, open cases, …) and manage "
    "them: run now, pause, edit, delete.",
    handler=handle_digest,
    examples=(f"{COMMAND} digest add", f"{COMMAND} digest list"),
    runs_in_background=False,  # the trigger_id lives 3 s: open the modal at once
)
