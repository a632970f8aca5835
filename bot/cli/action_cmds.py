"""`sfbot actions` and `sfbot action NAME --input JSON`."""

from __future__ import annotations

import json
from typing import Any

import click

from actions.errors import ActionError, InvalidInput
from actions.registry import ACTIONS, get_action, record_ids
from bot.cli.common import action_context, handle_errors, print_json
from storage.audit_store import AuditEntry, AuditStore


@click.command("actions")
@click.option("--json", "as_json", is_flag=True, help="Inputs and outputs as JSON Schemas")
def list_actions(as_json: bool) -> None:
    """The actions sfbot can run, with their inputs and outputs."""
    if as_json:
        print_json({"actions": [a.describe() for a in ACTIONS.values()]})
        return
    for action in ACTIONS.values():
        schema = action.input_model.model_json_schema()
        required = set(schema.get("required", []))
        inputs = ", ".join(
            name + ("" if name in required else "?") for name in schema.get("properties", {})
        )
        outputs = ", ".join(action.output_model.model_json_schema().get("properties", {}))
        click.echo(f"{action.name}({inputs}) -> {{{outputs}}}")
        click.echo(f"    {action.description}")


@click.command("action")
@click.argument("name")
@click.option("--input", "raw_input", required=True, help="The input as a JSON object")
@handle_errors
def run_action_cmd(name: str, raw_input: str) -> None:
    """Run one action and print its output as JSON."""
    action = get_action(name)
    try:
        raw: Any = json.loads(raw_input)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--input is not JSON: {exc.msg}", code="INVALID_JSON") from exc
    if not isinstance(raw, dict):
        raise InvalidInput("--input must be a JSON object", code="INVALID_JSON")
    inp = action.input_model.parse(raw)
    ctx = action_context()
    audit = AuditStore(ctx.db)
    obj = getattr(inp, "object", None)
    try:
        out = action.run(ctx, inp)
    except ActionError as exc:
        audit.record(
            AuditEntry(
                action=name,
                outcome="error",
                source="cli",
                object=obj,
                record_ids=record_ids(inp),
                error_code=exc.code,
            )
        )
        raise
    finally:
        ctx.close()
    ids = list(dict.fromkeys(record_ids(inp) + record_ids(out)))
    audit.record(AuditEntry(action=name, outcome="ok", source="cli", object=obj, record_ids=ids))
    print_json(out.model_dump(mode="json"))
