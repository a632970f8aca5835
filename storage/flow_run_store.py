"""Flow runs, their steps, asks waiting for a click, and the flows' daily API usage.

A run is claimed by inserting the row ``(flow_id, trigger_key)``, which is unique: of all the
processes and threads that try, exactly one gets it (as digests claim their runs). Moving a
run or an ask from one state to the next is one UPDATE that checks the old state, so exactly
one process resumes a paused run. Asks are in ``storage.flow_ask_store``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.flow_run_records import (
    FINISHED,
    RUNNING,
    SKIPPED,
    StoredRun,
    dumps,
    stored_run,
)
from storage.flow_step_store import FlowStepStore
from storage.models import FlowRunRow, FlowRunStepRow
from storage.times import as_utc

# A released run's heartbeat: older than any lease, so the next ``recover`` takes it over.
RELEASED_HEARTBEAT = datetime(2000, 1, 1, tzinfo=UTC)


# pg_advisory_xact_lock(CLAIM_LOCK, flow_id): one rate-limited claim of a flow at a time
CLAIM_LOCK = 0x5346  # "SF"


def _started_in(s: Any, flow_id: int, since: datetime) -> int:
    """Runs of the flow started at or after ``since`` that were not skipped."""
    return int(
        s.execute(
            select(func.count(FlowRunRow.id)).where(
                FlowRunRow.flow_id == flow_id,
                FlowRunRow.started_at >= since.astimezone(UTC),
                FlowRunRow.status != SKIPPED,
            )
        ).scalar_one()
    )


class FlowRunStore(FlowStepStore):
    """Flow runs: claimed once, moved between states, taken over, read (steps: the base)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- claiming and recording runs -------------------------------------------------------

    def claim(
        self,
        *,
        flow_id: int,
        flow_name: str,
        flow_version: int,
        trigger_key: str,
        trigger_kind: str,
        event: dict[str, Any],
        claimed_by: str,
        now: datetime,
        status: str = RUNNING,
        error: str | None = None,
        scheduled_for: datetime | None = None,
        per_minute: int | None = None,
        over_limit: str | None = None,
    ) -> StoredRun | None:
        """Insert the run row; None when this (flow, trigger key) was claimed already.

        With ``per_minute``, a run that would be more than ``per_minute`` of the flow started in
        the last 60 seconds is recorded ``skipped`` with the error ``over_limit``, in the same
        transaction and one claim of the flow at a time across processes (SQLite: the insert
        comes first and takes the database's write lock; PostgreSQL: an advisory lock on the
        flow), so concurrent claims in several replicas never exceed the limit."""
        now = now.astimezone(UTC)
        try:
            with self.db.session() as s:
                if per_minute is not None and s.get_bind().dialect.name == "postgresql":
                    s.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK, flow_id)))
                row = FlowRunRow(
                    flow_id=flow_id,
                    flow_name=flow_name,
                    flow_version=flow_version,
                    trigger_key=trigger_key[:255],
                    trigger_kind=trigger_kind,
                    status=status,
                    event=dumps(event),
                    state="{}",
                    steps_executed=0,
                    scheduled_for=scheduled_for.astimezone(UTC) if scheduled_for else None,
                    claimed_by=claimed_by,
                    heartbeat_at=now,
                    started_at=now,
                    finished_at=now if status in FINISHED else None,
                    error=error,
                )
                s.add(row)
                s.flush()
                if per_minute is None or status != RUNNING:
                    return stored_run(row)
                runs_before = _started_in(s, flow_id, now - timedelta(minutes=1)) - 1  # not this
                if runs_before >= per_minute:
                    row.status, row.error, row.finished_at = SKIPPED, over_limit, now
                    s.flush()
                return replace(stored_run(row), runs_before=runs_before)
        except IntegrityError:
            return None

    def save_state(
        self, run_id: int, state: dict[str, Any], steps_executed: int, *, now: datetime
    ) -> None:
        with self.db.session() as s:
            s.execute(
                update(FlowRunRow)
                .where(FlowRunRow.id == run_id)
                .values(state=dumps(state), steps_executed=steps_executed, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )

    def move(
        self,
        run_id: int,
        from_status: str,
        to_status: str,
        *,
        now: datetime,
        claimed_by: str | None = None,
        error: str | None = None,
        held_by: str | None = None,
    ) -> bool:
        """Change the run's status if it is still ``from_status`` (and, with ``held_by``, still
        claimed by it); False if someone else did."""
        values: dict[str, Any] = {"status": to_status, "heartbeat_at": now}
        if to_status in FINISHED:
            values.update(finished_at=now, error=error)
        if claimed_by is not None:
            values["claimed_by"] = claimed_by
        with self.db.session() as s:
            moved = s.execute(
                update(FlowRunRow)
                .where(
                    FlowRunRow.id == run_id,
                    FlowRunRow.status == from_status,
                    *([FlowRunRow.claimed_by == held_by] if held_by is not None else []),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return getattr(moved, "rowcount", 0) == 1

    def touch(self, run_id: int, held_by: str, *, now: datetime) -> bool:
        """Renew a running run's heartbeat if ``held_by`` still holds it (no one took it over)."""
        with self.db.session() as s:
            done = s.execute(
                update(FlowRunRow)
                .where(
                    FlowRunRow.id == run_id,
                    FlowRunRow.status == RUNNING,
                    FlowRunRow.claimed_by == held_by,
                )
                .values(heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            return getattr(done, "rowcount", 0) == 1

    def take_over(
        self,
        run_id: int,
        held_by: str | None,
        new_holder: str,
        *,
        stale_before: datetime,
        now: datetime,
    ) -> bool:
        """Take a running run whose holder has been silent since ``stale_before``; one taker
        wins, and the old holder's ``touch`` fails from then on."""
        with self.db.session() as s:
            done = s.execute(
                update(FlowRunRow)
                .where(
                    FlowRunRow.id == run_id,
                    FlowRunRow.status == RUNNING,
                    FlowRunRow.claimed_by == held_by,
                    FlowRunRow.heartbeat_at < stale_before,
                )
                .values(claimed_by=new_holder, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            return getattr(done, "rowcount", 0) == 1

    def release_unstarted(self, run_ids: list[int], held_by: str) -> int:
        """Hand back runs ``held_by`` claimed and never began (a clean stop): still running,
        still held by it, no step recorded. Their heartbeat is set long past, so whichever
        process runs ``FlowEngine.recover`` next starts them; returns how many."""
        if not run_ids:
            return 0
        started = select(FlowRunStepRow.id).where(FlowRunStepRow.run_id == FlowRunRow.id)
        with self.db.session() as s:
            done = s.execute(
                update(FlowRunRow)
                .where(
                    FlowRunRow.id.in_(run_ids),
                    FlowRunRow.status == RUNNING,
                    FlowRunRow.claimed_by == held_by,
                    ~started.exists(),
                )
                .values(heartbeat_at=RELEASED_HEARTBEAT)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(done, "rowcount", 0))

    def get(self, run_id: int, *, with_steps: bool = False) -> StoredRun | None:
        with self.db.session() as s:
            row = s.get(FlowRunRow, run_id)
            if row is None:
                return None
            return stored_run(row, self._steps(s, [run_id]).get(run_id) if with_steps else None)

    def stale_running(self, older_than: datetime) -> list[StoredRun]:
        """Runs still ``running`` whose process has not written for a while (it died)."""
        with self.db.session() as s:
            rows = s.execute(
                select(FlowRunRow).where(
                    FlowRunRow.status == RUNNING, FlowRunRow.heartbeat_at < older_than
                )
            ).scalars()
            return [stored_run(r) for r in rows]

    def purge(self, older_than: datetime) -> int:
        """Forget finished runs started before ``older_than`` (their steps and asks go too)."""
        with self.db.session() as s:
            return (
                s.query(FlowRunRow)
                .filter(FlowRunRow.started_at < older_than, FlowRunRow.status.in_(FINISHED))
                .delete(synchronize_session=False)
            )

    # -- reading runs ----------------------------------------------------------------------

    def runs(
        self,
        flow_name: str | None = None,
        limit: int = 20,
        *,
        before: int | None = None,
        status: str | None = None,
    ) -> list[StoredRun]:
        """Newest first, with their steps; ``before``: only runs after that run in this order
        (the next page), ``status``: only runs with it."""
        query = select(FlowRunRow).order_by(FlowRunRow.started_at.desc(), FlowRunRow.id.desc())
        if flow_name is not None:
            query = query.where(FlowRunRow.flow_name == flow_name)
        if status is not None:
            query = query.where(FlowRunRow.status == status)
        with self.db.session() as s:
            if before is not None:
                cursor = s.get(FlowRunRow, before)
                if cursor is None:
                    return []
                query = query.where(
                    (FlowRunRow.started_at < cursor.started_at)
                    | ((FlowRunRow.started_at == cursor.started_at) & (FlowRunRow.id < before))
                )
            rows = list(s.execute(query.limit(limit)).scalars())
            steps = self._steps(s, [r.id for r in rows])
            return [stored_run(r, steps[r.id]) for r in rows]

    def last_run(self, flow_id: int) -> StoredRun | None:
        with self.db.session() as s:
            row = s.execute(
                select(FlowRunRow)
                .where(FlowRunRow.flow_id == flow_id)
                .order_by(FlowRunRow.started_at.desc(), FlowRunRow.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return None if row is None else stored_run(row)

    def last_scheduled(self, flow_id: int) -> datetime | None:
        with self.db.session() as s:
            value = s.execute(
                select(func.max(FlowRunRow.scheduled_for)).where(FlowRunRow.flow_id == flow_id)
            ).scalar_one_or_none()
            return as_utc(value)
