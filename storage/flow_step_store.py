"""The steps of flow runs: recorded as they start and finish (``FlowRunStore`` inherits these).

A finished step's record, its run's state, the day's API count and the audit entries are
written in one transaction (``finish_step``), so a run never shows a step done whose effects
were not recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from storage.audit_store import AuditEntry, audit_row
from storage.db import Database
from storage.flow_ask_store import count_api_calls
from storage.flow_run_records import RUNNING, StoredStep, dumps, stored_step
from storage.models import FlowRunRow, FlowRunStepRow


def _finish_step_row(
    s: Any, row_id: int, status: str, now: datetime, output: Any, error: str | None, input: Any
) -> None:
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


class FlowStepStore:
    db: Database

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
        with self.db.session() as s:
            _finish_step_row(s, step_row_id, status, now, output, error, input)

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
                _finish_step_row(s, row_id, status, now, output, error, input)
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
