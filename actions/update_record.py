"""update_record: change some fields of a record; the object comes from the id."""

from __future__ import annotations

from pydantic import Field

from actions.base import ActionInput, ActionOutput, ExtraFields, OptionalText, RecordId
from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.fields import build_fields, check_seed_inputs
from actions.objects import normalize_id, spec_for_id


class UpdateRecordInput(ActionInput):
    id: RecordId
    name: str | None = Field(default=None, min_length=1, max_length=255)
    phone: str | None = Field(default=None, max_length=40)
    description: OptionalText
    email: str | None = Field(default=None, max_length=80)
    fields: ExtraFields


class UpdateRecordOutput(ActionOutput):
    id: str


def update_record(ctx: ActionContext, inp: UpdateRecordInput) -> UpdateRecordOutput:
    """Send only the given fields, in one PATCH."""
    record_id = normalize_id(inp.id)
    spec = spec_for_id(record_id)
    if all(v is None for v in (inp.name, inp.phone, inp.description, inp.email)) and not inp.fields:
        raise InvalidInput("nothing to update: give at least one field", code="NOTHING_TO_UPDATE")
    check_seed_inputs(spec, phone=inp.phone, email=inp.email)
    describe = ctx.metadata.describe(spec.api_name)
    values = build_fields(
        spec,
        describe,
        name=inp.name,
        phone=inp.phone,
        email=inp.email,
        description=inp.description,
        extra=inp.fields,
        for_create=False,
    )
    ctx.connection.rest(
        f"sobjects/{spec.api_name}/{record_id}", method="PATCH", json=values, write=True
    )
    return UpdateRecordOutput(id=record_id)
