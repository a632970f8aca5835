"""Running digests exactly once.

For each scheduled time a run row is claimed in the database (unique per digest and time)
before anything is posted; the row then records posted, failed, skipped or missed with the
Slack message ts. The message carries Slack message metadata with the run id, so a run whose
holder died between posting and recording is found in the channel's history by whoever takes
it over, instead of being posted twice. Runs missed while sfbot was down are posted once,
marked late, when they are within the grace period, and recorded as missed otherwise.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.context import ActionContext
from actions.digest_kinds import KINDS, Window, build_query, fetch_kind_rows, to_items
from actions.errors import ActionError, InvalidInput
from bot.blocks.digest import digest_blocks, digest_fallback_text
from bot.digests.schedule import Schedule, fire_times, next_fire, trigger_for
from storage.digest_store import FAILED, MISSED, POSTED, SKIPPED, Digest, DigestRun, DigestStore
from storage.times import utcnow

logger = logging.getLogger(__name__)

METADATA_EVENT = "sfbot_digest_run"
ON_TIME_SLACK = timedelta(minutes=2)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ChannelPacer:
    """At most one post per channel per ``interval`` from this process (Slack's limit for
    chat.postMessage is about one message per second per channel)."""

    def __init__(self, interval: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(channel, 0.0))
            self._next[channel] = at + self.interval
        if at > now:
            self._sleep(at - now)


class SharedQueries:
    """Digests with the same query and scheduled time share one Salesforce call."""

    def __init__(self, ttl: float = 120.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, datetime], tuple[float, Future[list[dict[str, Any]]]]] = {}
        self._lock = threading.Lock()

    def rows(
        self, key: tuple[str, datetime], fetch: Callable[[], list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        with self._lock:
            now = time.monotonic()
            for k in [k for k, (t, _f) in self._entries.items() if now - t > self.ttl]:
                del self._entries[k]
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                future: Future[list[dict[str, Any]]] = Future()
                self._entries[key] = (now, future)
            else:
                future = entry[1]
        if owner:
            try:
                future.set_result(fetch())
            except BaseException as exc:  # whatever it is, the digests sharing it get it too
                future.set_exception(exc)
                with self._lock:
                    self._entries.pop(key, None)
                raise
        return future.result()


@dataclass
class RunOutcome:
    digest_id: int
    scheduled_for: datetime
    state: str
    message_ts: str | None = None
    error: str | None = None


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

    # -- what is due -----------------------------------------------------------------------

    def due_times(self, digest: Digest, now: datetime) -> tuple[list[datetime], list[datetime]]:
        """(to run, missed): scheduled times since the last recorded one, up to ``now``."""
        trigger = trigger_for(Schedule.model_validate(digest.schedule), digest.timezone)
        last = self.store.last_scheduled(digest.id)
        after = max(last, digest.active_since) if last else digest.active_since
        run: list[datetime] = []
        missed: list[datetime] = []
        for t in fire_times(trigger, after, now):
            (run if now - t <= self.grace else missed).append(t)
        return run, missed

    def next_run(self, digest: Digest, now: datetime | None = None) -> datetime | None:
        trigger = trigger_for(Schedule.model_validate(digest.schedule), digest.timezone)
        return next_fire(trigger, now or self.clock.now())

    # -- entry points ----------------------------------------------------------------------

    def run_due(self, digest_id: int) -> list[RunOutcome]:
        """Claim and run every due time of one digest (called by its APScheduler job)."""
        digest = self.store.get(digest_id)
        if digest is None or digest.paused:
            return []
        now = self.clock.now()
        to_run, missed = self.due_times(digest, now)
        outcomes = []
        for t in missed:
            if self.store.claim(digest.id, t, self.owner, now=now, state=MISSED):
                outcomes.append(RunOutcome(digest.id, t, MISSED))
        for t in to_run:
            run = self.store.claim(digest.id, t, self.owner, now=now, late=now - t > ON_TIME_SLACK)
            if run is not None:
                outcomes.append(self.execute(digest, run))
        return outcomes

    def tick(self) -> list[RunOutcome]:
        """Recover abandoned claims, then run whatever is due for every digest."""
        outcomes = self.recover()
        for digest in self.store.all_digests():
            try:
                outcomes.extend(self.run_due(digest.id))
            except Exception:  # one broken digest must not stop the others
                logger.exception("digest %s could not run", digest.id)
        return outcomes

    def recover(self) -> list[RunOutcome]:
        """Finish runs whose holder died after claiming them (see the module docstring)."""
        now = self.clock.now()
        outcomes = []
        for stale in self.store.stale_claims(now - self.lease):
            run = self.store.take_over(stale, self.owner, now=now, lease=self.lease)
            digest = self.store.get(stale.digest_id)
            if run is None or digest is None:
                continue
            try:
                ts = self.find_posted(digest, run)
            except SlackApiError as exc:
                outcomes.append(self._failed(digest, run, f"Slack: {exc.response.get('error')}"))
                continue
            except Exception:  # one broken run must not stop the others
                logger.exception("could not recover digest %s run %s", digest.id, run.id)
                continue
            if ts is not None:
                self.store.finish(
                    run.id, POSTED, now=now, channel_id=digest.channel_id, message_ts=ts
                )
                outcomes.append(RunOutcome(digest.id, run.scheduled_for, POSTED, ts))
            elif now - run.scheduled_for <= self.grace:
                outcomes.append(self.execute(digest, run, late=True))
            else:
                self.store.finish(run.id, MISSED, now=now, error="sfbot stopped during this run")
                outcomes.append(RunOutcome(digest.id, run.scheduled_for, MISSED))
        return outcomes

    def find_posted(self, digest: Digest, run: DigestRun) -> str | None:
        """The ts of the message already posted for ``run``, from its metadata, if any."""
        # Whoever posted it claimed the run at or after its scheduled time (``claimed_at`` is
        # the taker's own claim by now); 5 minutes of margin for clocks that disagree.
        oldest = run.scheduled_for - timedelta(minutes=5)
        cursor = None
        for _page in range(10):
            resp = self.client.conversations_history(
                channel=digest.channel_id,
                oldest=f"{oldest.timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in resp.get("messages") or []:
                meta: dict[str, Any] = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and payload.get("run_id") == run.id:
                    return str(message["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    # -- one run ---------------------------------------------------------------------------

    def window(self, digest: Digest, scheduled_for: datetime) -> Window:
        previous = self.store.last_posted(digest.id)
        start = (
            previous.scheduled_for if previous and previous.scheduled_for < scheduled_for else None
        )
        if start is None:
            start = min(digest.created_at, scheduled_for) - timedelta(days=1)
        today = scheduled_for.astimezone(ZoneInfo(digest.timezone)).date()
        return Window(start=start, end=scheduled_for, today=today)

    def execute(self, digest: Digest, run: DigestRun, *, late: bool | None = None) -> RunOutcome:
        late = run.late if late is None else late
        try:
            window = self.window(digest, run.scheduled_for)
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
        now = self.clock.now()
        if not items and not digest.post_when_empty:
            if not self.store.holds(run.id, self.owner):
                return RunOutcome(digest.id, run.scheduled_for, "taken_over")
            self.store.finish(run.id, SKIPPED, now=now, record_count=0)
            return RunOutcome(digest.id, run.scheduled_for, SKIPPED)
        blocks = digest_blocks(
            name=digest.name,
            kind_label=KINDS[digest.kind].label,
            period_start=window.start,
            period_end=window.end,
            tz_name=digest.timezone,
            items=items,
            ran_at=now,
            next_run=self.next_run(digest, now),
            late=late,
        )
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {
                "run_id": run.id,
                "digest_id": digest.id,
                "scheduled_for": run.scheduled_for.isoformat(),
            },
        }
        self.pacer.wait(digest.channel_id)
        if not self.store.renew(run.id, self.owner, now=self.clock.now()):
            # Taken over after our lease ran out: the taker posts (or finds our post). Renewed
            # otherwise, so no one takes it over while this post is under way.
            return RunOutcome(digest.id, run.scheduled_for, "taken_over")
        try:
            resp = self.client.chat_postMessage(
                channel=digest.channel_id,
                text=digest_fallback_text(digest.name, len(items)),
                blocks=blocks,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            return self._failed(digest, run, f"Slack: {exc.response.get('error')}")
        ts = str(resp["ts"])
        self.store.finish(
            run.id,
            POSTED,
            now=self.clock.now(),
            channel_id=str(resp.get("channel") or digest.channel_id),
            message_ts=ts,
            record_count=len(items),
            late=late,
        )
        return RunOutcome(digest.id, run.scheduled_for, POSTED, ts)

    def preview(self, digest: Digest, user_id: str) -> RunOutcome:
        """Run now: the digest as it would post, sent to ``user_id`` only (a DM)."""
        now = self.clock.now()
        window = self.window(digest, now)
        soql = build_query(digest.kind, digest.params, window)
        rows = fetch_kind_rows(self.actions, digest.kind, soql)
        items = to_items(self.actions, digest.kind, digest.params, rows)
        blocks = digest_blocks(
            name=digest.name,
            kind_label=KINDS[digest.kind].label,
            period_start=window.start,
            period_end=window.end,
            tz_name=digest.timezone,
            items=items,
            ran_at=now,
            next_run=self.next_run(digest, now),
            preview=True,
        )
        resp = self.client.chat_postMessage(
            channel=user_id,
            text="Preview: " + digest_fallback_text(digest.name, len(items)),
            blocks=blocks,
            unfurl_links=False,
        )
        return RunOutcome(digest.id, now, "preview", str(resp["ts"]))

    def _failed(self, digest: Digest, run: DigestRun, error: str) -> RunOutcome:
        if not self.store.holds(run.id, self.owner):
            # Taken over after our lease ran out: the taker's outcome stands.
            return RunOutcome(digest.id, run.scheduled_for, "taken_over")
        logger.warning("digest %s run at %s failed: %s", digest.id, run.scheduled_for, error)
        self.store.finish(run.id, FAILED, now=self.clock.now(), error=error)
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
