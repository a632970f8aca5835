"""The audit log and the idempotency keys."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import AuditEntryRow, IdempotencyKeyRow
from storage.times import as_utc, utcnow


@dataclass(frozen=True)
class AuditEntry:
    action: str
    outcome: str
    source: str = "slack"
    slack_team_id: str | None = None
    slack_user_id: str | None = None
    channel_id: str | None = None
    object: str | None = None
    record_ids: list[str] = field(default_factory=list)
    error_code: str | None = None
    at: datetime = field(default_factory=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "source": self.source,
            "slack_team_id": self.slack_team_id,
            "slack_user_id": self.slack_user_id,
            "channel_id": self.channel_id,
            "action": self.action,
            "object": self.object,
            "record_ids": self.record_ids,
            "outcome": self.outcome,
            "error_code": self.error_code,
        }


def audit_row(entry: AuditEntry) -> AuditEntryRow:
    """The row of an entry, for a caller that writes it in its own transaction."""
    return AuditEntryRow(
        at=entry.at,
        source=entry.source,
        slack_team_id=entry.slack_team_id,
        slack_user_id=entry.slack_user_id,
        channel_id=entry.channel_id,
        action=entry.action,
        object=entry.object,
        record_ids=json.dumps(entry.record_ids),
        outcome=entry.outcome,
        error_code=entry.error_code,
    )


class AuditStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, entry: AuditEntry) -> None:
        with self.db.session() as s:
            s.add(audit_row(entry))

    def entries(
        self, *, since: datetime | None = None, user_id: str | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        query = select(AuditEntryRow).order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
        if since is not None:
            query = query.where(AuditEntryRow.at >= since)
        if user_id is not None:
            query = query.where(AuditEntryRow.slack_user_id == user_id)
        with self.db.session() as s:
            rows = s.execute(query.limit(limit)).scalars().all()
            return [
                AuditEntry(
                    action=r.action,
                    outcome=r.outcome,
                    source=r.source,
                    slack_team_id=r.slack_team_id,
                    slack_user_id=r.slack_user_id,
                    channel_id=r.channel_id,
                    object=r.object,
                    record_ids=json.loads(r.record_ids or "[]"),
                    error_code=r.error_code,
                    at=as_utc(r.at) or utcnow(),
                )
                for r in rows
            ]


class IdempotencyStore:
    """Claim a key once; a second claim sees the first one's state and result."""

    PENDING, DONE = "pending", "done"

    def __init__(self, db: Database, stale_after: timedelta = timedelta(minutes=10)) -> None:
        self.db = db
        self.stale_after = stale_after

    def claim(self, key: str, _retries: int = 3) -> tuple[bool, str | None, Any]:
        """(claimed, state, result): ``claimed`` is False when someone holds or finished it."""
        try:
            with self.db.session() as s:
                s.add(IdempotencyKeyRow(key=key, created_at=utcnow(), state=self.PENDING))
            return True, None, None
        except IntegrityError:
            if _retries <= 0:  # refused for another reason than an existing key
                raise
        with self.db.session() as s:
            row = s.get(IdempotencyKeyRow, key)
            if row is None:  # released meanwhile
                return self.claim(key, _retries - 1)
            stale = utcnow() - (as_utc(row.created_at) or utcnow()) > self.stale_after
            if row.state == self.PENDING and stale:
                row.created_at = utcnow()
                return True, None, None
            return False, row.state, json.loads(row.result) if row.result else None

    def finish(self, key: str, result: Any) -> None:
        with self.db.session() as s:
            row = s.get(IdempotencyKeyRow, key)
            if row is not None:
                row.state, row.result = self.DONE, json.dumps(result)

    def release(self, key: str) -> None:
        """Forget a claim whose attempt failed, so the user can try again."""
        with self.db.session() as s:
            s.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.key == key))

    def purge(self, older_than: timedelta = timedelta(days=2)) -> int:
        with self.db.session() as s:
            cutoff = utcnow() - older_than
            return s.query(IdempotencyKeyRow).filter(IdempotencyKeyRow.created_at < cutoff).delete()
