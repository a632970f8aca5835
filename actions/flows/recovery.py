"""Runs whose process stopped: run again if no step had started, else end them.

A run is ``running`` with a heartbeat its process renews. When the heartbeat is older than the
engine's lease, the process died (or, stopping cleanly, handed the run back before it began:
``FlowEngine.release_queued``). Whoever runs ``recover`` first takes the run over (one UPDATE
that checks the old holder, so one taker wins), then:

- no step recorded: the run starts again from its first step (nothing was done yet);
- steps recorded: never repeated blindly. The run ends ``outcome_unknown`` when a write step
  was under way (it may or may not have reached Salesforce), else ``failed``; the owner is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from actions.flows import notices
from actions.flows.action_steps import READ_ONLY
from actions.flows.flows_cache import Flow
from actions.metrics import FLOW_RUNS
from storage.flow_run_records import FAILED, OUTCOME_UNKNOWN, RUNNING, StoredRun

if TYPE_CHECKING:
    from actions.flows.engine import FlowEngine


def recover_runs(engine: FlowEngine, now: datetime) -> int:
    """Take over every stale run and restart or end it; returns how many."""
    count = 0
    stale_before = now - engine.lease
    for run in engine.runs_store.stale_running(stale_before):
        stored = engine.store.get_by_id(run.flow_id)
        run_full = engine.runs_store.get(run.id, with_steps=True)
        if stored is None or run_full is None:
            continue
        if not engine.runs_store.take_over(
            run.id, run.claimed_by, engine.process, stale_before=stale_before, now=now
        ):
            continue  # another process took it first
        if not run_full.steps:
            engine.rerun(Flow.of(stored), run)
            count += 1
        elif end_cut_off_run(engine, run_full, stored.owner_user_id, now):
            count += 1
    return count


def end_cut_off_run(engine: FlowEngine, run: StoredRun, owner: str, now: datetime) -> bool:
    """End a taken-over run that had begun: ``outcome_unknown`` if a write step was under way,
    else ``failed``; tell the owner. False if the run moved on meanwhile."""
    in_flight = [s for s in run.steps if s.status == RUNNING]
    unknown = any(s.kind not in READ_ONLY and s.kind != "if" for s in in_flight)
    status = OUTCOME_UNKNOWN if unknown else FAILED
    error = "sfbot stopped during this run" + (
        f" while step {in_flight[0].step_id or in_flight[0].path} was under way"
        if in_flight
        else ""
    )
    if not engine.runs_store.move(run.id, RUNNING, status, now=now, error=error):
        return False
    FLOW_RUNS.labels(status).inc()
    notify = notices.run_outcome_unknown if unknown else notices.run_failed
    notices.send_dm(engine.slack, owner, notify(run.flow_name, run.id, error))
    return True
