"""`/sf convert <lead id> [account id]`: the conversion modal, optionally with the account.

Runs on the listener thread: the ids are checked without a call and the modal opens at once;
the lead is read after the ack (background pool)."""

from __future__ import annotations

from actions.objects import expect_object
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.views.convert import open_convert_modal

USAGE = "convert <lead id> [account id]"


def handle_convert(req: CommandRequest) -> None:
    words = req.args.split()
    if not 1 <= len(words) <= 2:
        req.respond(response_type="ephemeral", text=f"Usage: `/sf {USAGE}`")
        return
    lead_id = expect_object(words[0], "lead", "lead_id")
    account_id = expect_object(words[1], "account", "account_id") if len(words) == 2 else None
    open_convert_modal(
        req.client,
        req.services,
        req.trigger_id,
        req.origin,
        lead_id,
        account_id,
        response_url=req.payload.get("response_url"),
    )


SUBCOMMAND = Subcommand(
    name="convert",
    usage=USAGE,
    summary="Convert a lead into an account (new or existing), a contact and an opportunity.",
    handler=handle_convert,
    examples=("/sf convert 00Q5e00000ABCDE", "/sf convert 00Q5e00000ABCDE 0015e00000FGHIJ"),
    runs_in_background=False,  # the trigger_id lives 3 s: open the modal at once
)
