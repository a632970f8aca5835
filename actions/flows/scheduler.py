"""The flows' clock: ``schedule`` triggers, ask timeouts, and runs whose process died.

APScheduler 3.11 in every sfbot process, with an in-memory job store built from the flows in
the database (as the digests do): one cron job per schedule flow fires at each scheduled time,
and a reconcile job every ``tick_seconds`` re-reads the flows, catches up times a job missed,
times out asks and recovers abandoned runs. Each scheduled time is the trigger key
``schedule:{ISO time}``: the run is claimed once per flow and time, however many processes fire
it. Times missed while sfbot was down are run late within ``grace``, else recorded as skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from actions.cron import LocalCronTrigger, cron_trigger, fire_times
from actions.errors import ActionError
from actions.flows.engine import FlowEngine
from actions.flows.flows_cache import Flow
from actions.flows.model import ScheduleTrigger
from actions.flows.ports import SCHEDULE, TriggerEvent
from actions.flows.record_poller import RecordPoller
from storage.flow_run_records import SKIPPED

logger = logging.getLogger(__name__)
RECONCILE_ID = "sfbot:flows:reconcile"
RUN_HISTORY = timedelta(days=90)
PURGE_EVERY = timedelta(hours=6)


def schedule_key(at: datetime) -> str:
    return f"schedule:{at.astimezone(UTC).isoformat()}"


def schedule_trigger(flow: Flow) -> LocalCronTrigger:
    trigger = flow.definition.trigger
    assert isinstance(trigger, ScheduleTrigger)
    return cron_trigger(trigger.cron, trigger.timezone)


class FlowScheduler:
    def __init__(
        self,
        engine: FlowEngine,
        *,
        tick_seconds: float = 15.0,
        grace: timedelta = timedelta(hours=1),
        workers: int = 4,
        poller: RecordPoller | None = None,
    ) -> None:
        self.engine = engine
        self.tick_seconds = tick_seconds
        self.grace = grace
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": JobExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.poller = poller
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()
        self._purged_at = datetime.min.replace(tzinfo=UTC)

    # -- in a running process --------------------------------------------------------------

    def start(self) -> None:
        self.sync()
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.tick_seconds),
            id=RECONCILE_ID,
            next_run_time=datetime.now(UTC),  # catch up at start-up
            replace_existing=True,
        )
        self.scheduler.start()
        logger.info("flow scheduler started with %d schedules", len(self._versions))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.poller is not None:
            self.poller.release()

    def sync(self) -> None:
        """One cron job per enabled schedule flow, as the database says now."""
        with self._lock:
            flows = {f.id: f for f in self.engine.flows_for(SCHEDULE)}
            for flow_id in list(self._versions):
                if flow_id not in flows:
                    job = self.scheduler.get_job(f"sfbot:flow:{flow_id}")
                    if job is not None:
                        job.remove()
                    self._versions.pop(flow_id)
            for flow in flows.values():
                if self._versions.get(flow.id) == flow.version:
                    continue
                try:
                    trigger = schedule_trigger(flow)
                except ActionError as exc:
                    logger.warning("flow %s has an unusable schedule: %s", flow.name, exc.message)
                    continue
                self.scheduler.add_job(
                    self.run_due,
                    trigger,
                    args=[flow.id],
                    id=f"sfbot:flow:{flow.id}",
                    replace_existing=True,
                )
                self._versions[flow.id] = flow.version

    def tick(self) -> None:
        """The reconcile job: schedules, catch-up, ask timeouts, abandoned runs, and the
        ``salesforce_record`` poll (each object at its flows' shortest ``every``)."""
        steps: list[Callable[[], object]] = [
            self.sync,
            self.run_all_due,
            self.engine.expire_asks,
            self.engine.recover,
            self.purge,
        ]
        if self.poller is not None:
            steps.append(self.poller.tick)
        for step in steps:
            try:
                step()
            except Exception:  # one failing part must not stop the others
                logger.exception("flow scheduler: %s failed", getattr(step, "__name__", step))

    def purge(self) -> int:
        """Keep ``RUN_HISTORY`` of finished runs (checked every ``PURGE_EVERY``)."""
        now = self.engine.now()
        if now - self._purged_at < PURGE_EVERY:
            return 0
        self._purged_at = now
        return self.engine.runs_store.purge(now - RUN_HISTORY)

    # -- what is due -----------------------------------------------------------------------

    def run_all_due(self) -> list[int]:
        started: list[int] = []
        for flow in self.engine.flows_for(SCHEDULE):
            try:
                started += self.run_due(flow.id)
            except Exception:  # one broken flow must not stop the others
                logger.exception("schedule of flow %s could not run", flow.name)
        return started

    def run_due(self, flow_id: int) -> list[int]:
        """Claim and start every scheduled time of one flow up to now; returns the run ids."""
        flow = next((f for f in self.engine.flows_for(SCHEDULE) if f.id == flow_id), None)
        if flow is None:
            return []
        now = self.engine.now()
        last = self.engine.runs_store.last_scheduled(flow.id)
        after = max(filter(None, (last, flow.active_since)), default=now)
        started: list[int] = []
        for at in fire_times(schedule_trigger(flow), after, now):
            event = TriggerEvent(
                kind=SCHEDULE,
                key=schedule_key(at),
                variables={"scheduled_at": at.isoformat()},
                flow=flow.name,
            )
            if now - at > self.grace:
                self.engine.runs_store.claim(
                    flow_id=flow.id,
                    flow_name=flow.name,
                    flow_version=flow.version,
                    trigger_key=event.key,
                    trigger_kind=SCHEDULE,
                    event={"kind": SCHEDULE, "key": event.key, "variables": event.variables},
                    claimed_by=self.engine.process,
                    now=now,
                    status=SKIPPED,
                    error="missed: sfbot was not running at the scheduled time",
                    scheduled_for=at,
                )
                continue
            run_id = self.engine.start(flow, event, scheduled_for=at)
            if run_id is not None:
                started.append(run_id)
        return started
