"""Digest fan-out: 1,000 digests in 200 channels, all due in the same minute.

    python -m bench.digests [--digests 1000] [--channels 200] [--queries 5] [--replicas 2]
                            [--workers 32] [--per-second 1.0] [--sf-delay 0.05]
                            [--mode threads|scheduler] [--postgres]

The fake Slack answers 429 with Retry-After to more than ``--per-second`` chat.postMessage a
channel. Each replica is one DigestEngine as in an sfbot process (its own database pool,
Salesforce connection, Slack client with RateLimitErrorRetryHandler, ChannelPacer and shared
query cache) on the common database (SQLite, or PostgreSQL with ``--postgres``):

* ``--mode threads`` (default): each replica's pool of ``--workers`` threads calls ``run_due``
  for every digest at once, as the APScheduler jobs of every replica would at that minute (the
  engine's clock stands at the due minute);
* ``--mode scheduler``: the real DigestScheduler of each replica (``--workers`` job threads)
  with the real clock; the digests are due at the next minute, so this waits for it.

The digests are spread over ``--queries`` distinct Salesforce queries (kinds), so digests with
the same query share it. Prints the time until every digest is posted, the Salesforce queries
made, the 429s met and retried, and the duplicates; exits 1 when any run was posted twice or
any digest was not posted.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from actions.config import ActionsSettings
from actions.connect import connect_client_credentials
from actions.context import ActionContext
from bot.digests.engine import METADATA_EVENT, ChannelPacer, DigestEngine, SystemClock
from bot.digests.scheduler import DigestScheduler
from storage.digest_store import POSTED, DigestStore
from storage.times import utcnow
from tests.e2e.harness import (
    BOT_TOKEN,
    CC_CLIENT_ID,
    CC_CLIENT_SECRET,
    OWNER,
    start_emulator,
    start_fake_slack,
)
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack
from tests.postgres import PostgresServer

BASE_KINDS: list[tuple[str, dict[str, Any]]] = [
    ("open_cases", {}),
    ("hot_leads", {}),
    ("closing_opportunities", {"days": 7}),
    ("stale_leads", {"days": 30}),
    ("duplicates", {}),
]


def query_groups(count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` kinds with distinct queries: the base kinds, then more closing windows."""
    extra = [("closing_opportunities", {"days": 8 + i}) for i in range(max(0, count - 5))]
    return (BASE_KINDS + extra)[:count]


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def seed(emu: SalesforceEmulator, now: datetime) -> None:
    """Records so that every kind has something to post."""
    old = (now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    for i in range(5):
        emu.insert("Case", {"Subject": f"Case {i}", "Priority": ("High", "Low")[i % 2]})
        emu.insert(
            "Lead",
            {"LastName": f"Hot {i}", "Company": "Acme", "Lead_Score__c": 85 + i},
        )
        emu.insert(
            "Lead",
            {"LastName": f"Stale {i}", "Company": "Old", "LastModifiedDate": old},
        )
        emu.insert(
            "Lead",
            {"LastName": f"Twin {i}", "Company": "Dup", "Email": f"twin{i % 2}@example.com"},
        )
        emu.insert(
            "Opportunity",
            {
                "Name": f"Deal {i}",
                "StageName": "Prospecting",
                "CloseDate": (now.date() + timedelta(days=1 + i)).isoformat(),
            },
        )


@dataclass
class Replica:
    ctx: ActionContext
    engine: DigestEngine


def make_replica(
    i: int, settings: ActionsSettings, slack: FakeSlack, clock: Any, interval: float
) -> Replica:
    ctx = ActionContext.build(settings)
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=10))
    engine = DigestEngine(
        DigestStore(ctx.db),
        ctx,
        client,
        clock=clock,
        owner=f"replica-{i}",
        pacer=ChannelPacer(interval=interval),
    )
    return Replica(ctx, engine)


def run_threads(replicas: list[Replica], digest_ids: list[int], workers: int) -> float:
    """Every replica runs every digest at once; seconds until all of them are done."""
    errors: list[BaseException] = []
    started = time.monotonic()

    def run_all(replica: Replica) -> None:
        with ThreadPoolExecutor(workers, thread_name_prefix=replica.engine.owner) as pool:
            for future in [pool.submit(replica.engine.run_due, d) for d in digest_ids]:
                try:
                    future.result()
                except Exception as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=run_all, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"{len(errors)} run_due calls raised, e.g. {errors[0]!r}", file=sys.stderr)
    return time.monotonic() - started


