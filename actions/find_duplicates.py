"""find_duplicates: the org's own duplicate rules applied to some values (SOAP findDuplicates).

One API call. Which records count as duplicates is what the org's active duplicate and matching
rules say: a lead rule that also compares with contacts (as Salesforce's standard lead rule
does) finds contacts in the same call. sfbot does not make a second call to look across
objects: an org whose rules do not compare leads with contacts gets what its rules say.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from actions.base import ActionInput, ActionOutput, ExtraFields
from actions.context import ActionContext
from actions.errors import InvalidInput, SalesforceRefused
from actions.fields import build_fields
from actions.objects import BY_API_NAME, normalize_id, object_spec, record_url
from actions.sf_errors import refusal_from_errors
from actions.soap import first_result, result_errors, soap_call, text_of
from actions.soap_dups import Match, find_duplicates_envelope, parse_matches
from storage.connection_store import StoredConnection

# The sfbot objects Salesforce's duplicate rules apply to.
DuplicateObject = Literal["lead", "contact", "account"]


class FindDuplicatesInput(ActionInput):
    object: DuplicateObject = Field(description="lead, contact or account")
    id: str | None = Field(
        default=None, description="An existing record: its stored values are checked"
    )
    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    fields: ExtraFields

    @field_validator("object", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class Duplicate(ActionOutput):
    id: str
    object: str = Field(description="lead, contact, account (or the API name of another)")
    name: str | None
    email: str | None
    phone: str | None
    url: str
    rule: str = Field(description="The duplicate rule that found it (developer name)")
    confidence: float | None = Field(description="Salesforce's match confidence, 0-100")
    allow_save: bool = Field(description="The rule lets a save go ahead anyway (an alert)")
    matching_rule: str
    company: str | None = Field(default=None, description="A lead's company")
    account_id: str | None = Field(default=None, description="A contact's account")
    owner_id: str | None = None
    is_converted: bool = False


class FindDuplicatesOutput(ActionOutput):
    duplicates: list[Duplicate]


def search_values(ctx: ActionContext, inp: FindDuplicatesInput) -> dict[str, Any]:
    """The inputs as the object's field values, checked against its describe (cached)."""
    spec = object_spec(inp.object)
    describe = ctx.metadata.describe(spec.api_name)
    values = build_fields(
        spec,
        describe,
        name=inp.name,
        phone=inp.phone,
        email=inp.email,
        description=None,
        extra=inp.fields,
        for_create=True,
    )
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if not values and not inp.id:
        raise InvalidInput(
            "give an id, or a name, email, phone or fields to look for",
            code="NOTHING_TO_MATCH",
            fields=["name", "email", "phone", "fields"],
        )
    return values


def to_duplicate(match: Match, instance_url: str) -> Duplicate:
    spec = BY_API_NAME.get(match.entity_type)
    f = match.fields
    name = f.get("Name") or " ".join(p for p in (f.get("FirstName"), f.get("LastName")) if p)
    return Duplicate(
        id=match.record_id,
        object=spec.key if spec else match.entity_type,
        name=name or None,
        email=f.get("Email"),
        phone=f.get("Phone"),
        url=record_url(instance_url, match.entity_type, match.record_id),
        rule=match.rule,
        confidence=match.confidence,
        allow_save=match.allow_save,
        matching_rule=match.matching_rule,
        company=f.get("Company") or None,
        account_id=f.get("AccountId") or None,
        owner_id=f.get("OwnerId") or None,
        is_converted=(f.get("IsConverted") or "").lower() == "true",
    )


def find_duplicates(ctx: ActionContext, inp: FindDuplicatesInput) -> FindDuplicatesOutput:
    spec = object_spec(inp.object)
    record_id = normalize_id(inp.id, "id") if inp.id else None
    if record_id and record_id[:3] != spec.key_prefix:
        raise InvalidInput(
            f"{record_id} is not {spec.label.lower()} id", code="WRONG_OBJECT", fields=["id"]
        )
    values = search_values(ctx, inp)

    def attempt(conn: StoredConnection) -> list[Match]:
        body = find_duplicates_envelope(conn.access_token or "", spec.api_name, record_id, values)
        code, content = soap_call(
            ctx.connection.http, conn.instance_url, conn.api_version, body, unknown_outcome=None
        )
        result = first_result(code, content, "findDuplicates", write=False)
        if (text_of(result, "success") or "").lower() != "true":
            raise refusal_from_errors(400, result_errors(result), write=False)
        return parse_matches(result)

    try:
        matches = ctx.connection.call_raw(attempt)
    except SalesforceRefused as exc:
        if "no active duplicate rule" in exc.message.lower():
            raise SalesforceRefused(
                f"the org has no active duplicate rule for {spec.label.lower()}s: an admin "
                "activates one in Setup > Duplicate Rules",
                code="NO_ACTIVE_DUPLICATE_RULE",
                fields=["object"],
            ) from exc
        raise
    instance = ctx.instance_url()
    seen: dict[str, Duplicate] = {}
    for m in matches:
        if m.record_id not in seen and m.record_id != record_id:
            seen[m.record_id] = to_duplicate(m, instance)
    return FindDuplicatesOutput(duplicates=list(seen.values()))
