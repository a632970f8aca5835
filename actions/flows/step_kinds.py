"""What each kind of step does once its input is rendered: the Salesforce actions (through the
same validation, connection and audit log as commands), ``post_message`` and ``ask``.

A handler returns the step's output (``steps.ID``), raises ``StepOutcome`` to end the run as
failed or outcome_unknown, or ``Paused`` (ask).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from actions.context import ActionContext
from actions.errors import ActionError, InvalidInput, OutcomeUnknown, invalid_input_from
from actions.flows.action_steps import FLOW_ACTIONS, READ_ONLY, coerce_text
from actions.flows.guards import ApiBudget
from actions.flows.model import AskStep, PostMessageStep, Step
from actions.flows.ports import Destination, FlowSlack, FlowSlackError, TriggerEvent
from actions.flows.state import Paused, RunState, StepOutcome
from actions.metrics import action_label
from actions.objects import OBJECTS, _checksum, object_spec
from actions.registry import record_ids
from storage.audit_store import AuditEntry
from storage.flow_ask_store import FlowAskStore
from storage.flow_run_records import FAILED, OUTCOME_UNKNOWN

logger = logging.getLogger(__name__)
BUDGET_USED_UP = "the flows' daily Salesforce API budget is used up; flows resume tomorrow (UTC)"


@dataclass
class RunContext:
    """One run, as its steps see it."""

    flow_name: str
    owner: str
    run_id: int
    event: TriggerEvent
    trigger: dict[str, Any]
    state: RunState
    # what the current step did, written with its record (see Recorder.finished)
    api_calls: int = 0
    audit: list[AuditEntry] = field(default_factory=list)

    def variables(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "steps": self.state.outputs,
            "flow": {"name": self.flow_name},
            "run": {"id": self.run_id},
        }

    def acting_user(self) -> str | None:
        """Whom the audit log names: who ran the shortcut or reacted, else who wrote."""
        for key in ("runner", "reactor", "user"):
            if self.trigger.get(key):
                return str(self.trigger[key])
        return None


@dataclass
class StepServices:
    ctx: ActionContext
    slack: FlowSlack
    now: Callable[[], datetime]
    budget: ApiBudget | None = None
    audit: bool = True  # write the audit log (not in a dry run)
    asks: FlowAskStore | None = None
    dry_run: bool = False
    process: str = ""  # who claims a run again (see FlowAskStore.close)
    on_budget_used_up: Callable[[], None] = field(default=lambda: None)


Handler = Callable[[StepServices, RunContext, Step, Any, int | None], Any]


# -- Salesforce --------------------------------------------------------------------------


def _fake_id(object_name: str | None) -> str:
    prefix = object_spec(object_name).key_prefix if object_name in OBJECTS else "000"
    body = prefix + "0" * 12
    return body + _checksum(body)


def dry_run_output(kind: str, inp: BaseModel) -> dict[str, Any]:
    """What a write would answer, for ``sfbot flow test``: ids are placeholders."""
    data = inp.model_dump()
    if kind == "create_record":
        return {"id": _fake_id(data.get("object"))}
    if kind == "update_record":
        return {"id": data["id"]}
    if kind == "convert_lead":
        return {
            "account_id": data.get("account_id") or _fake_id("account"),
            "contact_id": _fake_id("contact"),
            "opportunity_id": _fake_id("opportunity"),
        }
    if kind == "log_activity":
        return {"task_id": _fake_id(None), "record_id": data["record_id"], "object": None}
    return {}


def salesforce_call(
    svc: StepServices, rc: RunContext, kind: str, raw: dict[str, Any]
) -> dict[str, Any]:
    """Validate and run one action as the commands do, audited as ``flow:NAME``."""
    action = FLOW_ACTIONS[kind]
    try:
        inp = action.input_model.parse(coerce_text(action.input_model, raw))
    except InvalidInput as exc:
        raise StepOutcome(FAILED, f"{kind}: {exc.message}") from exc
    if svc.dry_run and kind not in READ_ONLY:
        return dry_run_output(kind, inp)
    if svc.budget is not None:
        day = svc.budget.day(svc.now())
        if svc.budget.exhausted(day):
            svc.on_budget_used_up()
            raise StepOutcome(FAILED, BUDGET_USED_UP)
    rc.api_calls += 1
    try:
        with action_label(kind):
            out = action.run(svc.ctx, inp)
    except OutcomeUnknown as exc:
        _audit(svc, rc, kind, inp, None, exc.code)
        raise StepOutcome(
            OUTCOME_UNKNOWN,
            f"{kind}: {exc.message} It may or may not have happened in Salesforce: check "
            "before doing it again (sfbot never retries it).",
        ) from exc
    except ActionError as exc:
        _audit(svc, rc, kind, inp, None, exc.code)
        raise StepOutcome(FAILED, f"{kind}: {exc.message} ({exc.code})") from exc
    _audit(svc, rc, kind, inp, out, None)
    return out.model_dump(mode="json")


def _audit(
    svc: StepServices,
    rc: RunContext,
    kind: str,
    inp: BaseModel,
    out: BaseModel | None,
    error_code: str | None,
) -> None:
    if not svc.audit:
        return
    ids = record_ids(inp) + (record_ids(out) if out is not None else [])
    rc.audit.append(
        AuditEntry(
            action=kind,
            outcome="ok" if error_code is None else "error",
            source=f"flow:{rc.flow_name}",
            slack_user_id=rc.acting_user(),
            channel_id=rc.event.channel,
            object=getattr(inp, "object", None),
            record_ids=list(dict.fromkeys(ids)),
            error_code=error_code,
        )
    )


def action_step(
    svc: StepServices, rc: RunContext, step: Step, rendered: Any, _row: int | None
) -> Any:
    if not isinstance(rendered, dict):
        raise StepOutcome(FAILED, f"{step.kind} takes a mapping of its inputs")
    return salesforce_call(svc, rc, step.kind, rendered)


# -- Slack -------------------------------------------------------------------------------


def _model(cls: type[BaseModel], rendered: Any, kind: str) -> Any:
    try:
        return cls.model_validate(coerce_text(cls, rendered))
    except ValidationError as exc:
        raise StepOutcome(FAILED, f"{kind}: {invalid_input_from(exc).message}") from exc


def destination(svc: StepServices, rc: RunContext, model: Any) -> Destination:
    if model.thread:
        if not rc.event.channel or not rc.event.thread_root:
            raise StepOutcome(FAILED, "thread: true needs a triggering message")
        return Destination(channel=rc.event.channel, thread_ts=rc.event.thread_root)
    if model.user:
        return Destination(user=model.user)
    channel = model.channel
    if channel.startswith("#"):
        try:
            channel = svc.slack.resolve_channel(channel)
        except FlowSlackError as exc:
            raise StepOutcome(FAILED, f"channel {model.channel}: {exc.message}") from exc
    return Destination(channel=channel)


def post_message_step(
    svc: StepServices, rc: RunContext, step: Step, rendered: Any, _row: int | None
) -> Any:
    model = _model(PostMessageStep, rendered, "post_message")
    to = destination(svc, rc, model)
    record = None
    if model.record_id:
        found = salesforce_call(svc, rc, "lookup_record", {"id": model.record_id})
        record = (found.get("records") or [None])[0]
    if svc.dry_run:
        return {"channel": to.channel or to.user, "ts": None}
    try:
        posted = svc.slack.post_message(to, model.text, record)
    except FlowSlackError as exc:
        raise StepOutcome(FAILED, f"post_message: Slack refused: {exc.message}") from exc
    return {"channel": posted.channel, "ts": posted.ts}


def ask_step(svc: StepServices, rc: RunContext, step: Step, rendered: Any, row: int | None) -> Any:
    model = _model(AskStep, rendered, "ask")
    to = destination(svc, rc, model)
    if svc.dry_run or svc.asks is None:
        return {"choice": model.choices[0], "user": None}
    now = svc.now()
    rc.state.ask_step_row = row
    ask_id = svc.asks.pause(
        rc.run_id,
        step.path,
        text=model.text,
        choices=model.choices,
        expires_at=now + timedelta(minutes=model.timeout_minutes),
        state=rc.state.to_json(),
        steps_executed=rc.state.executed,
        step_row=row,
        step_input=rendered,
        now=now,
    )
    try:
        posted = svc.slack.post_ask(ask_id, to, model.text, model.choices)
    except FlowSlackError as exc:
        svc.asks.close(
            ask_id, "cancelled", choice="", user=None, claimed_by=svc.process, now=svc.now()
        )
        raise StepOutcome(FAILED, f"ask: Slack refused: {exc.message}") from exc
    svc.asks.ask_posted(ask_id, posted.channel, posted.ts)
    raise Paused(ask_id)


HANDLERS: dict[str, Handler] = {
    **{kind: action_step for kind in FLOW_ACTIONS},
    "post_message": post_message_step,
    "ask": ask_step,
}