def run_schedulers(
    replicas: list[Replica], store: DigestStore, count: int, due: datetime, workers: int
) -> float:
    """The real schedulers; seconds from the due minute until every digest has posted."""
    schedulers = [DigestScheduler(r.engine, workers=workers) for r in replicas]
    for s in schedulers:
        s.start()
    try:
        wait = (due - utcnow()).total_seconds()
        print(f"waiting {wait:.0f}s for {due:%H:%M} UTC, when the digests are due ...")
        deadline = due + timedelta(minutes=15)
        while utcnow() < deadline:
            done = sum(1 for r in store.runs(limit=count * 2) if r.state == POSTED)
            if done >= count:
                break
            time.sleep(0.2)
        return (utcnow() - due).total_seconds()
    finally:
        for s in schedulers:
            s.scheduler.shutdown(wait=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--queries", type=int, default=5, help="distinct Salesforce queries")
    parser.add_argument("--replicas", type=int, default=2, help="engines (sfbot processes)")
    parser.add_argument("--workers", type=int, default=32, help="threads per replica")
    parser.add_argument("--per-second", type=float, default=1.0, help="posts/s a channel")
    parser.add_argument("--sf-delay", type=float, default=0.05, help="seconds a query takes")
    parser.add_argument("--mode", choices=["threads", "scheduler"], default="threads")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()

    emu, slack = start_emulator(), start_fake_slack()
    server = None
    try:
        if args.postgres:
            server = PostgresServer()
            database_url = server.start()
        else:
            workdir = Path(tempfile.mkdtemp(prefix="sfbot-bench-digests-"))
            database_url = f"sqlite:///{workdir / 'sfbot.db'}"
        os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_bundle
        settings = ActionsSettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            secret_key=SecretStr(Fernet.generate_key().decode()),
        )
        setup = ActionContext.build(settings)
        connect_client_credentials(setup, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, "bench")

        channels = [f"C0BENCH{i:04d}" for i in range(args.channels)]
        for c in channels:
            slack.add_channel(c, c.lower())
            slack.rate_limit("chat.postMessage", channel=c, per_second=args.per_second)

        if args.mode == "threads":
            due = datetime(2025, 3, 24, 9, 0, tzinfo=UTC)
            clock: Any = FixedClock(due + timedelta(seconds=5))
        else:
            due = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
            if (due - utcnow()).total_seconds() < 10:
                due += timedelta(minutes=1)
            clock = SystemClock()
        created = due - timedelta(hours=3)
        seed(emu, due)
        store = DigestStore(setup.db)
        groups = query_groups(args.queries)
        digest_ids = [
            store.create(
                name=f"Digest {i}",
                kind=groups[i % len(groups)][0],
                params=groups[i % len(groups)][1],
                channel_id=channels[i % len(channels)],
                schedule={"type": "daily", "time": due.strftime("%H:%M")},
                timezone="UTC",
                post_when_empty=True,
                owner_user_id=OWNER,
                now=created,
            ).id
            for i in range(args.digests)
        ]
        replicas = [
            make_replica(i, settings, slack, clock, 1.0 / args.per_second)
            for i in range(args.replicas)
        ]
        emu.reset_counters()
        emu.delay = args.sf_delay

        if args.mode == "threads":
            elapsed = run_threads(replicas, digest_ids, args.workers)
        else:
            elapsed = run_schedulers(replicas, store, args.digests, due, args.workers)

        runs = store.runs(limit=args.digests * 3)
        states = Counter(r.state for r in runs)
        posted_digests = {r.digest_id for r in runs if r.state == POSTED}
        per_run: Counter[int] = Counter()
        for c in channels:
            for m in slack.messages(c):
                meta = m.get("metadata") or {}
                if meta.get("event_type") == METADATA_EVENT:
                    per_run[meta["event_payload"]["run_id"]] += 1
        duplicates = sum(n - 1 for n in per_run.values() if n > 1)
        posts = slack.calls_to("chat.postMessage")
        rate_limited = sum(1 for c in posts if c.get("status") == 429)
        not_posted = args.digests - len(posted_digests)
        by_replica = Counter(r.claimed_by for r in runs if r.state == POSTED)
        floor = math.ceil(args.digests / args.channels - 1) / args.per_second

        print(
            f"{args.digests} digests in {args.channels} channels, {len(groups)} distinct queries, "
            f"{args.replicas} replicas x {args.workers} threads ({args.mode}), "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}, "
            f"Slack {args.per_second:g} msg/s/channel, Salesforce delay {args.sf_delay}s"
        )
        print(f"  all posted after        {elapsed:8.1f} s   (pacing floor {floor:.0f} s)")
        print(f"  messages posted         {sum(per_run.values()):8d}")
        print(f"  run states              {dict(states)}")
        print(f"  posted by               {dict(sorted(by_replica.items()))}")
        print(f"  Salesforce queries      {emu.api_calls:8d}   (sharing: <= queries x replicas)")
        print(f"  429s retried            {rate_limited:8d}")
        print(f"  history checks          {len(slack.calls_to('conversations.history')):8d}")
        print(f"  duplicates              {duplicates:8d}")
        print(f"  digests not posted      {not_posted:8d}")
        for r in replicas:
            r.ctx.close()
        setup.close()
        return 1 if duplicates or not_posted else 0
    finally:
        emu.stop()
        slack.stop()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
