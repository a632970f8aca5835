"""create_record: create a lead, contact, account, opportunity, case or campaign."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field, field_validator

from actions.base import ActionInput, ActionOutput, ExtraFields, OptionalText
from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.fields import build_fields, check_seed_inputs, missing_required
from actions.objects import ObjectName, object_spec

LEAD_COMPANY_PLACEHOLDER = "[not provided]"
# REST "Duplicate Rule Header" (API 52.0+, https://developer.salesforce.com/docs/platform/
# api-rest/guide/headers-duplicaterules.html): allowSave bypasses a rule that only alerts;
# includeRecordDetails puts the matches' fields in a DUPLICATES_DETECTED error.
DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"
OPPORTUNITY_CLOSE_DAYS = 30


class CreateRecordInput(ActionInput):
    object: ObjectName = Field(description="lead, contact, account, opportunity, case or campaign")
    name: str = Field(min_length=1, max_length=255, description="The record's name")
    phone: str | None = Field(default=None, max_length=40)
    description: OptionalText
    email: str | None = Field(default=None, max_length=80)
    fields: ExtraFields
    allow_save: bool = Field(
        default=False,
        description="Save even though a duplicate rule alerts (allowSave); a rule that blocks "
        "still refuses",
    )

    @field_validator("object", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class CreateRecordOutput(ActionOutput):
    id: str = Field(description="The new record's 18-character id")


def duplicate_rule_header(allow_save: bool) -> str:
    return f"allowSave={'true' if allow_save else 'false'}; includeRecordDetails=true"


def creation_defaults(ctx: ActionContext, inp: CreateRecordInput) -> dict[str, Any]:
    """Values Salesforce users expect when they leave a required field out."""
    given = {k.lower() for k in inp.fields}
    defaults: dict[str, Any] = {}
    if inp.object == "lead" and "company" not in given:
        defaults["Company"] = LEAD_COMPANY_PLACEHOLDER
    if inp.object == "opportunity":
        if "stagename" not in given:
            defaults["StageName"] = ctx.metadata.first_open_stage()
        if "closedate" not in given:
            defaults["CloseDate"] = (
                date.today() + timedelta(days=OPPORTUNITY_CLOSE_DAYS)
            ).isoformat()
    if inp.object == "case" and "subject" not in given and inp.description:
        first_line = inp.description.strip().splitlines()[0] if inp.description.strip() else ""
        if first_line:
            defaults["Subject"] = first_line[:255]
    return defaults


def create_record(ctx: ActionContext, inp: CreateRecordInput) -> CreateRecordOutput:
    """Create one record; every value is checked before the single API call is made."""
    spec = object_spec(inp.object)
    check_seed_inputs(spec, phone=inp.phone, email=inp.email)
    describe = ctx.metadata.describe(spec.api_name)
    extra = {**creation_defaults(ctx, inp), **inp.fields}
    values = build_fields(
        spec,
        describe,
        name=inp.name,
        phone=inp.phone,
        email=inp.email,
        description=inp.description,
        extra=extra,
        for_create=True,
    )
    missing = missing_required(describe, values)
    if missing:
        names = ", ".join(f"{f.label} ({f.name})" for f in missing)
        raise InvalidInput(
            f"a new {spec.label.lower()} needs: {names}",
            code="REQUIRED_FIELD_MISSING",
            fields=[f"fields.{f.name}" for f in missing],
        )
    body = {k: v for k, v in values.items() if v is not None}
    result = ctx.connection.rest(
        f"sobjects/{spec.api_name}/",
        method="POST",
        json=body,
        headers={DUPLICATE_RULE_HEADER: duplicate_rule_header(inp.allow_save)},
        write=True,
    )
    return CreateRecordOutput(id=result["id"])
