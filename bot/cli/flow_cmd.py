"""`sfbot flow ...`: apply flow files, list, show, enable, disable, delete, runs, test, schema.

Bad input is a JSON error and exit 2; a bad flow file also prints ``FILE:LINE: what is wrong``
(one per problem) on stderr and stores nothing from that file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.flows.apply import ChannelDirectory, apply_files, check_owner
from actions.flows.dry_run import dry_run, event_from_json
from actions.flows.loader import FlowFileError, parse_file
from actions.flows.record_check import record_trigger_check
from actions.flows.schema import flow_schema
from actions.flows.views import flow_summary, run_dict
from bot.cli.common import action_context, handle_errors, load_settings, print_json
from bot.cli.digest_cmd import whole_number
from storage.db import Database
from storage.flow_run_records import (
    FAILED,
    OUTCOME_UNKNOWN,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    WAITING,
)
from storage.flow_run_store import FlowRunStore
from storage.flow_store import FlowStore

MAX_RUNS = 1000
RUN_STATUSES = (RUNNING, WAITING, SUCCEEDED, FAILED, OUTCOME_UNKNOWN, SKIPPED)


def channel_directory() -> ChannelDirectory | None:
    """Slack's channels, with SLACK_BOT_TOKEN from the settings; None without a token."""
    from bot.app import make_client
    from bot.config import Settings
    from bot.flows.channels import WebApiChannels

    settings = Settings()
    if settings.slack_bot_token is None:
        return None
    return WebApiChannels(make_client(settings))


def open_stores() -> tuple[Database, FlowStore, FlowRunStore]:
    db = Database(load_settings().database_url)
    return db, FlowStore(db), FlowRunStore(db)


def unknown_flow(name: str) -> InvalidInput:
    return InvalidInput(
        f"there is no flow {name!r}: `sfbot flow list` shows them",
        code="UNKNOWN_FLOW",
        fields=["name"],
    )


def invalid_files(problems: list[str], applied: list[dict[str, Any]]) -> None:
    for line in problems:
        click.echo(line, err=True)
    print_json(
        {
            "error": {
                "code": "INVALID_FLOW_FILE",
                "message": problems[0]
                if len(problems) == 1
                else f"{len(problems)} problems: {problems[0]}",
                "fields": [],
                "problems": problems,
            },
            "applied": applied,
        }
    )
    sys.exit(2)


@click.group("flow")
def flow_group() -> None:
    """Action flows: automations started by Slack messages, reactions, shortcuts, schedules."""


