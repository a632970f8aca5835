"""``sfbot flow test``: a run that performs lookups for real and shows every write step's
resolved input without sending it (posts and asks are not sent; an ask takes its first choice)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from actions.context import ActionContext
from actions.flows.apply import ChannelDirectory
from actions.flows.matching import match_groups, trigger_accepts
from actions.flows.model import FlowDefinition
from actions.flows.ports import Destination, FlowSlackError, PostedMessage, TriggerEvent
from actions.flows.runner import StepRunner, TraceRecorder
from actions.flows.state import RunState, StepOutcome
from actions.flows.step_kinds import RunContext, StepServices
from storage.flow_run_records import SUCCEEDED
from storage.times import utcnow


class DryRunSlack:
    """Nothing is sent; ``#name`` channels are resolved when a directory is at hand."""

    def __init__(self, directory: ChannelDirectory | None) -> None:
        self.directory = directory

    def post_message(
        self, to: Destination, text: str, record: dict[str, Any] | None = None
    ) -> PostedMessage:
        raise FlowSlackError("a dry run sends nothing")

    def post_ask(
        self, ask_id: str, to: Destination, text: str, choices: list[str]
    ) -> PostedMessage:
        raise FlowSlackError("a dry run sends nothing")

    def close_ask(self, posted: PostedMessage, text: str, choice: str, user: str | None) -> None:
        return None

    def dm(self, user_id: str, text: str) -> None:
        return None

    def tell_admins(self, text: str) -> None:
        return None

    def resolve_channel(self, ref: str) -> str:
        return self.directory.resolve_channel(ref) if self.directory else ref

    def is_member(self, channel_id: str) -> bool:
        return True


def event_from_json(definition: FlowDefinition, data: dict[str, Any]) -> TriggerEvent:
    """``--event`` is the trigger's variables (``text``, ``user``, ``channel``, ``ts``, ...)."""
    variables = dict(data)
    if definition.trigger_kind == "schedule":
        variables.setdefault("scheduled_at", utcnow().isoformat())
    if definition.trigger_kind == "reaction":  # the flow's own emoji unless the event names one
        variables.setdefault("reaction", getattr(definition.trigger, "emoji", None))
    return TriggerEvent(
        kind=definition.trigger_kind,
        key="test",
        variables=variables,
        channel=variables.get("channel") or getattr(definition.trigger, "channel", None),
        ts=variables.get("ts"),
        thread_ts=variables.get("thread_ts"),
        flow=definition.name,
    )


def dry_run(
    definition: FlowDefinition,
    event: TriggerEvent,
    ctx: ActionContext,
    directory: ChannelDirectory | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    trigger = definition.trigger
    groups = match_groups(trigger, event)
    accepted = trigger_accepts(definition.trigger_kind, trigger, definition.name, event)
    result: dict[str, Any] = {
        "flow": definition.name,
        "matched": bool(accepted and groups is not None),
    }
    if not result["matched"]:
        result.update(status="not_matched", error=None, steps=[])
        return result
    svc = StepServices(
        ctx=ctx,
        slack=DryRunSlack(directory),
        now=lambda: now or utcnow(),
        dry_run=True,
        audit=False,
    )
    recorder = TraceRecorder()
    rc = RunContext(
        definition.name, "", 0, event, {**event.variables, "match": groups or {}}, RunState()
    )
    try:
        status, error = StepRunner(svc, recorder).run(rc, definition.steps), None
    except StepOutcome as outcome:
        status, error = outcome.status, outcome.message
    result.update(
        status=status if status != SUCCEEDED else "succeeded", error=error, steps=recorder.steps
    )
    return result
