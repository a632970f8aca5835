"""What the merge modal works on (Slack-agnostic reads, run after the ack): the records to
merge, read in one query, and the fields whose values differ between them.

From a record card the candidates are the record and what Salesforce's duplicate rules match
(find_duplicates, one call); from the duplicates digest, the group's records. Salesforce merges
records of one object only and at most three at a time, and never a converted lead: those are
left out here with a note, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.escaping import format_soql
from actions.find_duplicates import FindDuplicatesInput, find_duplicates
from actions.merge_records import MERGEABLE
from actions.metadata import ObjectDescribe
from actions.objects import BY_PREFIX, ObjectSpec, normalize_id, record_url

MAX_RECORDS = 3  # the master and two duplicates: merge()'s limit
COMPARED_TYPES = {
    "string",
    "email",
    "phone",
    "url",
    "picklist",
    "textarea",
    "double",
    "currency",
    "percent",
    "int",
    "date",
    "boolean",
}
MAX_CHOICES = 30


@dataclass
class MergePlan:
    spec: ObjectSpec
    rows: list[dict[str, Any]]  # the records' values, the first one the proposed master
    differing: list[tuple[str, str]]  # (api name, label) of fields whose values differ
    notes: list[str] = field(default_factory=list)


def candidate_ids(ctx: ActionContext, ids: list[str]) -> tuple[ObjectSpec, list[str], list[str]]:
    """(object, ids of that object to merge, notes) from a card's id or a digest group."""
    ids = [normalize_id(i) for i in ids if i]
    if not ids:
        raise InvalidInput("no record to merge", code="NOTHING_TO_MERGE", fields=["id"])
    notes: list[str] = []
    if len(ids) == 1:
        spec = _mergeable(ids[0])
        if spec.key in ("lead", "contact", "account"):
            query = FindDuplicatesInput.model_validate({"object": spec.key, "id": ids[0]})
            found = find_duplicates(ctx, query)
            for d in found.duplicates:
                if d.object == spec.key:
                    ids.append(d.id)
                else:
                    notes.append(_other_object_note(d.object, d.name or d.id, spec))
    by_object: dict[str, list[str]] = {}
    for i in ids:
        by_object.setdefault(i[:3], []).append(i)
    prefix = max(by_object, key=lambda p: len(by_object[p]))
    spec = _mergeable(by_object[prefix][0])
    for p, others in by_object.items():
        if p != prefix:
            other = BY_PREFIX.get(p)
            for i in others:
                notes.append(_other_object_note(other.key if other else "record", i, spec))
    chosen = list(dict.fromkeys(by_object[prefix]))
    if len(chosen) > MAX_RECORDS:
        notes.append(
            f"{len(chosen)} records match: Salesforce merges {MAX_RECORDS} at a time, so these "
            f"are the first {MAX_RECORDS}; merge again for the rest."
        )
    return spec, chosen[:MAX_RECORDS], notes


def _mergeable(record_id: str) -> ObjectSpec:
    spec = BY_PREFIX.get(record_id[:3])
    if spec is None or spec.key not in MERGEABLE:
        raise InvalidInput(
            "Salesforce merges leads, contacts, accounts and cases only",
            code="NOT_MERGEABLE",
            fields=["id"],
        )
    return spec


def _other_object_note(obj: str, name: str, spec: ObjectSpec) -> str:
    hint = (
        " (convert the lead into the contact instead)"
        if {obj, spec.key} == {"lead", "contact"}
        else ""
    )
    return f"Also matches the {obj} {name}: records of different objects cannot be merged{hint}."


def compared_fields(describe: ObjectDescribe) -> list[tuple[str, str]]:
    """(api name, label) of the fields a merge can set on the master."""
    return [
        (f.name, f.label)
        for f in describe.fields.values()
        if f.updateable and f.type in COMPARED_TYPES
    ]


def read_rows(
    ctx: ActionContext, spec: ObjectSpec, ids: list[str], columns: list[str]
) -> list[dict[str, Any]]:
    soql = format_soql(
        "SELECT {:literal} FROM {:literal} WHERE Id IN {}", ", ".join(columns), spec.api_name, ids
    )
    rows = ctx.connection.call(lambda sf: sf.query(soql)).get("records") or []
    by_id = {r["Id"]: dict(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_plan(ctx: ActionContext, ids: list[str]) -> MergePlan:
    """The records (one query after the optional duplicate search) and their differences."""
    spec, chosen, notes = candidate_ids(ctx, ids)
    describe = ctx.metadata.describe(spec.api_name)
    compared = compared_fields(describe)
    columns = ["Id", "Name" if spec.key != "case" else "CaseNumber", *(n for n, _ in compared)]
    if spec.key == "lead":
        columns.append("IsConverted")
    rows = read_rows(ctx, spec, chosen, list(dict.fromkeys(columns)))
    kept = []
    for r in rows:
        if r.get("IsConverted"):
            notes.append(
                f"The lead {r.get('Name')} is converted: a converted lead cannot be merged."
            )
        else:
            kept.append(r)
    differing = [(n, label) for n, label in compared if len({shown(r.get(n)) for r in kept}) > 1][
        :MAX_CHOICES
    ]
    return MergePlan(spec, kept, differing, notes)


def row_name(spec: ObjectSpec, row: dict[str, Any]) -> str:
    return str(row.get("Name") or row.get("CaseNumber") or row.get("Id"))


def row_url(ctx: ActionContext, spec: ObjectSpec, row: dict[str, Any]) -> str:
    return record_url(ctx.instance_url(), spec.api_name, str(row["Id"]))
