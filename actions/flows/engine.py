"""The flow engine: which flows an event starts, claiming it once, running the steps.

CONTRACT with ``bot`` (the Slack side): the methods marked *entry point* below are stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actions.context import ActionContext
from actions.flows.model import FlowDefinition
from actions.flows.ports import FlowSlack, TriggerEvent


@dataclass(frozen=True)
class Flow:
    """A stored flow: its definition plus what the database keeps about it."""

    id: int
    name: str
    owner: str
    enabled: bool
    version: int
    definition: FlowDefinition

    @property
    def trigger_kind(self) -> str:
        return self.definition.trigger_kind


@dataclass(frozen=True)
class StartResult:
    run_id: int
    status: str  # running, skipped


class FlowEngine:
    """One per process; thread-safe. Runs flows on its own worker pool."""

    def __init__(self, ctx: ActionContext, slack: FlowSlack, *, workers: int = 8) -> None:
        self.ctx = ctx
        self.slack = slack
        self.workers = workers

    # -- entry points used by the Slack side -----------------------------------------------

    def flows_for(
        self, kind: str, *, channel: str | None = None, emoji: str | None = None
    ) -> list[Flow]:
        """*Entry point.* Enabled flows whose trigger is ``kind`` (and, when given, is on
        ``channel`` or on any channel, and for ``emoji``). No Slack or Salesforce call; the
        definitions are cached and re-read when a flow changes in any process."""
        raise NotImplementedError

    def flow(self, name: str) -> Flow | None:
        """*Entry point.* A stored flow by name (enabled or not)."""
        raise NotImplementedError

    def matches(self, flow: Flow, event: TriggerEvent) -> bool:
        """*Entry point.* Whether ``event`` starts ``flow``: kind, channel, thread replies
        (``threads``), emoji, and the ``match`` regex on ``event.variables["text"]`` (a flow
        with ``match`` never matches an event without text). Shortcut: ``event.flow`` names it."""
        raise NotImplementedError

    def start(self, flow: Flow, event: TriggerEvent) -> int | None:
        """*Entry point.* Claim ``(flow, event.key)`` in the database, then run the flow on the
        engine's pool; returns at once. Returns the new run's id; None when this event already
        started this flow (a retry, another replica). Over the rate limit or the API budget,
        a ``skipped`` run is recorded (its id is returned) and nothing runs. Call it after the
        ack."""
        raise NotImplementedError

    def resume(self, ask_id: str, choice: str, user: str) -> bool:
        """*Entry point.* Someone clicked ``choice`` on an ask: the waiting run goes on (on the
        pool) with ``steps.ID = {"choice", "user"}``. False when the ask is unknown, already
        answered or timed out, or ``choice`` is not one of its choices (tell the user)."""
        raise NotImplementedError

    def expire_asks(self, now: datetime | None = None) -> int:
        """Asks past their timeout go on with ``choice: "timed_out"``; returns how many. The
        engine's scheduler calls it; safe to call from several processes at once."""
        raise NotImplementedError

    # -- reading and changing flows (CLI and /sf flow) --------------------------------------

    def list_flows(self) -> list[dict[str, Any]]:
        """*Entry point.* ``[{"name", "enabled", "trigger", "last_run"}]`` as ``sfbot flow list``
        prints it (``trigger`` is the kind, ``last_run`` a run summary or None)."""
        raise NotImplementedError

    def runs(self, name: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """*Entry point.* Runs, newest first, as ``sfbot flow runs --json`` prints each one:
        ``{"id", "flow", "status", "trigger_key", "started_at", "finished_at", "error",
        "steps": [{"id", "kind", "status", "input", "output", "error"}]}``."""
        raise NotImplementedError

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """*Entry point.* Enable or disable a flow; False if there is no such flow."""
        raise NotImplementedError

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Tests and shutdown: wait until no run is executing in this process."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop the worker pool (runs under way finish their current step)."""
