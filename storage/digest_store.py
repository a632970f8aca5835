"""Digest definitions and their runs.

A run is claimed by inserting the row ``(digest_id, scheduled_for)``, which is unique: of all
the processes and threads that try, exactly one gets it. A claim whose holder died before
recording the outcome can be taken over after a lease, by one taker (an UPDATE that checks
the old claim).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import DigestRow, DigestRunRow
from storage.times import as_utc, utcnow

CLAIMED, POSTED, FAILED, SKIPPED, MISSED = "claimed", "posted", "failed", "skipped", "missed"


@dataclass(frozen=True)
class Digest:
    id: int
    name: str
    kind: str
    params: dict[str, Any]
    channel_id: str
    schedule: dict[str, Any]
    timezone: str
    post_when_empty: bool
    paused: bool
    owner_user_id: str
    created_at: datetime
    updated_at: datetime
    active_since: datetime
    version: int


@dataclass(frozen=True)
class DigestRun:
    id: int
    digest_id: int
    scheduled_for: datetime
    state: str
    late: bool
    preview: bool
    claimed_by: str | None
    claimed_at: datetime | None
    finished_at: datetime | None
    channel_id: str | None
    message_ts: str | None
    record_count: int | None
    error: str | None


def _digest(row: DigestRow) -> Digest:
    return Digest(
        id=row.id,
        name=row.name,
        kind=row.kind,
        params=json.loads(row.params or "{}"),
        channel_id=row.channel_id,
        schedule=json.loads(row.schedule),
        timezone=row.timezone,
        post_when_empty=row.post_when_empty,
        paused=row.paused,
        owner_user_id=row.owner_user_id,
        created_at=as_utc(row.created_at) or utcnow(),
        updated_at=as_utc(row.updated_at) or utcnow(),
        active_since=as_utc(row.active_since) or utcnow(),
        version=row.version,
    )


def _run(row: DigestRunRow) -> DigestRun:
    return DigestRun(
        id=row.id,
        digest_id=row.digest_id,
        scheduled_for=as_utc(row.scheduled_for) or utcnow(),
        state=row.state,
        late=row.late,
        preview=row.preview,
        claimed_by=row.claimed_by,
        claimed_at=as_utc(row.claimed_at),
        finished_at=as_utc(row.finished_at),
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        record_count=row.record_count,
        error=row.error,
    )


class DigestStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- definitions -----------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        kind: str,
        params: dict[str, Any],
        channel_id: str,
        schedule: dict[str, Any],
        timezone: str,
        post_when_empty: bool,
        owner_user_id: str,
        now: datetime | None = None,
    ) -> Digest:
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = DigestRow(
                name=name,
                kind=kind,
                params=json.dumps(params),
                channel_id=channel_id,
                schedule=json.dumps(schedule),
                timezone=timezone,
                post_when_empty=post_when_empty,
                paused=False,
                owner_user_id=owner_user_id,
                created_at=now,
                updated_at=now,
                active_since=now,
                version=1,
            )
            s.add(row)
            s.flush()
            return _digest(row)

    def update(
        self, digest_id: int, *, now: datetime | None = None, **changes: Any
    ) -> Digest | None:
        """Change a definition; ``version`` goes up so every process reschedules it.

        Resuming it or changing when it runs starts it afresh (``active_since``): runs that
        fell while it was paused, or under the old schedule, are not posted.
        """
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = s.get(DigestRow, digest_id)
            if row is None:
                return None
            restarts = (changes.get("paused") is False and row.paused) or any(
                key in changes for key in ("schedule", "timezone")
            )
            for key, value in changes.items():
                if key in ("params", "schedule"):
                    value = json.dumps(value)
                if not hasattr(row, key) or key in ("id", "version", "created_at", "active_since"):
                    raise TypeError(f"cannot change {key!r}")
                setattr(row, key, value)
            if restarts:
                row.active_since = now
            row.version += 1
            row.updated_at = now
            s.flush()
            return _digest(row)

    def delete(self, digest_id: int) -> bool:
        with self.db.session() as s:
            s.execute(delete(DigestRunRow).where(DigestRunRow.digest_id == digest_id))
            return s.query(DigestRow).filter(DigestRow.id == digest_id).delete() > 0

    def get(self, digest_id: int) -> Digest | None:
        with self.db.session() as s:
            row = s.get(DigestRow, digest_id)
            return None if row is None else _digest(row)

    def all_digests(self) -> list[Digest]:
        with self.db.session() as s:
            return [
                _digest(r) for r in s.execute(select(DigestRow).order_by(DigestRow.id)).scalars()
            ]

    # -- runs ------------------------------------------------------------------------------

    def claim(
        self,
        digest_id: int,
        scheduled_for: datetime,
        claimed_by: str,
        *,
        now: datetime,
        late: bool = False,
        state: str = CLAIMED,
        preview: bool = False,
    ) -> DigestRun | None:
        """Insert the run row; None when another process or thread has it already."""
        # SQLite keeps a datetime's wall time and drops its offset: store UTC only.
        scheduled_for, now = scheduled_for.astimezone(UTC), now.astimezone(UTC)
        try:
            with self.db.session() as s:
                row = DigestRunRow(
                    digest_id=digest_id,
                    scheduled_for=scheduled_for,
                    state=state,
                    late=late,
                    preview=preview,
                    claimed_by=claimed_by,
                    claimed_at=now,
                    finished_at=now if state != CLAIMED else None,
                )
                s.add(row)
                s.flush()
                return _run(row)
        except IntegrityError:
            return None

    def take_over(
        self, run: DigestRun, claimed_by: str, *, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        """Take over a claim older than ``lease`` that was never finished; one taker wins."""
        with self.db.session() as s:
            taken = s.execute(
                update(DigestRunRow)
                .where(
                    DigestRunRow.id == run.id,
                    DigestRunRow.state == CLAIMED,
                    DigestRunRow.claimed_by == run.claimed_by,
                    DigestRunRow.claimed_at < now - lease,
                )
                .values(claimed_by=claimed_by, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None
            row = s.get(DigestRunRow, run.id)
            return None if row is None else _run(row)

    def holds(self, run_id: int, claimed_by: str) -> bool:
        """Whether ``claimed_by`` still holds the (unfinished) claim on the run."""
        with self.db.session() as s:
            row = s.get(DigestRunRow, run_id)
            return row is not None and row.state == CLAIMED and row.claimed_by == claimed_by

    def renew(self, run_id: int, claimed_by: str, *, now: datetime) -> bool:
        """Restart the lease of a claim ``claimed_by`` still holds; False if it lost it."""
        with self.db.session() as s:
            renewed = s.execute(
                update(DigestRunRow)
                .where(
                    DigestRunRow.id == run_id,
                    DigestRunRow.state == CLAIMED,
                    DigestRunRow.claimed_by == claimed_by,
                )
                .values(claimed_at=now.astimezone(UTC))
                .execution_options(synchronize_session=False)
            )
            return getattr(renewed, "rowcount", 0) == 1

    def stale_claims(self, older_than: datetime) -> list[DigestRun]:
        with self.db.session() as s:
            rows = s.execute(
                select(DigestRunRow).where(
                    DigestRunRow.state == CLAIMED, DigestRunRow.claimed_at < older_than
                )
            ).scalars()
            return [_run(r) for r in rows]

    def finish(
        self,
        run_id: int,
        state: str,
        *,
        now: datetime,
        channel_id: str | None = None,
        message_ts: str | None = None,
        record_count: int | None = None,
        error: str | None = None,
        late: bool | None = None,
    ) -> None:
        with self.db.session() as s:
            row = s.get(DigestRunRow, run_id)
            if row is not None:
                row.state, row.finished_at = state, now
                row.channel_id, row.message_ts = channel_id, message_ts
                row.record_count, row.error = record_count, error
                if late is not None:  # a run taken over and posted late
                    row.late = late

    def last_scheduled(self, digest_id: int) -> datetime | None:
        """The newest scheduled time that has a run row (previews excluded)."""
        with self.db.session() as s:
            value = s.execute(
                select(DigestRunRow.scheduled_for)
                .where(DigestRunRow.digest_id == digest_id, DigestRunRow.preview.is_(False))
                .order_by(DigestRunRow.scheduled_for.desc())
                .limit(1)
            ).scalar_one_or_none()
            return as_utc(value)

    def last_posted(self, digest_id: int) -> DigestRun | None:
        with self.db.session() as s:
            row = s.execute(
                select(DigestRunRow)
                .where(
                    DigestRunRow.digest_id == digest_id,
                    DigestRunRow.preview.is_(False),
                    DigestRunRow.state.in_((POSTED, SKIPPED)),
                )
                .order_by(DigestRunRow.scheduled_for.desc())
                .limit(1)
            ).scalar_one_or_none()
            return None if row is None else _run(row)

    def runs(self, digest_id: int | None = None, limit: int = 50) -> list[DigestRun]:
        query = select(DigestRunRow).order_by(
            DigestRunRow.scheduled_for.desc(), DigestRunRow.id.desc()
        )
        if digest_id is not None:
            query = query.where(DigestRunRow.digest_id == digest_id)
        with self.db.session() as s:
            return [_run(r) for r in s.execute(query.limit(limit)).scalars()]

    def purge_runs(self, older_than: timedelta, *, now: datetime) -> int:
        with self.db.session() as s:
            return (
                s.query(DigestRunRow).filter(DigestRunRow.scheduled_for < now - older_than).delete()
            )
