"""The flow engine: which flows an event starts, claiming it once, running the steps.

CONTRACT with ``bot`` (the Slack side): the methods marked *entry point* are stable; see
``actions.flows.ports`` for how they are used.

Exactly once: ``start`` inserts the run row ``(flow, trigger key)`` (unique) before the first
step; a retry or another replica gets nothing. A paused run is resumed by the one caller that
closes its ask (click or timeout). A write whose outcome is unknown is never retried: the run
ends ``outcome_unknown`` and the owner is told, as for a failed run. A run whose process died
before its first step is run again by whoever finds it; one that died later is not.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from actions.context import ActionContext
from actions.flows import notices
from actions.flows.flows_cache import Flow, FlowsCache
from actions.flows.guards import ApiBudget, RateLimit
from actions.flows.loader import parse_document
from actions.flows.matching import match_groups, trigger_accepts
from actions.flows.model import FlowDefinition, walk
from actions.flows.ports import FlowSlack, PostedMessage, TriggerEvent
from actions.flows.recovery import recover_runs
from actions.flows.runner import DatabaseRecorder, StepRunner
from actions.flows.state import LostClaim, Paused, RunState, StepOutcome
from actions.flows.step_kinds import BUDGET_USED_UP, RunContext, StepServices
from actions.flows.views import flow_summary, run_dict
from actions.metrics import FLOW_RUNS
from actions.pools import TrackedPool
from storage.audit_store import AuditStore
from storage.flow_ask_store import ASK_ANSWERED, ASK_TIMED_OUT, ASK_WAITING, FlowAskStore, StoredAsk
from storage.flow_run_records import FAILED, OUTCOME_UNKNOWN, RUNNING, SKIPPED, SUCCEEDED, StoredRun
from storage.flow_run_store import FlowRunStore
from storage.flow_store import FlowStore
from storage.times import utcnow

logger = logging.getLogger(__name__)

__all__ = ["Flow", "FlowEngine"]
TIMED_OUT = "timed_out"


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class FlowEngine:
    """One per process; thread-safe. Runs flows on its own worker pool."""

    def __init__(
        self,
        ctx: ActionContext,
        slack: FlowSlack,
        *,
        workers: int | None = None,
        clock: Callable[[], datetime] = utcnow,
        process: str | None = None,
        refresh_seconds: float = 2.0,
        lease: timedelta = timedelta(minutes=10),
    ) -> None:
        self.ctx = ctx
        self.slack = slack
        self.now = clock
        self.process = process or process_id()
        self.lease = lease
        self.store = FlowStore(ctx.db)
        self.runs_store = FlowRunStore(ctx.db)
        self.asks = FlowAskStore(ctx.db)
        self.audit = AuditStore(ctx.db)
        self.cache = FlowsCache(self.store, refresh_seconds)
        self.rate = RateLimit(ctx.settings.flow_runs_per_minute)
        self.budget = ApiBudget(ctx, self.asks, ctx.settings.flow_api_budget_percent)
        self.pool = TrackedPool("flow", workers or ctx.settings.flow_workers)
        self._active = 0
        self._idle = threading.Condition()
        self._queued: set[int] = set()  # runs claimed here whose first step has not begun

    # -- which flows ---------------------------------------------------------------------

    def flows_for(
        self, kind: str, *, channel: str | None = None, emoji: str | None = None
    ) -> list[Flow]:
        """*Entry point.* Enabled flows whose trigger is ``kind`` (and, when given, on
        ``channel`` or on any channel, and for ``emoji``). No Slack or Salesforce call; the
        definitions are cached and re-read when a flow changes in any process."""
        out = []
        for flow in self.cache.flows():
            if not flow.enabled or flow.trigger_kind != kind:
                continue
            trigger = flow.definition.trigger
            if channel is not None and getattr(trigger, "channel", None) not in (None, channel):
                continue
            if emoji is not None and getattr(trigger, "emoji", None) not in (
                None,
                emoji.strip(":"),
            ):
                continue
            out.append(flow)
        return sorted(out, key=lambda f: f.name)

    def flow(self, name: str) -> Flow | None:
        """*Entry point.* A stored flow by name (enabled or not)."""
        return next((f for f in self.cache.flows() if f.name == name), None)

    def matches(self, flow: Flow, event: TriggerEvent) -> bool:
        """*Entry point.* Whether ``event`` starts ``flow``: kind, channel, thread replies
        (``threads``), emoji (``variables["reaction"]``), and the ``match`` regex on
        ``variables["text"]`` (a flow with ``match`` never matches an event without text).
        Shortcut: ``event.flow`` names it."""
        trigger = flow.definition.trigger
        return (
            flow.enabled
            and trigger_accepts(flow.trigger_kind, trigger, flow.name, event)
            and match_groups(trigger, event) is not None
        )

    # -- starting ------------------------------------------------------------------------

    def start(
        self, flow: Flow, event: TriggerEvent, *, scheduled_for: datetime | None = None
    ) -> int | None:
        """*Entry point.* Claim ``(flow, event.key)`` in the database, then run the flow on the
        engine's pool; returns at once. Returns the new run's id; None when this event already
        started this flow (a retry, another replica) or the flow is disabled. Over the rate
        limit or the API budget, a ``skipped`` run is recorded (its id is returned) and
        nothing runs. Call it after the ack."""
        if not flow.enabled:
            return None
        now = self.now()
        day = self.budget.day(now)
        budget_used_up = self.budget.exhausted(day)
        # The rate limit is checked in the claim's transaction, one claim of a flow at a time
        # across threads and processes: concurrent deliveries never all pass it.
        run = self.runs_store.claim(
            flow_id=flow.id,
            flow_name=flow.name,
            flow_version=flow.version,
            trigger_key=event.key,
            trigger_kind=event.kind,
            event=asdict(event),
            claimed_by=self.process,
            now=now,
            status=SKIPPED if budget_used_up else RUNNING,
            error=BUDGET_USED_UP if budget_used_up else None,
            scheduled_for=scheduled_for,
            per_minute=self.rate.per_minute,
            over_limit=self.rate.over_limit_text(),
        )
        if run is None:
            return None
        skip = run.error if run.status == SKIPPED else None
        if skip:
            FLOW_RUNS.labels(SKIPPED).inc()
        if skip == BUDGET_USED_UP:
            self.budget_used_up(day)
        elif skip:
            if self.store.mark_throttle_told(flow.id):
                notices.send_dm(
                    self.slack, flow.owner, notices.runs_skipped(flow.name, self.rate.per_minute)
                )
        else:
            if run.runs_before == 0:  # a quiet minute: the next throttling is told again
                self.store.clear_throttle_told(flow.id)
            self._submit(self._first_run, flow, run, event, queued_run=run.id)
        return run.id

    def spend_api_calls(self, calls: int) -> bool:
        """Count Salesforce calls made for flows outside a step (the ``salesforce_record``
        poller); False once today's flow budget is used up (the admins are told once)."""
        day = self.budget.day(self.now())
        if calls:
            self.asks.add_api_calls(day, calls)
        if self.budget.exhausted(day):
            self.budget_used_up(day)
            return False
        return True

    def budget_used_up(self, day: str) -> None:
        if self.asks.mark_budget_told(day):
            notices.send_admins(self.slack, notices.budget_used_up(self.budget.allowance()))

    # -- asks ----------------------------------------------------------------------------

    def resume(self, ask_id: str, choice: str, user: str) -> bool:
        """*Entry point.* Someone clicked ``choice`` on an ask: the waiting run goes on (on the
        pool) with ``steps.ID = {"choice", "user"}``. False when the ask is unknown, already
        answered or timed out, or ``choice`` is not one of its choices (tell the user)."""
        ask = self.asks.get_ask(ask_id)
        if ask is None or ask.status != ASK_WAITING or choice not in ask.choices:
            return False
        closed = self.asks.close(
            ask_id, ASK_ANSWERED, choice=choice, user=user, claimed_by=self.process, now=self.now()
        )
        if closed is None:
            return False
        self._submit(self._continue, closed, choice, user)
        return True

    def expire_asks(self, now: datetime | None = None) -> int:
        """Asks past their timeout go on with ``choice: "timed_out"``; returns how many. The
        engine's scheduler calls it; safe to call from several processes at once."""
        now = now or self.now()
        count = 0
        for ask in self.asks.expired_asks(now):
            closed = self.asks.close(
                ask.id, ASK_TIMED_OUT, choice=TIMED_OUT, user=None, claimed_by=self.process, now=now
            )
            if closed is not None:
                count += 1
                self._submit(self._continue, closed, TIMED_OUT, None)
        return count

    def ask(self, ask_id: str) -> StoredAsk | None:
        """The ask behind a button (the Slack side may show its state)."""
        return self.asks.get_ask(ask_id)

    # -- running -------------------------------------------------------------------------

    def _submit(self, fn: Callable[..., None], *args: Any, queued_run: int | None = None) -> None:
        """Run ``fn`` on the pool. ``queued_run``: a claimed run that ``release_queued`` may
        hand back until ``fn`` begins."""
        with self._idle:
            self._active += 1
            if queued_run is not None:
                self._queued.add(queued_run)

        def work() -> None:
            try:
                with self._idle:
                    if queued_run is not None:
                        if queued_run not in self._queued:
                            return  # handed back at shutdown: another process runs it
                        self._queued.discard(queued_run)
                fn(*args)
            except Exception:  # the run records its own failures; this is a bug
                logger.exception("flow work failed")
            finally:
                with self._idle:
                    self._active -= 1
                    self._idle.notify_all()

        self.pool.submit(work)

    def _services(self) -> StepServices:
        return StepServices(
            ctx=self.ctx,
            slack=self.slack,
            now=self.now,
            budget=self.budget,
            asks=self.asks,
            process=self.process,
            on_budget_used_up=lambda: self.budget_used_up(self.budget.day(self.now())),
        )

    @staticmethod
    def _trigger_vars(definition: FlowDefinition, event: TriggerEvent) -> dict[str, Any]:
        return {**event.variables, "match": match_groups(definition.trigger, event) or {}}

    def _first_run(self, flow: Flow, run: StoredRun, event: TriggerEvent) -> None:
        if not self.runs_store.touch(run.id, self.process, now=self.now()):
            return  # waited so long in the queue that another process took it over
        definition = flow.definition
        state = RunState(document=definition.document)
        rc = RunContext(
            flow.name, flow.owner, run.id, event, self._trigger_vars(definition, event), state
        )
        self._drive(definition, rc, None)

    def _continue(self, ask: StoredAsk, choice: str, user: str | None) -> None:
        run = self.runs_store.get(ask.run_id)
        stored = self.store.get_by_id(run.flow_id) if run is not None else None
        if run is None or stored is None:
            return
        state = RunState.from_json(run.state)
        definition = parse_document(state.document or stored.document, run.flow_name)
        event = TriggerEvent(**run.event)
        if ask.channel_id and ask.message_ts:
            try:
                self.slack.close_ask(
                    PostedMessage(ask.channel_id, ask.message_ts), ask.text, choice, user
                )
            except Exception:  # the buttons stay; the run goes on
                logger.exception("could not close ask %s", ask.id)
        output = {"choice": choice, "user": user}
        if state.ask_step_row is not None:
            self.runs_store.step_finished(
                state.ask_step_row, SUCCEEDED, now=self.now(), output=output
            )
        step = next((s for s in walk(definition.steps) if s.path == ask.step_path), None)
        if step is not None and step.id:
            state.outputs[step.id] = output
        state.ask_step_row = None
        rc = RunContext(
            run.flow_name,
            stored.owner_user_id,
            run.id,
            event,
            self._trigger_vars(definition, event),
            state,
        )
        self._drive(definition, rc, ask.step_path)

    def _drive(self, definition: FlowDefinition, rc: RunContext, resume: str | None) -> None:
        svc = self._services()
        runner = StepRunner(svc, DatabaseRecorder(self.runs_store, svc))
        try:
            runner.run(rc, definition.steps, resume)
        except (Paused, LostClaim):
            return
        except StepOutcome as outcome:
            self._end(rc, outcome.status, outcome.message)
            return
        except Exception:
            logger.exception("flow %s run %s failed", rc.flow_name, rc.run_id)
            self._end(rc, FAILED, "sfbot failed while running it; the error was logged")
            return
        if self.runs_store.move(rc.run_id, RUNNING, SUCCEEDED, now=self.now()):
            FLOW_RUNS.labels(SUCCEEDED).inc()

    def _end(self, rc: RunContext, status: str, error: str) -> None:
        if not self.runs_store.move(rc.run_id, RUNNING, status, now=self.now(), error=error):
            return
        FLOW_RUNS.labels(status).inc()
        text = (notices.run_outcome_unknown if status == OUTCOME_UNKNOWN else notices.run_failed)(
            rc.flow_name, rc.run_id, error
        )
        notices.send_dm(self.slack, rc.owner, text)

    # -- recovery ------------------------------------------------------------------------

    def recover(self, now: datetime | None = None) -> int:
        """Runs whose process died (or that a stopping process handed back): see
        ``actions.flows.recovery``. Returns how many were restarted or ended."""
        return recover_runs(self, now or self.now())

    def rerun(self, flow: Flow, run: StoredRun) -> None:
        """Run a taken-over run that never began from its first step, on the pool."""
        self._submit(self._first_run, flow, run, TriggerEvent(**run.event), queued_run=run.id)

    # -- reading and changing flows (CLI and /sf flow) ------------------------------------

    def list_flows(self) -> list[dict[str, Any]]:
        """*Entry point.* ``[{"name", "enabled", "trigger", "last_run", ...}]`` as ``sfbot flow
        list --json`` prints it (``trigger`` is the kind, ``last_run`` a run summary or None)."""
        return [flow_summary(f, self.runs_store.last_run(f.id)) for f in self.store.all_flows()]

    def runs(self, name: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """*Entry point.* Runs, newest first, as ``sfbot flow runs --json`` prints each one:
        ``{"id", "flow", "status", "trigger_key", "started_at", "finished_at", "error",
        "steps": [{"id", "kind", "status", "input", "output", "error"}]}``."""
        return [run_dict(r) for r in self.runs_store.runs(name, limit)]

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """*Entry point.* Enable or disable a flow; False if there is no such flow."""
        done = self.store.set_enabled(name, enabled, now=self.now())
        self.cache.invalidate()
        return done

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Tests and shutdown: wait until no run is executing in this process."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def release_queued(self) -> int:
        """Shutdown: hand back the runs claimed here that are still waiting in the queue (none
        of their steps began), so the next process's ``recover`` runs them at its next tick
        instead of once the lease has run out. Returns how many."""
        with self._idle:
            run_ids = sorted(self._queued)
            self._queued.clear()
        released = self.runs_store.release_unstarted(run_ids, self.process)
        if released:
            logger.info("handed back %d queued flow runs: %s", released, run_ids)
        return released

    def shutdown(self) -> None:
        """Stop the worker pool (runs under way finish their current step)."""
        self.pool.shutdown(wait=False, cancel_futures=False)
