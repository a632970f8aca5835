"""merge_records: merge one or two records into a master (SOAP merge()).

One API call. Checked before anything is sent: every id is a record id, all of one object, that
object is a lead, contact, account or case, one or two duplicates, none repeated nor the master,
and the field values (by API name) are fields the master can take.

A converted lead: knowing it before sending would cost a query. sfbot does not make that extra
call here: Salesforce's merge() refuses a converted lead within its transaction
(CANNOT_UPDATE_CONVERTED_LEAD), so nothing is changed, and the refusal becomes the clear
LEAD_CONVERTED error. The Slack merge modal, which shows the records' values anyway, already
knows and refuses before anything is sent.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from actions.base import ActionInput, ActionOutput, ExtraFields, RecordId
from actions.context import ActionContext
from actions.errors import InvalidInput, SalesforceRefused
from actions.fields import build_fields
from actions.objects import BY_PREFIX, ObjectSpec, normalize_id
from actions.sf_errors import refusal_from_errors
from actions.soap import first_result, soap_call
from actions.soap_dups import MergeResult, merge_envelope, parse_merge_result
from storage.connection_store import StoredConnection

MERGEABLE = ("lead", "contact", "account", "case")


class MergeRecordsInput(ActionInput):
    master_id: RecordId = Field(description="The record that is kept")
    duplicate_ids: Annotated[list[RecordId], Field(min_length=1, max_length=2)] = Field(
        description="One or two records of the same object, merged into the master and deleted"
    )
    fields: ExtraFields  # values the master takes (e.g. a duplicate's phone)


class MergeRecordsOutput(ActionOutput):
    id: str = Field(description="The master record's id")
    merged_ids: list[str] = Field(description="The records merged into it (now deleted)")
    updated_related_ids: list[str] = Field(
        description="Related records (tasks, contacts, opportunities, cases...) moved to it"
    )


def check_merge(inp: MergeRecordsInput) -> tuple[ObjectSpec, str, list[str]]:
    """The object and the normalised ids, or InvalidInput: nothing is sent."""
    master = normalize_id(inp.master_id, "master_id")
    dups = [normalize_id(d, f"duplicate_ids.{i}") for i, d in enumerate(inp.duplicate_ids)]
    spec = BY_PREFIX.get(master[:3])
    if spec is None or spec.key not in MERGEABLE:
        what = f"{spec.label.lower()} records" if spec else "this kind of record"
        raise InvalidInput(
            f"Salesforce merges leads, contacts, accounts and cases only, not {what}",
            code="NOT_MERGEABLE",
            fields=["master_id"],
        )
    for i, d in enumerate(dups):
        if d[:3] != master[:3]:
            raise InvalidInput(
                f"{d} is not a {spec.label.lower()}: merged records must all be "
                f"{spec.label.lower()}s",
                code="MIXED_OBJECTS",
                fields=[f"duplicate_ids.{i}"],
            )
    if master in dups or len(set(dups)) != len(dups):
        raise InvalidInput(
            "each record may appear once, and the master is not one of the duplicates",
            code="REPEATED_ID",
            fields=["duplicate_ids"],
        )
    return spec, master, dups


def merge_records(ctx: ActionContext, inp: MergeRecordsInput) -> MergeRecordsOutput:
    spec, master, dups = check_merge(inp)
    values = {}
    if inp.fields:
        describe = ctx.metadata.describe(spec.api_name)
        values = build_fields(
            spec,
            describe,
            name=None,
            phone=None,
            email=None,
            description=None,
            extra=inp.fields,
            for_create=False,
        )

    def attempt(conn: StoredConnection) -> MergeResult:
        body = merge_envelope(conn.access_token or "", spec.api_name, master, dups, values)
        code, content = soap_call(
            ctx.connection.http,
            conn.instance_url,
            conn.api_version,
            body,
            unknown_outcome="Salesforce did not answer the merge; the records may have been "
            "merged. Look the master record up before trying again.",
        )
        parsed = parse_merge_result(first_result(code, content, "merge", write=True))
        if isinstance(parsed, list):
            raise refusal_from_errors(400, parsed, write=True)
        return parsed

    try:
        result = ctx.connection.call_raw(attempt, write=True)
    except SalesforceRefused as exc:
        if exc.code == "CANNOT_UPDATE_CONVERTED_LEAD":
            raise SalesforceRefused(
                "a converted lead cannot be merged (it became a contact: merge the contacts); "
                "nothing was changed",
                code="LEAD_CONVERTED",
                fields=["duplicate_ids"],
            ) from exc
        raise
    return MergeRecordsOutput(
        id=result.id, merged_ids=result.merged_ids, updated_related_ids=result.updated_related_ids
    )
