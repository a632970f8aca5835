"""Flows and runs as ``sfbot flow list|runs --json`` (and ``/sf flow``) show them."""

from __future__ import annotations

from typing import Any

from storage.flow_run_records import StoredRun
from storage.flow_store import StoredFlow


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def run_dict(run: StoredRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "flow": run.flow_name,
        "status": run.status,
        "trigger_key": run.trigger_key,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "error": run.error,
        "steps": [
            {
                "id": s.step_id,
                "kind": s.kind,
                "status": s.status,
                "input": s.input,
                "output": s.output,
                "error": s.error,
                "path": s.path,
            }
            for s in run.steps
        ],
    }


def last_run_summary(run: StoredRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "error": run.error,
    }


def flow_summary(flow: StoredFlow, last: StoredRun | None) -> dict[str, Any]:
    return {
        "name": flow.name,
        "enabled": flow.enabled,
        "trigger": flow.trigger_kind,
        "last_run": last_run_summary(last),
        "description": flow.description,
        "owner": flow.owner_user_id,
        "version": flow.version,
        "updated_at": _iso(flow.updated_at),
    }
