"""Runs of digests: claimed exactly once, then finished with their outcome.

A run is claimed by inserting the row ``(digest_id, scheduled_for)``, which is unique: of all
the processes and threads that try, exactly one gets it (``claim_many`` claims a whole group
in one statement). A claim whose holder died before recording the outcome can be taken over
after a lease, by one taker (an UPDATE that checks the old claim).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import DigestRunRow
from storage.times import as_utc, utcnow

CLAIMED, POSTED, FAILED, SKIPPED, MISSED = "claimed", "posted", "failed", "skipped", "missed"
RELEASED_CLAIM = datetime(2000, 1, 1, tzinfo=UTC)  # a handed-back claim: older than any lease
RUNS = cast(Table, DigestRunRow.__table__)  # for the statements that write many runs at once
# ids per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters
CHUNK = 500


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


@dataclass(frozen=True)
class Claim:
    """One run to claim: a digest's scheduled time."""

    digest_id: int
    scheduled_for: datetime
    late: bool = False


@dataclass(frozen=True)
class Finish:
    """The outcome of a run, recorded by ``finish_many``."""

    run_id: int
    state: str
    finished_at: datetime
    channel_id: str | None = None
    message_ts: str | None = None
    record_count: int | None = None
    error: str | None = None
    late: bool | None = None


def in_chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _run(row: DigestRunRow | Row[Any]) -> DigestRun:
    """From an ORM row or a Core row of the digest_runs table (the same names)."""
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


class DigestRuns:
    """The run side of DigestStore."""

    db: Database

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

    def claim_many(
        self, claims: list[Claim], claimed_by: str, *, now: datetime, state: str = CLAIMED
    ) -> list[DigestRun]:
        """Insert the run rows in one statement; returns those this call got (the others
        were claimed already, by another process or thread)."""
        if not claims:
            return []
        now = now.astimezone(UTC)
        rows = [
            {
                "digest_id": c.digest_id,
                "scheduled_for": c.scheduled_for.astimezone(UTC),
                "state": state,
                "late": c.late,
                "preview": False,
                "claimed_by": claimed_by,
                "claimed_at": now,
                "finished_at": now if state != CLAIMED else None,
            }
            for c in claims
        ]
        # one INSERT of many rows (SQLAlchemy's "insertmanyvalues"), compiled once
        table = RUNS
        dialect = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .on_conflict_do_nothing(index_elements=["digest_id", "scheduled_for"])
            .returning(*table.c)
        )
        with self.db.session() as s:
            return [_run(r) for r in s.connection().execute(statement, rows)]

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

    def release(self, claimed_by: str, *, keep: set[int]) -> int:
        """Hand back the unfinished claims of ``claimed_by`` except ``keep`` (a clean stop):
        their lease is set long past, so the next ``take_over`` may have them at once."""
        with self.db.session() as s:
            released = s.execute(
                update(DigestRunRow)
                .where(
                    DigestRunRow.state == CLAIMED,
                    DigestRunRow.claimed_by == claimed_by,
                    DigestRunRow.id.not_in(sorted(keep)),
                )
                .values(claimed_at=RELEASED_CLAIM)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(released, "rowcount", 0))

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

    def finish_many(self, finishes: list[Finish], claimed_by: str) -> None:
        """Record outcomes in one transaction; a run ``claimed_by`` no longer holds (taken
        over after its lease ran out) keeps the taker's record."""
        if not finishes:
            return
        table = RUNS
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("run_id"),
                table.c.state == CLAIMED,
                table.c.claimed_by == claimed_by,
            )
            .values(
                state=bindparam("new_state"),
                finished_at=bindparam("at"),
                channel_id=bindparam("channel"),
                message_ts=bindparam("ts"),
                record_count=bindparam("count"),
                error=bindparam("problem"),
                late=func.coalesce(bindparam("is_late"), table.c.late),
            )
        )
        rows = [
            {
                "run_id": f.run_id,
                "new_state": f.state,
                "at": f.finished_at.astimezone(UTC),
                "channel": f.channel_id,
                "ts": f.message_ts,
                "count": f.record_count,
                "problem": f.error,
                "is_late": f.late,
            }
            for f in finishes
        ]
        with self.db.session() as s:
            s.connection().execute(statement, rows)  # one executemany

    def last_scheduled_many(self, digest_ids: list[int]) -> dict[int, datetime]:
        """For each digest that has run rows, its newest scheduled time (previews excluded)."""
        found: dict[int, datetime] = {}
        with self.db.session() as s:
            for chunk in in_chunks(sorted(set(digest_ids))):
                rows = s.execute(
                    select(DigestRunRow.digest_id, func.max(DigestRunRow.scheduled_for))
                    .where(DigestRunRow.digest_id.in_(chunk), DigestRunRow.preview.is_(False))
                    .group_by(DigestRunRow.digest_id)
                )
                for digest_id, newest in rows:
                    found[digest_id] = as_utc(newest) or utcnow()
        return found

    def last_posted_many(self, digest_ids: list[int]) -> dict[int, DigestRun]:
        """For each digest, its newest posted or skipped run (previews excluded)."""
        done = (DigestRunRow.preview.is_(False), DigestRunRow.state.in_((POSTED, SKIPPED)))
        found: dict[int, DigestRun] = {}
        with self.db.session() as s:
            for chunk in in_chunks(sorted(set(digest_ids))):
                newest = (
                    select(DigestRunRow.digest_id, func.max(DigestRunRow.scheduled_for))
                    .where(DigestRunRow.digest_id.in_(chunk), *done)
                    .group_by(DigestRunRow.digest_id)
                )
                rows = s.execute(
                    select(DigestRunRow).where(
                        and_(*done),
                        tuple_(DigestRunRow.digest_id, DigestRunRow.scheduled_for).in_(newest),
                    )
                ).scalars()
                found.update((r.digest_id, _run(r)) for r in rows)
        return found

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
