"""APScheduler 3.11 inside every sfbot process, with its own in-memory job store built from the
digest definitions in the database (job stores are never shared between processes).

One cron job per digest calls ``DigestScheduler.fire``; the first of the jobs that fire
together (a whole minute often has hundreds) runs everything due as one batch
(``DigestEngine.run_many``); the database claim makes each run happen once however many
processes fire it. A reconcile job re-reads the definitions (so
changes from any process take effect without a restart), recovers abandoned runs and catches
up anything a job missed.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from actions.errors import ActionError
from bot.digests.engine import DigestEngine, RunOutcome
from bot.digests.schedule import Schedule, trigger_for
from storage.audit_store import IdempotencyStore

logger = logging.getLogger(__name__)

RECONCILE_ID = "sfbot:reconcile"
PURGE_EVERY = timedelta(hours=6)
RUN_HISTORY = timedelta(days=90)


class DigestScheduler:
    def __init__(
        self,
        engine: DigestEngine,
        *,
        reconcile_seconds: float = 30.0,
        workers: int = 8,
        idempotency: IdempotencyStore | None = None,
    ) -> None:
        self.engine = engine
        self.reconcile_seconds = reconcile_seconds
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": JobExecutor(workers)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                # a late fire still runs: run_due itself decides late, missed or on time
                "misfire_grace_time": int(engine.grace.total_seconds()),
            },
            timezone=UTC,
        )
        self._versions: dict[int, int] = {}
        self.idempotency = idempotency
        self._purged_at = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()
        self._fired: list[int] = []
        self._running = False
        self._fired_lock = threading.Lock()

    def start(self) -> None:
        self.sync()
        self.scheduler.add_job(
            self.reconcile,
            IntervalTrigger(seconds=self.reconcile_seconds),
            id=RECONCILE_ID,
            next_run_time=self.engine.clock.now(),  # catch up at start-up
            replace_existing=True,
        )
        # one line per job run would be thousands a minute; failures are still logged
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self.scheduler.start()
        logger.info("digest scheduler started with %d digests", len(self._versions))

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def sync(self) -> None:
        """Make the jobs match the definitions in the database."""
        with self._lock:
            digests = {d.id: d for d in self.engine.store.all_digests() if not d.paused}
            for digest_id in list(self._versions):
                if digest_id not in digests:
                    self._remove(digest_id)
            for digest in digests.values():
                if self._versions.get(digest.id) == digest.version:
                    continue
                try:
                    trigger = trigger_for(Schedule.model_validate(digest.schedule), digest.timezone)
                except (ActionError, ValueError) as exc:
                    logger.warning("digest %s has an unusable schedule: %s", digest.id, exc)
                    self._remove(digest.id)
                    continue
                self.scheduler.add_job(
                    self.fire,
                    trigger,
                    args=[digest.id],
                    id=f"sfbot:digest:{digest.id}",
                    replace_existing=True,
                )
                self._versions[digest.id] = digest.version

    def fire(self, digest_id: int) -> list[RunOutcome]:
        """A digest's job. The first of the jobs that fire together runs every digest
        scheduled here as one batch (whatever is due now: all the digests of this minute, see
        bot.digests.batch) and returns its outcomes; the jobs that fire while it runs only
        leave their digest for it to run next (a no-op when the batch has claimed it)."""
        with self._fired_lock:
            self._fired.append(digest_id)
            if self._running:
                return []
            self._running = True
        outcomes: list[RunOutcome] = []
        try:
            with self._lock:
                batch = set(self._versions)
            while True:
                with self._fired_lock:
                    batch.update(self._fired)
                    self._fired = []
                outcomes += self.engine.run_many(sorted(batch))
                with self._fired_lock:
                    if not self._fired:
                        self._running = False
                        return outcomes
                batch = set()
        except BaseException:
            with self._fired_lock:
                self._running = False
            raise

    def _remove(self, digest_id: int) -> None:
        job = self.scheduler.get_job(f"sfbot:digest:{digest_id}")
        if job is not None:
            job.remove()
        self._versions.pop(digest_id, None)

    def reconcile(self) -> None:
        self.sync()
        self.engine.tick()
        self._purge()

    def _purge(self) -> None:
        """Keep the run history and idempotency keys from growing without bound."""
        now = self.engine.clock.now()
        if now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        self.engine.store.purge_runs(RUN_HISTORY, now=now)
        if self.idempotency is not None:
            self.idempotency.purge()

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.scheduler.get_jobs())
