"""Running digests exactly once.

For each scheduled time a run row is claimed in the database (unique per digest and time)
before anything is posted; the row then records posted, failed, skipped or missed with the
Slack message ts. The message carries Slack message metadata with the run id, so a run whose
holder died between posting and recording is found in the channel's history by whoever takes
it over, instead of being posted twice. Runs missed while sfbot was down are posted once,
marked late, when they are within the grace period, and recorded as missed otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.context import ActionContext
from actions.digest_kinds import build_query, fetch_kind_rows, to_items
from actions.errors import ActionError, InvalidInput
from actions.metrics import DIGEST_RUNS
from bot.blocks.digest import digest_fallback_text, digest_message
from bot.digests.batch import (
    Due,
    Job,
    Post,
    RunOutcome,
    by_slot,
    rotated,
    share_groups,
    window_for,
)
from bot.digests.history import METADATA_EVENT, find_posted
from bot.digests.pacing import ChannelPacer, SharedQueries
from bot.digests.schedule import DigestTrigger, Schedule, fire_times, next_fire, trigger_for
from storage.digest_store import (
    FAILED,
    MISSED,
    POSTED,
    SKIPPED,
    Claim,
    Digest,
    DigestRun,
    DigestStore,
    Finish,
)
from storage.times import utcnow

logger = logging.getLogger(__name__)

ON_TIME_SLACK = timedelta(minutes=2)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DigestEngine:
    store: DigestStore
    actions: ActionContext
    client: WebClient
    clock: Clock = field(default_factory=SystemClock)
    grace: timedelta = timedelta(hours=1)
    # A claim older than this is taken to be abandoned. It is renewed just before posting, and
    # a post takes at most a few Slack retries (Retry-After), far less than this.
    lease: timedelta = timedelta(minutes=5)
    owner: str = field(default_factory=process_id)
    pacer: ChannelPacer = field(default_factory=ChannelPacer)
    queries: SharedQueries = field(default_factory=SharedQueries)
    # threads that query Salesforce and post to Slack for the runs this process holds
    workers: int = 8
    _pool: ThreadPoolExecutor = field(init=False, repr=False)
    _triggers: dict[tuple[str, str], DigestTrigger] = field(
        init=False, repr=False, default_factory=dict
    )
    _fire_times: dict[tuple[int, datetime, datetime], list[datetime]] = field(
        init=False, repr=False, default_factory=dict
    )

    _posting: set[int] = field(init=False, repr=False, default_factory=set)  # runs being posted
    _stopping: bool = field(init=False, repr=False, default=False)  # hand_back_claims ran

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sfbot-digest")
        self._posting_lock = threading.Lock()

    def hand_back_claims(self) -> int:
        """Shutdown: no post begins from now on, and the runs claimed here that are not being
        posted are handed back, so the next process's ``recover`` takes them over at its next
        tick (it looks for the message in the channel first, then posts). Returns how many."""
        with self._posting_lock:
            self._stopping = True
            posting = set(self._posting)
        released = self.store.release(self.owner, keep=posting)
        if released:
            logger.info("handed back %d claimed digest runs", released)
        return released

    # -- what is due -----------------------------------------------------------------------

    def trigger(self, digest: Digest) -> DigestTrigger:
        """The digest's trigger; digests with the same schedule and zone share one."""
        key = (json.dumps(digest.schedule, sort_keys=True), digest.timezone)
        trigger = self._triggers.get(key)
        if trigger is None:
            trigger = trigger_for(Schedule.model_validate(digest.schedule), digest.timezone)
            if len(self._triggers) > 10_000:
                self._triggers.clear()
            self._triggers[key] = trigger
        return trigger

    def due_times(
        self, digest: Digest, now: datetime, last: datetime | None
    ) -> tuple[list[datetime], list[datetime]]:
        """(to run, missed): scheduled times after ``last`` (the newest recorded), up to
        ``now``. Digests with the same trigger and start share the computation."""
        after = max(last, digest.active_since) if last else digest.active_since
        trigger = self.trigger(digest)
        key = (id(trigger), after, now)
        times = self._fire_times.get(key)
        if times is None:
            if len(self._fire_times) > 10_000:
                self._fire_times.clear()
            times = self._fire_times[key] = list(fire_times(trigger, after, now))
        run: list[datetime] = []
        missed: list[datetime] = []
        for t in times:
            (run if now - t <= self.grace else missed).append(t)
        return run, missed

    def next_run(self, digest: Digest, now: datetime | None = None) -> datetime | None:
        return next_fire(self.trigger(digest), now or self.clock.now())

    # -- entry points ----------------------------------------------------------------------

    def run_due(self, digest_id: int) -> list[RunOutcome]:
        """Claim and run every due time of one digest."""
        return self.run_many([digest_id])

    def run_many(self, digest_ids: list[int]) -> list[RunOutcome]:
        """Claim and run every due time of these digests (see bot.digests.batch): their
        definitions and last runs in one read, one claim per group that shares a query or a
        channel."""
        if self._stopping:  # handed back at shutdown: claim nothing more
            return []
        started = time.monotonic()
        digests = [d for d in self.store.get_many(digest_ids) if not d.paused]
        if not digests:
            return []
        now = self.clock.now()
        last = self.store.last_scheduled_many([d.id for d in digests])
        due: list[Due] = []
        missed: list[Claim] = []
        for digest in digests:
            try:
                to_run, too_late = self.due_times(digest, now, last.get(digest.id))
            except Exception:  # one broken digest must not stop the others
                logger.exception("digest %s could not run", digest.id)
                continue
            missed += [Claim(digest.id, t) for t in too_late]
            due += [Due(digest, Claim(digest.id, t, now - t > ON_TIME_SLACK)) for t in to_run]
        recorded = (
            self.store.claim_many(missed, self.owner, now=now, state=MISSED) if missed else []
        )
        if recorded:
            DIGEST_RUNS.labels(MISSED).inc(len(recorded))
        outcomes = [RunOutcome(r.digest_id, r.scheduled_for, MISSED) for r in recorded]
        by_id = {d.id: d for d in digests}
        jobs = [
            Job(by_id[run.digest_id], run, run.late)
            for group in rotated(share_groups(due), self.owner)
            for run in self.store.claim_many([d.claim for d in group], self.owner, now=now)
        ]
        outcomes += self.execute_many(jobs)
        if due:
            logger.info(
                "%d digest runs due, %d run here in %.1fs",
                len(due),
                len(jobs),
                time.monotonic() - started,
            )
        return outcomes

    def tick(self) -> list[RunOutcome]:
        """Recover abandoned claims, then run whatever is due for every digest."""
        outcomes = self.recover()
        return outcomes + self.run_many([d.id for d in self.store.all_digests()])

    def _finish(self, run_id: int, state: str, **details: Any) -> None:
        """End a run in the store, counted in ``sfbot_digest_runs_total``."""
        self.store.finish(run_id, state, **details)
        DIGEST_RUNS.labels(state).inc()

    def _finish_many(self, finishes: list[Finish], owner: str) -> None:
        self.store.finish_many(finishes, owner)
        for finish in finishes:
            DIGEST_RUNS.labels(finish.state).inc()

    def recover(self) -> list[RunOutcome]:
        """Finish runs whose holder died after claiming them (see the module docstring)."""
        if self._stopping:
            return []
        now = self.clock.now()
        outcomes = []
        jobs = []
        for stale in self.store.stale_claims(now - self.lease):
            run = self.store.take_over(stale, self.owner, now=now, lease=self.lease)
            digest = self.store.get(stale.digest_id)
            if run is None or digest is None:
                continue
            try:
                ts = find_posted(self.client, digest.channel_id, run)
            except SlackApiError as exc:
                outcomes.append(self._failed(digest, run, f"Slack: {exc.response.get('error')}"))
                continue
            except Exception:  # one broken run must not stop the others
                logger.exception("could not recover digest %s run %s", digest.id, run.id)
                continue
            if ts is not None:
                self._finish(run.id, POSTED, now=now, channel_id=digest.channel_id, message_ts=ts)
                outcomes.append(RunOutcome(digest.id, run.scheduled_for, POSTED, ts))
            elif now - run.scheduled_for <= self.grace:
                jobs.append(Job(digest, run, late=True))
            else:
                self._finish(run.id, MISSED, now=now, error="sfbot stopped during this run")
                outcomes.append(RunOutcome(digest.id, run.scheduled_for, MISSED))
        return outcomes + self.execute_many(jobs)

    # -- the runs this process holds ---------------------------------------------------------

    def execute_many(self, jobs: list[Job]) -> list[RunOutcome]:
        """Query (once per distinct query and time, concurrently), then post slot by slot;
        the outcomes of each slot are recorded in one transaction."""
        if not jobs:
            return []
        previous = self.store.last_posted_many([j.digest.id for j in jobs])
        prepared = list(self._pool.map(lambda j: self._prepare(j, previous.get(j.digest.id)), jobs))
        outcomes = [p for p in prepared if isinstance(p, RunOutcome)]
        skips = [p for p in prepared if isinstance(p, Job)]
        finishes = []
        for job in skips:
            if not self._still_holds(job.run):
                outcomes.append(RunOutcome(job.digest.id, job.run.scheduled_for, "taken_over"))
                continue
            now = self.clock.now()
            finishes.append(Finish(job.run.id, SKIPPED, now, record_count=0))
            outcomes.append(RunOutcome(job.digest.id, job.run.scheduled_for, SKIPPED))
        if finishes:
            self._finish_many(finishes, self.owner)
        for slot in by_slot([p for p in prepared if isinstance(p, Post)]):
            results = list(self._pool.map(self._post, slot))
            posted = [f for _o, f in results if f is not None]
            if posted:
                self._finish_many(posted, self.owner)
            outcomes += [o for o, _f in results]
        return outcomes

    def _prepare(self, job: Job, previous: DigestRun | None) -> RunOutcome | Job | Post:
        """The run's message (a Post), the job itself when it is empty and skipped, or the
        outcome when it failed."""
        digest, run = job.digest, job.run
        try:
            window = window_for(digest, run.scheduled_for, previous)
            soql = build_query(digest.kind, digest.params, window)
            rows = self.queries.rows(
                (soql, run.scheduled_for),
                lambda: fetch_kind_rows(self.actions, digest.kind, soql),
            )
            items = to_items(self.actions, digest.kind, digest.params, rows)
        except InvalidInput as exc:
            return self._failed(digest, run, f"the digest's definition is invalid: {exc.message}")
        except ActionError as exc:
            return self._failed(digest, run, f"Salesforce: {exc.message} ({exc.code})")
        if not items and not digest.post_when_empty:
            return job
        now = self.clock.now()
        blocks = digest_message(
            digest, window, items, now, self.next_run(digest, now), late=job.late
        )
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {
                "run_id": run.id,
                "digest_id": digest.id,
                "scheduled_for": run.scheduled_for.isoformat(),
            },
        }
        text = digest_fallback_text(digest.name, len(items))
        return Post(job, text, blocks, metadata, len(items))

    def _still_holds(self, run: DigestRun) -> bool:
        """Whether this process still holds the claim, renewing its lease if it is not fresh.

        A claim made (or taken over) here less than half a lease ago cannot have been taken
        over: a taker needs it to be a whole lease old (clocks may disagree by minutes less).
        An older one is renewed, so no one takes it over while the post is under way.
        """
        now = self.clock.now()
        if run.claimed_at is not None and now - run.claimed_at < self.lease / 2:
            return True
        return self.store.renew(run.id, self.owner, now=now)

    def _post(self, post: Post) -> tuple[RunOutcome, Finish | None]:
        run = post.job.run
        self.pacer.wait(post.job.digest.channel_id)
        with self._posting_lock:
            if self._stopping:  # handed back: the next process posts it
                return RunOutcome(post.job.digest.id, run.scheduled_for, "handed_back"), None
            self._posting.add(run.id)
        try:
            return self._post_held(post)
        finally:
            with self._posting_lock:
                self._posting.discard(run.id)

    def _post_held(self, post: Post) -> tuple[RunOutcome, Finish | None]:
        digest, run = post.job.digest, post.job.run
        if not self._still_holds(run):
            # Taken over after our lease ran out: the taker posts (or finds our post).
            return RunOutcome(digest.id, run.scheduled_for, "taken_over"), None
        try:
            resp = self.client.chat_postMessage(
                channel=digest.channel_id,
                text=post.text,
                blocks=post.blocks,
                metadata=post.metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            return self._failed(digest, run, f"Slack: {exc.response.get('error')}"), None
        finally:
            self.pacer.sent(digest.channel_id)
        ts = str(resp["ts"])
        finish = Finish(
            run.id,
            POSTED,
            self.clock.now(),
            channel_id=str(resp.get("channel") or digest.channel_id),
            message_ts=ts,
            record_count=post.record_count,
            late=post.job.late,
        )
        return RunOutcome(digest.id, run.scheduled_for, POSTED, ts), finish

    def _failed(self, digest: Digest, run: DigestRun, error: str) -> RunOutcome:
        if not self.store.holds(run.id, self.owner):
            # Taken over after our lease ran out: the taker's outcome stands.
            return RunOutcome(digest.id, run.scheduled_for, "taken_over")
        logger.warning("digest %s run at %s failed: %s", digest.id, run.scheduled_for, error)
        self._finish(run.id, FAILED, now=self.clock.now(), error=error)
        self.notify_owner(digest, run.scheduled_for, error)
        return RunOutcome(digest.id, run.scheduled_for, FAILED, error=error)

    def notify_owner(self, digest: Digest, scheduled_for: datetime, error: str) -> None:
        when = scheduled_for.astimezone(ZoneInfo(digest.timezone)).strftime("%Y-%m-%d %H:%M %Z")
        try:
            self.client.chat_postMessage(
                channel=digest.owner_user_id,
                text=f":warning: Your digest *{digest.name}* (run of {when}) failed: {error}",
            )
        except SlackApiError:
            logger.warning(
                "could not tell %s that digest %s failed", digest.owner_user_id, digest.id
            )
