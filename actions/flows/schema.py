"""The JSON Schema of a flow file (``sfbot flow schema``), for editors."""

from __future__ import annotations

from typing import Any

from actions.flows.action_steps import FLOW_ACTIONS
from actions.flows.model import BODY_MODELS, IF, MAX_NESTING, NAME_RE, STEP_ID_RE, TRIGGER_MODELS

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _one_key(
    key: str, schema: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    props: dict[str, Any] = {key: schema, **(extra or {})}
    return {"type": "object", "properties": props, "required": [key], "additionalProperties": False}


def _inline(model_schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    defs.update(model_schema.pop("$defs", {}))
    return model_schema


def flow_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    step_id = {
        "type": "string",
        "pattern": STEP_ID_RE.pattern,
        "description": "Its output is steps.ID",
    }
    steps_ref = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}}
    kinds: list[dict[str, Any]] = []
    for name, action in FLOW_ACTIONS.items():
        inputs = _inline(action.input_model.model_json_schema(ref_template="#/$defs/{model}"), defs)
        inputs["description"] = f"{action.description} Any value may be a {{{{ template }}}}."
        inputs.pop("additionalProperties", None)
        inputs["additionalProperties"] = True  # templated values may have any type before rendering
        kinds.append(_one_key(name, inputs, {"id": step_id}))
    for name, model in BODY_MODELS.items():
        body = _inline(model.model_json_schema(ref_template="#/$defs/{model}"), defs)
        kinds.append(_one_key(name, body, {"id": step_id}))
    kinds.append(
        _one_key(
            IF,
            {"type": "string", "description": "An expression, e.g. steps.find.count == 0"},
            {"id": step_id, "then": steps_ref, "else": steps_ref},
        )
    )
    defs["step"] = {"oneOf": kinds}
    triggers = [
        _one_key(name, _inline(model.model_json_schema(ref_template="#/$defs/{model}"), defs))
        for name, model in TRIGGER_MODELS.items()
    ]
    return {
        "$schema": DRAFT,
        "title": "sfbot flow file",
        "description": f"One flow: a trigger and its steps (nested at most {MAX_NESTING} levels).",
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": NAME_RE.pattern, "maxLength": 64},
            "description": {"type": "string"},
            "enabled": {"type": "boolean", "default": True},
            "trigger": {"oneOf": triggers},
            "steps": steps_ref,
        },
        "required": ["name", "trigger", "steps"],
        "additionalProperties": False,
        "$defs": defs,
    }
