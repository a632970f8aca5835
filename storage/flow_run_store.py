"""Flow runs, their steps, asks waiting for a click, and the flows' daily API usage.

A run is claimed by inserting the row ``(flow_id, trigger_key)``, which is unique: of all the
processes and threads that try, exactly one gets it (as digests claim their runs). Moving a
run or an ask from one state to the next is one UPDATE that checks the old state, so exactly
one process resumes a paused run. Asks are in ``storage.flow_ask_store``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.audit_store import AuditEntry, audit_row
from storage.db import Database
from storage.flow_ask_store import count_api_calls
from storage.flow_run_records import (
    FINISHED,
    RUNNING,
    SKIPPED,
    StoredRun,
    StoredStep,
    dumps,
    stored_run,
    stored_step,
)
from storage.models import FlowRunRow, FlowRunStepRow
from storage.times import as_utc

# A released run's heartbeat: older than any lease, so the next ``recover`` takes it over.
RELEASED_HEARTBEAT = datetime(2000, 1, 1, tzinfo=UTC)


class FlowRunStore:
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
    ) -> StoredRun | None:
        """Insert the run row; None when this (flow, trigger key) was claimed already."""
        now = now.astimezone(UTC)
        try:
            with self.db.session() as s:
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
                return stored_run(row)
        except IntegrityError:
            return None

    def started_since(self, flow_id: int, since: datetime) -> int:
        """Runs of the flow started at or after ``since`` that were not skipped."""
        with self.db.session() as s:
            return int(
                s.execute(
                    select(func.count(FlowRunRow.id)).where(
                        FlowRunRow.flow_id == flow_id,
                        FlowRunRow.started_at >= since.astimezone(UTC),
                        FlowRunRow.status != SKIPPED,
                    )
                ).scalar_one()
            )

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

    # -- steps -----------------------------------------------------------------------------

    def step_started(
        self,
        run_id: int,
        *,
        seq: int,
        path: str,
        step_id: str | None,
        kind: str,
        input: Any,
        now: datetime,
    ) -> int:
        with self.db.session() as s:
            row = FlowRunStepRow(
                run_id=run_id,
                seq=seq,
                path=path,
                step_id=step_id,
                kind=kind,
                status=RUNNING,
                input=None if input is None else dumps(input),
                started_at=now,
            )
            s.add(row)
            s.flush()
            return row.id

    def step_finished(
        self,
        step_row_id: int,
        status: str,
        *,
        now: datetime,
        output: Any = None,
        error: str | None = None,
        input: Any = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "finished_at": now, "error": error}
        if output is not None:
            values["output"] = dumps(output)
        if input is not None:
            values["input"] = dumps(input)
        with self.db.session() as s:
            s.execute(
                update(FlowRunStepRow)
                .where(FlowRunStepRow.id == step_row_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def finish_step(
        self,
        run_id: int,
        row_id: int | None,
        *,
        seq: int,
        path: str,
        step_id: str | None,
        kind: str,
        status: str,
        input: Any,
        output: Any,
        error: str | None,
        state: dict[str, Any],
        steps_executed: int,
        api_calls: tuple[str, int] | None,
        audit: list[AuditEntry],
        now: datetime,
        held_by: str | None = None,
    ) -> bool:
        """Everything a finished step changes, in one transaction: its record (inserted now
        unless ``row_id`` was recorded when it started), the run's state, the day's API count
        and the audit log. False when ``held_by`` no longer holds the run (taken over after
        it fell silent): the caller stops."""
        with self.db.session() as s:
            if row_id is None:
                s.add(
                    FlowRunStepRow(
                        run_id=run_id,
                        seq=seq,
                        path=path,
                        step_id=step_id,
                        kind=kind,
                        status=status,
                        input=None if input is None else dumps(input),
                        output=None if output is None else dumps(output),
                        error=error,
                        started_at=now,
                        finished_at=now,
                    )
                )
            else:
                values: dict[str, Any] = {"status": status, "finished_at": now, "error": error}
                if output is not None:
                    values["output"] = dumps(output)
                if input is not None:
                    values["input"] = dumps(input)
                s.execute(
                    update(FlowRunStepRow)
                    .where(FlowRunStepRow.id == row_id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            held = s.execute(
                update(FlowRunRow)
                .where(
                    FlowRunRow.id == run_id,
                    *([FlowRunRow.claimed_by == held_by] if held_by is not None else []),
                )
                .values(state=dumps(state), steps_executed=steps_executed, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )
            if api_calls is not None and api_calls[1]:
                count_api_calls(s, *api_calls)
            for entry in audit:
                s.add(audit_row(entry))
            return getattr(held, "rowcount", 0) == 1

    def unfinished_steps(self, run_id: int) -> list[StoredStep]:
        with self.db.session() as s:
            rows = s.execute(
                select(FlowRunStepRow).where(
                    FlowRunStepRow.run_id == run_id, FlowRunStepRow.status == RUNNING
                )
            ).scalars()
            return [stored_step(r) for r in rows]

    @staticmethod
    def _steps(s: Any, run_ids: list[int]) -> dict[int, list[StoredStep]]:
        out: dict[int, list[StoredStep]] = {i: [] for i in run_ids}
        if run_ids:
            rows = s.execute(
                select(FlowRunStepRow)
                .where(FlowRunStepRow.run_id.in_(run_ids))
                .order_by(FlowRunStepRow.run_id, FlowRunStepRow.seq)
            ).scalars()
            for r in rows:
                out[r.run_id].append(stored_step(r))
        return out

    # -- reading runs ----------------------------------------------------------------------

    def runs(self, flow_name: str | None = None, limit: int = 20) -> list[StoredRun]:
        """Newest first, with their steps."""
        query = select(FlowRunRow).order_by(FlowRunRow.started_at.desc(), FlowRunRow.id.desc())
        if flow_name is not None:
            query = query.where(FlowRunRow.flow_name == flow_name)
        with self.db.session() as s:
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
