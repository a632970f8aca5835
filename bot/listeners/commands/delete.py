"""`/sf delete <record id>`: a confirmation naming the lead or case, then the Delete button."""

from __future__ import annotations

from actions.delete_record import DeleteRecordInput, delete_record
from actions.lookup_record import LookupRecordInput, lookup_record
from actions.objects import normalize_id, spec_for_id
from bot.blocks.delete import delete_confirmation, delete_question
from bot.listeners.commands.registry import CommandRequest, Subcommand

USAGE = "delete <record id>"


def handle_delete(req: CommandRequest) -> None:
    words = req.args.split()
    if len(words) != 1:
        req.respond(response_type="ephemeral", text=f"Usage: `/sf {USAGE}` (a lead or a case)")
        return
    record_id = normalize_id(words[0], "object_id")
    spec = spec_for_id(record_id, "object_id")
    services = req.services
    if not spec.deletable:
        # delete_record refuses every other object before calling Salesforce: let it say why
        # (the refusal is audited like any other attempt).
        inp = DeleteRecordInput(object_id=record_id)
        services.run_audited(
            req.origin,
            "delete_record",
            lambda: delete_record(services.actions, inp),
            object_name=spec.key,
            record_ids=[record_id],
        )
    lookup = LookupRecordInput(id=record_id, object=spec.key, limit=1)
    found = services.run_audited(
        req.origin,
        "lookup_record",
        lambda: lookup_record(services.actions, lookup),
        object_name=spec.key,
        record_ids=[record_id],
    )
    if not found.records:
        req.respond(
            response_type="ephemeral",
            text=f":mag: There is no {spec.label.lower()} `{record_id}` in Salesforce "
            "(already deleted, or not visible to sfbot).",
        )
        return
    record = found.records[0]
    req.respond(
        response_type="ephemeral",
        text=delete_question(record),
        blocks=delete_confirmation(record),
    )


SUBCOMMAND = Subcommand(
    name="delete",
    usage=USAGE,
    summary="Delete a lead or a case, after you confirm (other records cannot be deleted).",
    handler=handle_delete,
    examples=("/sf delete 00Q5e00000ABCDE", "/sf delete 5005e00000KLMNO"),
)
