"""The Salesforce steps of a flow: sfbot's actions, plus ``log_activity``.

Their inputs are the actions' input models, validated the same way (``sfbot actions --json``).
When a flow is applied, values that are templates cannot be checked yet (they are known when
the run renders them), so their errors wait until then; everything else is checked at once.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from actions.flows.templates import has_template
from actions.log_activity import LogActivityInput, LogActivityOutput, log_activity
from actions.registry import ACTIONS, Action

FLOW_ACTIONS: dict[str, Action] = {
    **ACTIONS,
    "log_activity": Action(
        "log_activity",
        "Record something that happened as a completed Task on a record.",
        LogActivityInput,
        LogActivityOutput,
        log_activity,
    ),
}
# Steps that only read: they never end a run as outcome_unknown.
READ_ONLY = frozenset({"lookup_record", "find_duplicates"})
_PLACEHOLDER = "0" * 15  # stands in for a template: a string any field of text accepts


def _takes_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    return str in typing.get_args(annotation) or any(
        _takes_text(a) for a in typing.get_args(annotation) if a is not type(None)
    )


def coerce_text(model: type[BaseModel], data: Any) -> Any:
    """A number that a template produced, for a text input, becomes its text
    (``text: "{{ steps.find.count }}"``); nothing else changes."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        info = model.model_fields.get(key)
        if (
            info is not None
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and _takes_text(info.annotation)
        ):
            out[key] = str(value)
    return out


def _templated_keys(body: dict[str, Any]) -> set[str]:
    out = set()
    for key, value in body.items():
        if (isinstance(value, str) and has_template(value)) or (
            isinstance(value, dict | list) and has_template(repr(value))
        ):
            out.add(key)
    return out


def check_action_input(kind: str, body: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Problems with a step's input as (location in the input, message); templates pass."""
    action = FLOW_ACTIONS[kind]
    templated = _templated_keys(body)
    trial = {k: (_PLACEHOLDER if k in templated else v) for k, v in body.items()}
    try:
        action.input_model.model_validate(trial)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if loc and loc[0] in templated:
                continue
            where = ".".join(str(p) for p in loc)
            message = err["msg"].removeprefix("Value error, ")
            problems.append((loc, f"{kind}: {where + ': ' if where else ''}{message}"))
        return problems
    return []
