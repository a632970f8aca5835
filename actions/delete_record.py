"""delete_record: delete a lead or a case (nothing else, checked before any call)."""

from __future__ import annotations

from actions.base import ActionInput, ActionOutput, RecordId
from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.objects import OBJECTS, a_or_an, normalize_id, spec_for_id


class DeleteRecordInput(ActionInput):
    object_id: RecordId


class DeleteRecordOutput(ActionOutput):
    pass


def delete_record(ctx: ActionContext, inp: DeleteRecordInput) -> DeleteRecordOutput:
    record_id = normalize_id(inp.object_id, "object_id")
    spec = spec_for_id(record_id, "object_id")
    if not spec.deletable:
        allowed = " and ".join(s.plural.lower() for s in OBJECTS.values() if s.deletable)
        raise InvalidInput(
            f"sfbot deletes only {allowed}; {record_id} is {a_or_an(spec.label.lower())}",
            code="DELETE_NOT_ALLOWED",
            fields=["object_id"],
        )
    ctx.connection.rest(f"sobjects/{spec.api_name}/{record_id}", method="DELETE", write=True)
    return DeleteRecordOutput()
