"""`sfbot actions` and `sfbot action NAME --input JSON`."""

from __future__ import annotations

import json
import logging
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from actions.context import ActionContext
from actions.errors import ActionError, InvalidInput
from actions.registry import ACTIONS, get_action, record_ids
from bot.cli.common import action_context, handle_errors, print_json
from storage.audit_store import AuditEntry, AuditStore

logger = logging.getLogger(__name__)


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
    if action.writes:
        check_writable(ctx)
    audit = AuditStore(ctx.db)
    obj = getattr(inp, "object", None)
    try:
        out = action.run(ctx, inp)
    except ActionError as exc:
        entry = AuditEntry(
            action=name,
            outcome="error",
            source="cli",
            object=obj,
            record_ids=record_ids(inp),
            error_code=exc.code,
        )
        record_beside(audit, entry)  # the action's own error is what is reported
        raise
    finally:
        ctx.close()
    ids = list(dict.fromkeys(record_ids(inp) + record_ids(out)))
    body = out.model_dump(mode="json")
    entry = AuditEntry(action=name, outcome="ok", source="cli", object=obj, record_ids=ids)
    warnings = [
        {"code": "USAGE_NOT_RECORDED", "message": failure}
        for failure in ctx.connection.bookkeeping_failures
    ]
    warning = record_beside(audit, entry)
    if warning:
        warnings.append(warning)
    if warnings:
        body["warnings"] = warnings
    print_json(body)


def check_writable(ctx: ActionContext) -> None:
    """Before a write is sent: the database must be able to record it, else nothing is sent."""
    try:
        ctx.db.check_writable()
    except SQLAlchemyError as exc:
        ctx.close()
        raise InvalidInput(
            "sfbot's database cannot be written (read-only file or replica, or a full disk), "
            f"so nothing was sent to Salesforce: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}",
            code="DATABASE_READ_ONLY",
            fields=["DATABASE_URL"],
        ) from exc


def record_beside(audit: AuditStore, entry: AuditEntry) -> dict[str, str] | None:
    """Write the audit entry; after Salesforce answered, a failure here never becomes the
    action's failure: it is logged loudly and returned as a warning printed beside the result."""
    try:
        audit.record(entry)
    except SQLAlchemyError as exc:
        logger.error(
            "AUDIT ENTRY NOT WRITTEN for %s (%s, records %s): %s",
            entry.action,
            entry.outcome,
            ", ".join(entry.record_ids) or "none",
            exc,
        )
        return {
            "code": "AUDIT_NOT_WRITTEN",
            "message": "Salesforce carried out the action, but sfbot could not write its audit "
            f"entry ({type(exc).__name__}); the admins should check the database.",
        }
    return None
