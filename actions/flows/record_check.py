"""Checks of a ``salesforce_record`` trigger when its flow is applied, against the org.

The object must exist (its describe, cached), ``fields`` must be its fields, and ``where`` must
be a condition Salesforce accepts: one ``SELECT Id FROM Obj WHERE (where) LIMIT 1`` asks it, so
a typo is a ``FILE:LINE`` problem at apply time instead of a poll that fails every minute.
"""

from __future__ import annotations

from collections.abc import Callable

from actions.context import ActionContext
from actions.errors import ActionError, InvalidInput
from actions.escaping import format_soql
from actions.flows.loader import Loc, Problem
from actions.flows.model import FlowDefinition, SalesforceRecordTrigger
from actions.flows.yaml_lines import line_of
from actions.record_changes import check_field_names

TriggerCheck = Callable[[FlowDefinition, dict[Loc, int]], list[Problem]]
HERE: Loc = ("trigger", "salesforce_record")


def record_trigger_check(ctx_of: Callable[[], ActionContext]) -> TriggerCheck:
    """A check for ``apply_files``; ``ctx_of`` builds the connection only when it is needed."""

    def check(definition: FlowDefinition, lines: dict[Loc, int]) -> list[Problem]:
        trigger = definition.trigger
        if not isinstance(trigger, SalesforceRecordTrigger):
            return []
        return check_record_trigger(ctx_of(), trigger, lines)

    return check


def check_record_trigger(
    ctx: ActionContext, trigger: SalesforceRecordTrigger, lines: dict[Loc, int]
) -> list[Problem]:
    def at(key: str, message: str) -> list[Problem]:
        return [Problem(line_of(lines, (*HERE, key)), message)]

    try:
        describe = ctx.metadata.describe(trigger.object)
    except ActionError as exc:
        return at("object", f"Salesforce has no object {trigger.object!r} ({exc.message})")
    if describe.field("SystemModstamp") is None:
        return at("object", f"{trigger.object} has no SystemModstamp: its changes cannot be found")
    try:
        check_field_names(trigger.fields, describe.fields, where="fields")
    except InvalidInput as exc:
        return at("fields", exc.message)
    soql = format_soql(
        "SELECT Id FROM {:literal} WHERE ({:literal}) LIMIT 1", describe.name, trigger.where
    )
    try:
        ctx.connection.call(lambda sf: sf.query(soql))
    except ActionError as exc:
        return at("where", f"Salesforce refused the condition: {exc.message}")
    return []


def describe_field_names(ctx: ActionContext) -> Callable[[str], list[str]]:
    def names(api_name: str) -> list[str]:
        return list(ctx.metadata.describe(api_name).fields)

    return names
