"""`/sf lookup [object] <email | phone | record id | name>`: private record cards."""

from __future__ import annotations

import re

from actions.errors import InvalidInput
from actions.lookup_record import LookupRecordInput, LookupRecordOutput, lookup_record
from actions.objects import OBJECTS, normalize_id
from bot.blocks.cards import lookup_results
from bot.blocks.text import escape_mrkdwn
from bot.listeners.commands.registry import CommandRequest, Subcommand
from bot.reply_fallback import reply_privately

PHONE_RE = re.compile(r"^\+?[0-9().\-\s]{6,}$")


def looks_like_record_id(text: str) -> bool:
    """Shaped like a record id: 15 letters and digits (3 more for the 18-character form), at
    least one a digit, so a 15-letter name is still a name. The lookup checks the rest and
    says when the checksum is wrong."""
    if not any(ch.isdigit() for ch in text):
        return False
    try:
        normalize_id(text[:15])
    except InvalidInput:
        return False
    suffix = text[15:]
    return suffix == "" or (len(suffix) == 3 and suffix.isascii() and suffix.isalnum())


def parse_lookup(args: str) -> dict[str, str]:
    """Split `[object] <term>` and tell an id, an email, a phone and a name apart."""
    words = args.split()
    raw: dict[str, str] = {}
    if words and words[0].lower() in OBJECTS:
        raw["object"] = words[0].lower()
        words = words[1:]
    term = " ".join(words)
    if "@" in term:
        raw["email"] = term
    elif looks_like_record_id(term):
        raw["id"] = term
    elif PHONE_RE.match(term) and sum(ch.isdigit() for ch in term) >= 6:
        raw["phone"] = term
    else:
        raw["name"] = term
    return raw


def handle_lookup(req: CommandRequest) -> None:
    if not req.args:
        req.respond(
            response_type="ephemeral",
            text="Usage: `/sf lookup [object] <email | phone | record id | name>`",
        )
        return
    raw = parse_lookup(req.args)
    inp = LookupRecordInput.parse(raw)
    services = req.services
    result: LookupRecordOutput = services.run_audited(
        req.origin,
        "lookup_record",
        lambda: lookup_record(services.actions, inp),
        object_name=inp.object,
        result_ids=lambda out: [r.id for r in out.records],
    )
    reply_privately(  # falls back to chat.postEphemeral when the response_url fails
        req.respond,
        req.client,
        user_id=req.user_id,
        channel_id=req.channel_id,
        text=f"{result.count} Salesforce record(s) match {escape_mrkdwn(req.args)}",
        blocks=lookup_results(
            req.args,
            result.records,
            result.count,
            services.access.offered(req.client, req.user_id),
        ),
    )


SUBCOMMAND = Subcommand(
    name="lookup",
    usage="lookup [object] <email | phone | record id | name>",
    summary="Find contacts, leads and accounts (or one object) and act on them.",
    handler=handle_lookup,
    examples=(
        "/sf lookup ada@example.com",
        "/sf lookup lead +1 415 555 0100",
        "/sf lookup 00Q5e00000ABCDE",
    ),
)
