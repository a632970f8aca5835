"""Walking a flow's steps: templates rendered, each step recorded, if/then/else, stop, the
limits per run, and resuming a paused run exactly where its ask was."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from actions.flows import templates
from actions.flows.action_steps import FLOW_ACTIONS, READ_ONLY
from actions.flows.model import IF, MAX_NESTING, MAX_STEPS_PER_RUN, Step
from actions.flows.state import LostClaim, Paused, StepOutcome, Stopped, parse_path
from actions.flows.step_kinds import HANDLERS, RunContext, StepServices
from storage.flow_run_records import FAILED, SUCCEEDED
from storage.flow_run_store import FlowRunStore

logger = logging.getLogger(__name__)
NOT_SENT = "not_sent"  # a write in a dry run


class Recorder(Protocol):
    def started(self, rc: RunContext, step: Step, input: Any) -> int | None:
        """Record a step before it runs (a write or an ask: a crash then shows it was under
        way); None when it is recorded only once finished."""
        ...

    def finished(
        self,
        rc: RunContext,
        step: Step,
        row: int | None,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        input: Any = None,
    ) -> None:
        """Record the step's end with the run's state, its API calls and audit entries."""
        ...


# Recorded before they run: a crash during one of them leaves its outcome unknown (a run that
# died before any recorded step is run again by whoever finds it).
RECORDED_AT_START = frozenset(
    {*(k for k in FLOW_ACTIONS if k not in READ_ONLY), "ask", "post_message"}
)


@dataclass
class DatabaseRecorder:
    runs: FlowRunStore
    svc: StepServices

    def started(self, rc: RunContext, step: Step, input: Any) -> int | None:
        if step.kind not in RECORDED_AT_START:
            return None
        return self.runs.step_started(
            rc.run_id,
            seq=rc.state.seq,
            path=step.path,
            step_id=step.id,
            kind=step.kind,
            input=input,
            now=self.svc.now(),
        )

    def finished(
        self,
        rc: RunContext,
        step: Step,
        row: int | None,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        input: Any = None,
    ) -> None:
        now = self.svc.now()
        day = self.svc.budget.day(now) if self.svc.budget is not None else now.date().isoformat()
        held = self.runs.finish_step(
            rc.run_id,
            row,
            seq=rc.state.seq,
            path=step.path,
            step_id=step.id,
            kind=step.kind,
            status=status,
            input=input,
            output=output,
            error=error,
            state=rc.state.to_json(),
            steps_executed=rc.state.executed,
            api_calls=(day, rc.api_calls),
            audit=rc.audit,
            now=now,
            held_by=self.svc.process or None,
        )
        rc.api_calls, rc.audit = 0, []
        if not held:
            raise LostClaim(rc.run_id)


@dataclass
class TraceRecorder:
    """A dry run's steps, in memory (``sfbot flow test``)."""

    steps: list[dict[str, Any]] = field(default_factory=list)

    def started(self, rc: RunContext, step: Step, input: Any) -> int | None:
        self.steps.append(
            {
                "id": step.id,
                "path": step.path,
                "kind": step.kind,
                "status": "running",
                "input": input,
                "output": None,
                "error": None,
            }
        )
        return len(self.steps) - 1

    def finished(
        self,
        rc: RunContext,
        step: Step,
        row: int | None,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        input: Any = None,
    ) -> None:
        assert row is not None
        entry = self.steps[row]
        entry.update(status=status, output=output, error=error)
        if input is not None:
            entry["input"] = input


class StepRunner:
    def __init__(self, svc: StepServices, recorder: Recorder) -> None:
        self.svc = svc
        self.recorder = recorder

    def run(self, rc: RunContext, steps: tuple[Step, ...], resume: str | None = None) -> str:
        """Run the steps (from just after the ask at path ``resume``). Returns ``succeeded``;
        raises ``StepOutcome`` (failed, outcome_unknown) or ``Paused``."""
        with contextlib.suppress(Stopped):
            self.block(rc, steps, 1, parse_path(resume) if resume else None)
        return SUCCEEDED

    def block(
        self, rc: RunContext, steps: tuple[Step, ...], depth: int, resume: list[int | str] | None
    ) -> None:
        start = 0
        if resume:
            index = int(resume[0])
            if len(resume) > 1:  # the ask is inside this if's branch: go on in there first
                step = steps[index]
                branch = step.then if resume[1] == "then" else step.otherwise
                self.block(rc, branch, depth + 1, resume[2:])
            start = index + 1
        for step in steps[start:]:
            self.step(rc, step, depth)

    def step(self, rc: RunContext, step: Step, depth: int) -> None:
        if depth > MAX_NESTING:
            raise StepOutcome(FAILED, f"steps are nested more than {MAX_NESTING} levels deep")
        if rc.state.executed >= MAX_STEPS_PER_RUN:
            raise StepOutcome(FAILED, f"more than {MAX_STEPS_PER_RUN} steps in one run")
        rc.state.executed += 1
        rc.state.seq += 1
        if step.kind == IF:
            self.if_step(rc, step, depth)
            return
        if step.kind == "stop":
            row = self.recorder.started(rc, step, {})
            self.recorder.finished(rc, step, row, SUCCEEDED, output={})
            raise Stopped
        raw = (
            step.body.model_dump(exclude_defaults=True)
            if isinstance(step.body, BaseModel)
            else step.body
        )
        row = self.recorder.started(rc, step, raw)
        try:
            rendered = templates.render(raw, rc.variables())
        except templates.TemplateProblem as exc:
            message = f"step {step.label}: {exc.message}"
            self.recorder.finished(rc, step, row, FAILED, error=message)
            raise StepOutcome(FAILED, message) from exc
        try:
            output = HANDLERS[step.kind](self.svc, rc, step, rendered, row)
        except StepOutcome as exc:
            exc.message = f"step {step.label}: {exc.message}"
            self.recorder.finished(rc, step, row, exc.status, error=exc.message, input=rendered)
            raise
        except (Paused, LostClaim):  # the ask recorded itself as waiting, with the run's state
            raise
        except Exception as exc:
            logger.exception("flow %s step %s failed unexpectedly", rc.flow_name, step.label)
            message = (
                f"step {step.label}: sfbot failed ({type(exc).__name__}); the error was logged"
            )
            self.recorder.finished(rc, step, row, FAILED, error=message, input=rendered)
            raise StepOutcome(FAILED, message) from exc
        status = NOT_SENT if self.svc.dry_run and step.kind not in READ_ONLY else SUCCEEDED
        if step.id:
            rc.state.outputs[step.id] = output
        self.recorder.finished(rc, step, row, status, output=output, input=rendered)

    def if_step(self, rc: RunContext, step: Step, depth: int) -> None:
        row = self.recorder.started(rc, step, {"if": step.body})
        try:
            result = bool(templates.evaluate(step.body, rc.variables()))
        except templates.TemplateProblem as exc:
            message = f"step {step.label}: {exc.message}"
            self.recorder.finished(rc, step, row, FAILED, error=message)
            raise StepOutcome(FAILED, message) from exc
        if step.id:
            rc.state.outputs[step.id] = {"result": result}
        self.recorder.finished(rc, step, row, SUCCEEDED, output={"result": result})
        self.block(rc, step.then if result else step.otherwise, depth + 1, None)
