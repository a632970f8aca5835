"""`sfbot digest list` and `sfbot digest runs`: the scheduled digests and how their runs ended.

Read from the database only (no Slack, no Salesforce). Bad options are JSON errors, exit 2.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from actions.digest_kinds import KINDS
from actions.errors import ActionError, InvalidInput
from bot.cli.common import handle_errors, load_settings, print_json
from bot.digests.schedule import Schedule, next_fire, trigger_for
from storage.db import Database
from storage.digest_store import Digest, DigestRun, DigestStore
from storage.times import utcnow

MAX_RUNS = 1000


def whole_number(value: str, option: str, *, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else InvalidInput naming ``option``."""
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(
            f"--{option} must be a whole number from {low} to {high}, not {value!r}",
            code="INVALID_OPTION",
            fields=[option],
        )
    return int(text)


def next_run(digest: Digest, now: datetime) -> datetime | None:
    """When it runs next (as ``DigestEngine.next_run``); None if paused or unschedulable."""
    if digest.paused:
        return None
    try:
        return next_fire(
            trigger_for(Schedule.model_validate(digest.schedule), digest.timezone), now
        )
    except (ActionError, ValueError):
        return None


def describe(digest: Digest) -> str:
    try:
        return Schedule.model_validate(digest.schedule).describe()
    except ValueError:
        return "invalid schedule"


def digest_dict(digest: Digest, now: datetime) -> dict[str, Any]:
    upcoming = next_run(digest, now)
    return {
        "id": digest.id,
        "name": digest.name,
        "kind": digest.kind,
        "kind_label": KINDS[digest.kind].label if digest.kind in KINDS else digest.kind,
        "params": digest.params,
        "channel_id": digest.channel_id,
        "schedule": digest.schedule,
        "schedule_description": describe(digest),
        "timezone": digest.timezone,
        "post_when_empty": digest.post_when_empty,
        "paused": digest.paused,
        "owner_user_id": digest.owner_user_id,
        "created_at": digest.created_at.isoformat(),
        "updated_at": digest.updated_at.isoformat(),
        "version": digest.version,
        "next_run": upcoming.isoformat() if upcoming else None,
    }


def run_dict(run: DigestRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "digest_id": run.digest_id,
        "scheduled_for": run.scheduled_for.isoformat(),
        "state": run.state,
        "late": run.late,
        "channel_id": run.channel_id,
        "ts": run.message_ts,
        "record_count": run.record_count,
        "error": run.error,
        "claimed_by": run.claimed_by,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def open_store() -> tuple[Database, DigestStore]:
    db = Database(load_settings().database_url)
    return db, DigestStore(db)


@click.group("digest")
def digest_group() -> None:
    """Scheduled digests (admins add and edit them in Slack: /sf digest add)."""


@digest_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="The definitions as JSON")
@handle_errors
def list_cmd(as_json: bool) -> None:
    """Every digest: kind, channel, schedule and time zone, paused or not, next run."""
    db, store = open_store()
    try:
        now = utcnow()
        digests = [digest_dict(d, now) for d in store.all_digests()]
    finally:
        db.dispose()
    if as_json:
        print_json({"digests": digests, "count": len(digests)})
        return
    if not digests:
        click.echo("No digests. Admins add them in Slack with /sf digest add.")
        return
    click.echo(
        f"{'id':>4}  {'name':<24}  {'kind':<22}  {'channel':<11}  {'next run (UTC)':<25}  when"
    )
    for d in digests:
        upcoming = "paused" if d["paused"] else d["next_run"] or "-"
        click.echo(
            f"{d['id']:>4}  {d['name'][:24]:<24}  {d['kind']:<22}  {d['channel_id']:<11}  "
            f"{upcoming:<25}  {d['schedule_description']} ({d['timezone']})"
        )


@digest_group.command("runs")
@click.option("--digest", "digest_id", help="Only this digest's runs (its id)")
@click.option("--limit", default="50", show_default=True, help=f"At most this many (1-{MAX_RUNS})")
@click.option("--json", "as_json", is_flag=True, help="The runs as JSON")
@handle_errors
def runs_cmd(digest_id: str | None, limit: str, as_json: bool) -> None:
    """Runs, newest scheduled time first: posted, failed, skipped, missed or claimed."""
    count = whole_number(limit, "limit", low=1, high=MAX_RUNS)
    wanted = whole_number(digest_id, "digest", low=1, high=2**31) if digest_id else None
    db, store = open_store()
    try:
        if wanted is not None and store.get(wanted) is None:
            raise InvalidInput(
                f"there is no digest {wanted}: `sfbot digest list` shows them",
                code="UNKNOWN_DIGEST",
                fields=["digest"],
            )
        runs = [run_dict(r) for r in store.runs(wanted, limit=count)]
    finally:
        db.dispose()
    if as_json:
        print_json({"runs": runs, "count": len(runs)})
        return
    if not runs:
        click.echo("No digest runs.")
        return
    click.echo(
        f"{'scheduled for (UTC)':<25}  {'digest':>6}  {'state':<8}  {'late':<4}  {'ts':<17}  error"
    )
    for r in runs:
        click.echo(
            f"{r['scheduled_for']:<25}  {r['digest_id']:>6}  {r['state']:<8}  "
            f"{'yes' if r['late'] else 'no':<4}  {r['ts'] or '-':<17}  {r['error'] or ''}"
        )
