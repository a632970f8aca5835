"""lookup_record: find records by id, email, phone or name, in one API call.

By id: a SOQL query on the id's object. By email or phone, or by name: one SOSL search over the
object asked for, or over contacts and leads (and accounts, by name or phone) when none is given.
Every user value is escaped (``format_soql``, ``escape_sosl``), so it can never alter the query.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from actions.base import ActionInput, ActionOutput
from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.escaping import escape_sosl, format_soql, searchable_characters
from actions.fields import check_email, check_phone
from actions.objects import (
    BY_API_NAME,
    OBJECTS,
    ObjectName,
    ObjectSpec,
    a_or_an,
    normalize_id,
    object_spec,
    record_url,
    spec_for_id,
)

MAX_MATCHES = 200
SEARCH_ORDER: dict[str, tuple[str, ...]] = {
    "email": ("contact", "lead"),
    "phone": ("contact", "lead", "account"),
    "name": ("contact", "lead", "account"),
}
FIELD_GROUP = {"email": "EMAIL", "phone": "PHONE", "name": "NAME"}


class LookupRecordInput(ActionInput):
    object: ObjectName | None = Field(default=None, description="Limit the search to one object")
    id: str | None = Field(default=None, max_length=18)
    email: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, min_length=2, max_length=100)
    limit: int = Field(default=10, ge=1, le=50, description="How many records to return")

    @field_validator("object", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> LookupRecordInput:
        given = [k for k in ("id", "email", "phone", "name") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of id, email, phone or name")
        return self


class RecordSummary(ActionOutput):
    object: ObjectName
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = Field(default=None, description="Company, or the account's name")
    status: str | None = Field(default=None, description="Status, or the opportunity's stage")
    is_converted: bool | None = Field(default=None, description="Leads only")
    url: str


class LookupRecordOutput(ActionOutput):
    records: list[RecordSummary]
    count: int = Field(description="How many records matched (at most 200 are counted)")


def summarize(spec: ObjectSpec, row: dict[str, Any], instance_url: str) -> RecordSummary:
    """A record card's data from a SOQL/SOSL row of ``spec.card_fields``."""
    account = row.get("Account") or {}
    if spec.key == "case":
        name = " ".join(p for p in (row.get("CaseNumber"), row.get("Subject")) if p) or "Case"
        email, phone = row.get("SuppliedEmail"), row.get("SuppliedPhone")
    else:
        name = row.get("Name") or "(no name)"
        email, phone = row.get("Email"), row.get("Phone")
    return RecordSummary(
        object=spec.key,
        id=row["Id"],
        name=name,
        email=email,
        phone=phone,
        company=row.get("Company") or account.get("Name") or None,
        status=row.get("Status") or row.get("StageName"),
        is_converted=row.get("IsConverted") if spec.key == "lead" else None,
        url=record_url(instance_url, spec.api_name, row["Id"]),
    )


def _by_id(ctx: ActionContext, inp: LookupRecordInput) -> list[tuple[ObjectSpec, dict[str, Any]]]:
    record_id = normalize_id(inp.id or "")
    spec = spec_for_id(record_id)
    if inp.object and inp.object != spec.key:
        raise InvalidInput(
            f"{record_id} is {a_or_an(spec.label.lower())}, not {a_or_an(inp.object)}",
            code="OBJECT_MISMATCH",
            fields=["id"],
        )
    soql = format_soql(
        "SELECT {:literal} FROM {:literal} WHERE Id = {}",
        ", ".join(spec.card_fields),
        spec.api_name,
        record_id,
    )
    result = ctx.connection.call(lambda sf: sf.query(soql))
    return [(spec, row) for row in result.get("records", [])]


def _case_by_name(ctx: ActionContext, name: str) -> list[tuple[ObjectSpec, dict[str, Any]]]:
    spec = OBJECTS["case"]
    soql = format_soql(
        "SELECT {:literal} FROM Case WHERE Subject LIKE '%{:like}%' "
        "OR SuppliedName LIKE '%{:like}%' ORDER BY CreatedDate DESC LIMIT {:literal}",
        ", ".join(spec.card_fields),
        name,
        name,
        str(MAX_MATCHES),
    )
    result = ctx.connection.call(lambda sf: sf.query(soql))
    return [(spec, row) for row in result.get("records", [])]


def _returning(spec: ObjectSpec) -> str:
    where = " WHERE IsConverted = false" if spec.key == "lead" else ""
    return f"{spec.api_name}({', '.join(spec.card_fields)}{where})"


def _search(
    ctx: ActionContext, kind: str, term: str, objects: tuple[str, ...]
) -> list[tuple[ObjectSpec, dict[str, Any]]]:
    specs = [OBJECTS[o] for o in objects]
    sosl = (
        f"FIND {{{escape_sosl(term)}}} IN {FIELD_GROUP[kind]} FIELDS RETURNING "
        + ", ".join(_returning(s) for s in specs)
        + f" LIMIT {MAX_MATCHES}"
    )
    result = ctx.connection.call(lambda sf: sf.search(sosl)) or {}
    rows = result.get("searchRecords", []) if isinstance(result, dict) else result
    return [(BY_API_NAME[row["attributes"]["type"]], row) for row in rows]


def lookup_record(ctx: ActionContext, inp: LookupRecordInput) -> LookupRecordOutput:
    """Find records; ``count`` is every match found, ``records`` the first ``limit``."""
    if inp.id:
        matches = _by_id(ctx, inp)
    else:
        kind = next(k for k in ("email", "phone", "name") if getattr(inp, k))
        term = str(getattr(inp, kind))
        if kind == "email":
            term = check_email(term)
        elif kind == "phone":
            term = check_phone(term)
        if searchable_characters(term) < 2:
            raise InvalidInput(
                f"search for at least two letters or digits, not {term!r}",
                code="SEARCH_TERM_TOO_SHORT",
                fields=[kind],
            )
        if inp.object:
            spec = object_spec(inp.object)
            target = {"email": spec.email_field, "phone": spec.phone_field}.get(kind, "name")
            if target is None:
                raise InvalidInput(
                    f"{a_or_an(spec.label.lower())} has no {kind} to search",
                    code="FIELD_NOT_AVAILABLE",
                    fields=[kind],
                )
            if spec.key == "case" and kind == "name":
                matches = _case_by_name(ctx, term)
            else:
                matches = _search(ctx, kind, term, (spec.key,))
        else:
            matches = _search(ctx, kind, term, SEARCH_ORDER[kind])
    instance_url = ctx.instance_url()
    records = [summarize(spec, row, instance_url) for spec, row in matches[: inp.limit]]
    return LookupRecordOutput(records=records, count=len(matches))
