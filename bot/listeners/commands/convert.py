"""`/sf convert <lead id> [account id]`: the conversion modal, optionally with the account."""

from __future__ import annotations

from actions.errors import InvalidInput
from actions.objects import ObjectName, normalize_id, spec_for_id
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.listeners.views.convert import open_convert_modal

USAGE = "convert <lead id> [account id]"


def with_article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def checked_id(value: str, expected: ObjectName, field: str) -> str:
    """The 18-character id of a record of the ``expected`` object, checked without a call."""
    record_id = normalize_id(value, field)
    spec = spec_for_id(record_id, field)
    if spec.key != expected:
        raise InvalidInput(
            f"{record_id} is {with_article(spec.label.lower())}, not {with_article(expected)}",
            code="OBJECT_MISMATCH",
            fields=[field],
        )
    return record_id


def handle_convert(req: CommandRequest) -> None:
    words = req.args.split()
    if not 1 <= len(words) <= 2:
        req.respond(response_type="ephemeral", text=f"Usage: `/sf {USAGE}`")
        return
    lead_id = checked_id(words[0], "lead", "lead_id")
    account_id = checked_id(words[1], "account", "account_id") if len(words) == 2 else None
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
    order=65,
)