@flow_group.command("apply")
@click.argument("files", nargs=-1, required=True)
@click.option("--owner", help="Slack user id told about failed runs (needed for a new flow)")
@handle_errors
def apply_cmd(files: tuple[str, ...], owner: str | None) -> None:
    """Check flow files and store them (a re-applied name replaces its definition)."""
    try:
        check_owner(owner)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="INVALID_OWNER", fields=["owner"]) from exc
    texts, problems = [], []
    for name in files:
        try:
            texts.append((name, Path(name).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: cannot read the file: {exc}")
    db, store, _runs = open_stores()
    try:
        contexts = _LazyContext()
        check = record_trigger_check(contexts.get)
        result = apply_files(texts, store, _LazyDirectory(), owner, check_trigger=check)
    finally:
        contexts.close()
        db.dispose()
    problems += result.problems
    if problems:
        invalid_files(problems, result.applied)
    print_json({"applied": result.applied})


class _LazyContext:
    """Salesforce is only asked when a file has a salesforce_record trigger."""

    def __init__(self) -> None:
        self._ctx: ActionContext | None = None

    def get(self) -> ActionContext:
        if self._ctx is None:
            self._ctx = action_context()
        return self._ctx

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()


class _LazyDirectory:
    """Slack is only asked when a file names a channel."""

    def __init__(self) -> None:
        self._directory: ChannelDirectory | None = None
        self._built = False

    def _get(self) -> ChannelDirectory:
        if not self._built:
            self._directory, self._built = channel_directory(), True
        if self._directory is None:
            from actions.flows.ports import FlowSlackError

            raise FlowSlackError("checking channels needs Slack: set SLACK_BOT_TOKEN", "no_token")
        return self._directory

    def resolve_channel(self, ref: str) -> str:
        return self._get().resolve_channel(ref)

    def is_member(self, channel_id: str) -> bool:
        return self._get().is_member(channel_id)


@flow_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="As JSON")
@handle_errors
def list_cmd(as_json: bool) -> None:
    """Every flow: enabled or not, its trigger, its last run."""
    db, store, runs = open_stores()
    try:
        flows = [flow_summary(f, runs.last_run(f.id)) for f in store.all_flows()]
    finally:
        db.dispose()
    if as_json:
        print_json({"flows": flows})
        return
    if not flows:
        click.echo("No flows. Apply one with `sfbot flow apply FILE --owner U...`.")
        return
    click.echo(f"{'name':<32}  {'enabled':<7}  {'trigger':<14}  last run")
    for f in flows:
        last = f["last_run"]
        when = f"{last['status']} at {last['started_at']}" if last else "-"
        click.echo(
            f"{f['name']:<32}  {'yes' if f['enabled'] else 'no':<7}  {f['trigger']:<14}  {when}"
        )


@flow_group.command("show")
@click.argument("name")
@handle_errors
def show_cmd(name: str) -> None:
    """One flow: its summary and its file as applied (channels as ids)."""
    db, store, runs = open_stores()
    try:
        flow = store.get(name)
        if flow is None:
            raise unknown_flow(name)
        summary = flow_summary(flow, runs.last_run(flow.id))
    finally:
        db.dispose()
    print_json({**summary, "definition": flow.document, "source": flow.source})


def _set_enabled(name: str, enabled: bool) -> None:
    db, store, _runs = open_stores()
    try:
        if not store.set_enabled(name, enabled):
            raise unknown_flow(name)
    finally:
        db.dispose()
    print_json({"name": name, "enabled": enabled})


@flow_group.command("enable")
@click.argument("name")
@handle_errors
def enable_cmd(name: str) -> None:
    """Start running the flow again."""
    _set_enabled(name, True)


@flow_group.command("disable")
@click.argument("name")
@handle_errors
def disable_cmd(name: str) -> None:
    """Stop running the flow (its definition and runs are kept)."""
    _set_enabled(name, False)


def _confirmed(question: str) -> bool:
    """Ask on the terminal; no terminal (or no answer) is a no."""
    if not sys.stdin.isatty():
        return False
    try:
        return click.confirm(question, err=True)
    except click.Abort:
        return False


@flow_group.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@handle_errors
def delete_cmd(name: str, yes: bool) -> None:
    """Delete the flow and its runs."""
    db, store, _runs = open_stores()
    try:
        if store.get(name) is None:
            raise unknown_flow(name)
        if not yes and not _confirmed(f"Delete flow {name!r} and its runs?"):
            raise InvalidInput(
                "not deleted: confirm, or pass --yes", code="NOT_CONFIRMED", fields=["yes"]
            )
        store.delete(name)
    finally:
        db.dispose()
    print_json({"name": name, "deleted": True})


@flow_group.command("runs")
@click.argument("name", required=False)
@click.option("--limit", default="20", show_default=True, help=f"At most this many (1-{MAX_RUNS})")
@click.option("--before", help="The next page: runs older than this run id")
@click.option("--status", help=f"Only runs with this status ({', '.join(RUN_STATUSES)})")
@click.option("--json", "as_json", is_flag=True, help="As JSON")
@handle_errors
def runs_cmd(
    name: str | None, limit: str, before: str | None, status: str | None, as_json: bool
) -> None:
    """Runs, newest first, with their steps' inputs, outputs and errors; a page at a time."""
    count = whole_number(limit, "limit", low=1, high=MAX_RUNS)
    cursor = None if before is None else whole_number(before, "before", low=1, high=2**63 - 1)
    if status is not None and status not in RUN_STATUSES:
        raise InvalidInput(
            f"--status must be one of {', '.join(RUN_STATUSES)}, not {status!r}",
            code="INVALID_OPTION",
            fields=["status"],
        )
    db, store, runs = open_stores()
    try:
        if name is not None and store.get(name) is None:
            raise unknown_flow(name)
        page = runs.runs(name, count + 1, before=cursor, status=status)
    finally:
        db.dispose()
    found = [run_dict(r) for r in page[:count]]
    next_before = found[-1]["id"] if len(page) > count else None
    if as_json:
        print_json({"runs": found, "next_before": next_before})
        return
    echo_runs(found)
    if next_before is not None:
        more = " ".join(
            ["sfbot flow runs", *([name] if name else []), f"--limit {count}"]
            + ([f"--status {status}"] if status else [])
            + [f"--before {next_before}"]
        )
        click.echo(f"More runs: {more}")


def echo_runs(found: list[dict[str, Any]]) -> None:
    if not found:
        click.echo("No runs.")
        return
    for r in found:
        click.echo(
            f"{r['id']:>6}  {r['flow']:<28}  {r['status']:<15}  {r['started_at']}  {r['error'] or ''}"
        )
        for s in r["steps"]:
            click.echo(
                f"          {s['id'] or s['path']:<20}  {s['kind']:<14}  {s['status']:<15}  {s['error'] or ''}"
            )


@flow_group.command("test")
@click.argument("file")
@click.option("--event", "event_json", required=True, help="The trigger's variables as JSON")
@handle_errors
def test_cmd(file: str, event_json: str) -> None:
    """A dry run: lookups are performed, writes and messages are shown but not sent."""
    try:
        definition, _text = parse_file(file)
    except FlowFileError as exc:
        invalid_files(exc.lines(), [])
        return
    try:
        data: Any = json.loads(event_json)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"--event is not JSON: {exc.msg}", code="INVALID_JSON", fields=["event"]
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput("--event must be a JSON object", code="INVALID_JSON", fields=["event"])
    ctx = action_context()
    try:
        result = dry_run(definition, event_from_json(definition, data), ctx, _LazyDirectory())
    finally:
        ctx.close()
    print_json(result)


@flow_group.command("schema")
def schema_cmd() -> None:
    """The JSON Schema of a flow file, for editors."""
    print_json(flow_schema())
