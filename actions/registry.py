"""The catalogue of actions: name, description, typed input and output, one function each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from actions.base import ActionInput
from actions.context import ActionContext
from actions.convert_lead import ConvertLeadInput, ConvertLeadOutput, convert_lead
from actions.create_record import CreateRecordInput, CreateRecordOutput, create_record
from actions.delete_record import DeleteRecordInput, DeleteRecordOutput, delete_record
from actions.errors import InvalidInput
from actions.find_duplicates import FindDuplicatesInput, FindDuplicatesOutput, find_duplicates
from actions.lookup_record import LookupRecordInput, LookupRecordOutput, lookup_record
from actions.merge_records import MergeRecordsInput, MergeRecordsOutput, merge_records
from actions.update_record import UpdateRecordInput, UpdateRecordOutput, update_record


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    input_model: type[ActionInput]
    output_model: type[BaseModel]
    run: Callable[[ActionContext, Any], BaseModel]
    # True: it changes Salesforce, so sfbot's database is checked writable before sending
    # (what Salesforce did must be recordable; see bot/cli/action_cmds.py)
    writes: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "inputs": self.input_model.model_json_schema(),
            "outputs": self.output_model.model_json_schema(),
        }


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "create_record",
            "Create a lead, contact, account, opportunity, case or campaign.",
            CreateRecordInput,
            CreateRecordOutput,
            create_record,
            writes=True,
        ),
        Action(
            "update_record",
            "Change some fields of a record; the object comes from the record id.",
            UpdateRecordInput,
            UpdateRecordOutput,
            update_record,
            writes=True,
        ),
        Action(
            "delete_record",
            "Delete a lead or a case.",
            DeleteRecordInput,
            DeleteRecordOutput,
            delete_record,
            writes=True,
        ),
        Action(
            "lookup_record",
            "Find records by id, email, phone or name (contacts, leads and accounts by default).",
            LookupRecordInput,
            LookupRecordOutput,
            lookup_record,
        ),
        Action(
            "convert_lead",
            "Convert a lead into an account, a contact and an opportunity.",
            ConvertLeadInput,
            ConvertLeadOutput,
            convert_lead,
            writes=True,
        ),
        Action(
            "find_duplicates",
            "Find the records the org's duplicate rules match (leads, contacts, accounts).",
            FindDuplicatesInput,
            FindDuplicatesOutput,
            find_duplicates,
        ),
        Action(
            "merge_records",
            "Merge one or two leads, contacts, accounts or cases into a master record.",
            MergeRecordsInput,
            MergeRecordsOutput,
            merge_records,
            writes=True,
        ),
    )
}


def get_action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown action {name!r}: use one of {', '.join(ACTIONS)}",
            code="UNKNOWN_ACTION",
            fields=["action"],
        ) from None


def run_action(ctx: ActionContext, name: str, raw: Mapping[str, Any]) -> BaseModel:
    """Validate ``raw`` against the action's input model and run it."""
    action = get_action(name)
    return action.run(ctx, action.input_model.parse(raw))


ID_KEYS = (
    "id",
    "object_id",
    "record_id",
    "lead_id",
    "account_id",
    "contact_id",
    "opportunity_id",
    "task_id",
    "master_id",
)
ID_LIST_KEYS = ("duplicate_ids", "merged_ids", "updated_related_ids")


def record_ids(model: BaseModel) -> list[str]:
    """The record ids an action's input or output names (never free text), for the audit log."""
    data = model.model_dump()
    ids = [str(data[k]) for k in ID_KEYS if data.get(k)]
    ids += [str(i) for k in ID_LIST_KEYS for i in data.get(k) or []]
    ids += [str(r["id"]) for r in data.get("records") or [] if r.get("id")]
    return ids
