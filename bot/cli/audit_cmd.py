"""`sfbot audit`: who did what from Slack, newest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from actions.errors import InvalidInput
from bot.cli.common import handle_errors, load_settings, print_json
from storage.audit_store import AuditEntry, AuditStore
from storage.db import Database
from storage.times import utcnow

DURATION_RE = re.compile(r"^(\d+)\s*([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``7d``, ``24h``, ``30m`` (ago), or an ISO date / date-time (UTC unless it says)."""
    text = value.strip().lower()
    match = DURATION_RE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return (now or utcnow()) - timedelta(seconds=amount * UNIT_SECONDS[unit])
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"--since {value!r} is neither a duration like 7d, 24h or 30m nor an ISO date "
            "like 2024-05-01 or 2024-05-01T09:00:00+02:00",
            code="INVALID_SINCE",
            fields=["since"],
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def entry_line(entry: AuditEntry) -> str:
    ids = ",".join(entry.record_ids) or "-"
    outcome = entry.outcome + (f" ({entry.error_code})" if entry.error_code else "")
    return (
        f"{entry.at.isoformat(timespec='seconds')}  {entry.slack_user_id or entry.source:<11}  "
        f"{entry.channel_id or '-':<11}  {entry.action:<15}  {entry.object or '-':<11}  "
        f"{outcome:<20}  {ids}"
    )


@click.command("audit")
@click.option("--since", help="Only entries newer than this: 7d, 24h, 30m or an ISO date")
@click.option("--user", "user_id", help="Only this Slack user's entries (a user id, U...)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="The entries as JSON")
@handle_errors
def audit_cmd(since: str | None, user_id: str | None, limit: int, as_json: bool) -> None:
    """The audit log: who asked for which action, where, on which records, and how it ended."""
    since_at = parse_since(since) if since else None
    db = Database(load_settings().database_url)
    try:
        entries = AuditStore(db).entries(since=since_at, user_id=user_id, limit=limit)
    finally:
        db.dispose()
    if as_json:
        print_json({"entries": [e.to_dict() for e in entries], "count": len(entries)})
        return
    if not entries:
        click.echo("No audit entries.")
        return
    click.echo(
        f"{'at (UTC)':<25}  {'user':<11}  {'channel':<11}  {'action':<15}  {'object':<11}  "
        f"{'outcome':<20}  record ids"
    )
    for entry in entries:
        click.echo(entry_line(entry))
