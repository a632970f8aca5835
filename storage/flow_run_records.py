"""Flow runs and their steps as the stores hand them out (frozen dataclasses), the run
statuses, and the conversions from database rows (``storage.flow_run_store`` writes them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import FlowRunRow, FlowRunStepRow
from storage.times import as_utc, utcnow

RUNNING, WAITING, SUCCEEDED, FAILED = "running", "waiting", "succeeded", "failed"
OUTCOME_UNKNOWN, SKIPPED = "outcome_unknown", "skipped"
FINISHED = (SUCCEEDED, FAILED, OUTCOME_UNKNOWN, SKIPPED)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)


@dataclass(frozen=True)
class StoredStep:
    seq: int
    path: str
    step_id: str | None
    kind: str
    status: str
    input: Any
    output: Any
    error: str | None


@dataclass(frozen=True)
class StoredRun:
    id: int
    flow_id: int
    flow_name: str
    flow_version: int
    trigger_key: str
    trigger_kind: str
    status: str
    event: dict[str, Any]
    state: dict[str, Any]
    steps_executed: int
    scheduled_for: datetime | None
    claimed_by: str | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    steps: list[StoredStep] = field(default_factory=list)
    # Set by a claim with ``per_minute``: the flow's runs (not skipped) started in the 60 seconds
    # before this one, counted in the claim's transaction.
    runs_before: int | None = None


def stored_run(row: FlowRunRow, steps: list[StoredStep] | None = None) -> StoredRun:
    return StoredRun(
        id=row.id,
        flow_id=row.flow_id,
        flow_name=row.flow_name,
        flow_version=row.flow_version,
        trigger_key=row.trigger_key,
        trigger_kind=row.trigger_kind,
        status=row.status,
        event=json.loads(row.event or "{}"),
        state=json.loads(row.state or "{}"),
        steps_executed=row.steps_executed,
        scheduled_for=as_utc(row.scheduled_for),
        claimed_by=row.claimed_by,
        started_at=as_utc(row.started_at) or utcnow(),
        finished_at=as_utc(row.finished_at),
        error=row.error,
        steps=steps or [],
    )


def stored_step(row: FlowRunStepRow) -> StoredStep:
    return StoredStep(
        seq=row.seq,
        path=row.path,
        step_id=row.step_id,
        kind=row.kind,
        status=row.status,
        input=json.loads(row.input) if row.input else None,
        output=json.loads(row.output) if row.output else None,
        error=row.error,
    )
