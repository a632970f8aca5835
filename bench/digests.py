"""Digest fan-out as production runs it: 1,000 digests in 200 channels, due in the same minute.

    python -m bench.digests [--digests 1000] [--channels 200] [--queries 5] [--replicas 2]
                            [--per-second 1.0] [--sf-delay 0.05] [--postgres] [--profile DIR]

Starts ``--replicas`` real ``sfbot run --http`` processes on one database (SQLite, or a
throwaway PostgreSQL server with ``--postgres``), each with its own DigestScheduler
(APScheduler, the product's worker count), against the Salesforce emulator and the fake Slack,
which answers 429 with Retry-After to more than ``--per-second`` chat.postMessage a channel.
The digests are created for the next whole minute (at least 20 s away, so this waits for it)
and spread over ``--queries`` distinct Salesforce queries (kinds).

Prints the time from the due minute until the last run finished, the runs posted with records,
posted empty and skipped as empty, the Salesforce queries made (target: one per distinct query
and time, whatever the number of replicas), the 429s met and the duplicates. Exits 1 when a run
was posted twice, a digest did not run, or a query was made more than once.
``--profile DIR`` records each replica with py-spy (``pip install py-spy``) into DIR.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography.fernet import Fernet

from bot.digests.history import METADATA_EVENT
from storage.db import Database
from storage.digest_store import CLAIMED, POSTED, SKIPPED, DigestRun, DigestStore
from storage.times import utcnow
from tests.e2e.harness import OWNER, SfbotApp, base_env, start_emulator, start_fake_slack
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
LEAD_TIME = timedelta(seconds=20)  # to start the replicas before the digests are due
TIMEOUT = timedelta(minutes=10)


def query_groups(count: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` kinds with distinct queries: the base kinds, then more closing windows."""
    extra = [("closing_opportunities", {"days": 8 + i}) for i in range(max(0, count - 5))]
    return (BASE_KINDS + extra)[:count]


def seed(emu: SalesforceEmulator, now: datetime) -> None:
    """Records so that every kind has something to post."""
    old = (now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    for i in range(5):
        emu.insert("Case", {"Subject": f"Case {i}", "Priority": ("High", "Low")[i % 2]})
        emu.insert("Lead", {"LastName": f"Hot {i}", "Company": "Acme", "Lead_Score__c": 85 + i})
        emu.insert("Lead", {"LastName": f"Stale {i}", "Company": "Old", "LastModifiedDate": old})
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


def next_due_minute() -> datetime:
    due = (utcnow() + LEAD_TIME).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return due.astimezone(UTC)


def create_digests(
    store: DigestStore, count: int, channels: list[str], queries: int, due: datetime
) -> None:
    groups = query_groups(queries)
    for i in range(count):
        kind, params = groups[i % len(groups)]
        store.create(
            name=f"Digest {i}",
            kind=kind,
            params=params,
            channel_id=channels[i % len(channels)],
            schedule={"type": "daily", "time": due.strftime("%H:%M")},
            timezone="UTC",
            post_when_empty=True,
            owner_user_id=OWNER,
            now=due - timedelta(hours=3),
        )


def wait_for_runs(store: DigestStore, count: int, due: datetime) -> list[DigestRun]:
    """The runs, once ``count`` of them have finished (or the timeout has passed)."""
    deadline = due + TIMEOUT
    runs: list[DigestRun] = []
    while utcnow() < deadline:
        runs = store.runs(limit=count * 3)
        if len(runs) >= count and all(r.state != CLAIMED for r in runs):
            break
        time.sleep(0.5)
    return runs


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy")
    if exe is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    command = [exe, "record", "--pid", str(pid), "--threads", "--nonblocking", "--rate", "50"]
    return subprocess.Popen(
        [*command, "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def sf_queries(emu: SalesforceEmulator) -> Counter[str]:
    """SOQL queries the emulator answered, by query text."""
    found: Counter[str] = Counter()
    for req in emu.request_log:
        if req["server"] == "instance" and req["path"].rstrip("/").endswith("/query"):
            found[(parse_qs(req["query"]).get("q") or [""])[0]] += 1
    return found


def report(
    args: argparse.Namespace,
    runs: list[DigestRun],
    elapsed: float,
    emu: SalesforceEmulator,
    slack: FakeSlack,
    channels: list[str],
) -> int:
    states = Counter(r.state for r in runs)
    with_records = sum(1 for r in runs if r.state == POSTED and (r.record_count or 0) > 0)
    posted_empty = sum(1 for r in runs if r.state == POSTED and not r.record_count)
    done_digests = {r.digest_id for r in runs if r.state in (POSTED, SKIPPED)}
    per_run: Counter[int] = Counter()
    for c in channels:
        for m in slack.messages(c):
            meta = m.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT:
                per_run[meta["event_payload"]["run_id"]] += 1
    duplicates = sum(n - 1 for n in per_run.values() if n > 1)
    posts = slack.calls_to("chat.postMessage")
    rate_limited = sum(1 for c in posts if c.get("status") == 429)
    queries = sf_queries(emu)
    repeated = sum(n - 1 for n in queries.values())
    not_done = args.digests - len(done_digests)
    by_replica = Counter(
        (r.claimed_by or "?").split(":")[1] for r in runs if r.state in (POSTED, SKIPPED)
    )
    floor = math.ceil(args.digests / args.channels - 1) / args.per_second
    print(
        f"{args.digests} digests in {args.channels} channels, {args.queries} distinct queries, "
        f"{args.replicas} sfbot processes, {'PostgreSQL' if args.postgres else 'SQLite'}, "
        f"Slack {args.per_second:g} msg/s/channel, Salesforce delay {args.sf_delay}s"
    )
    print(f"  all done after          {elapsed:8.1f} s   (pacing floor {floor:.0f} s)")
    print(f"  posted with records     {with_records:8d}")
    print(f"  posted empty            {posted_empty:8d}")
    print(f"  skipped as empty        {states.get(SKIPPED, 0):8d}")
    print(f"  run states              {dict(states)}")
    print(f"  done by process (pid)   {dict(sorted(by_replica.items()))}")
    print(f"  Salesforce queries      {sum(queries.values()):8d}   ({len(queries)} distinct)")
    print(
        f"  Salesforce API calls    {emu.api_calls:8d}   (the duplicates kind: one Composite call)"
    )
    print(f"  messages in channels    {sum(per_run.values()):8d}")
    print(f"  429s met                {rate_limited:8d}")
    print(f"  history checks          {len(slack.calls_to('conversations.history')):8d}")
    print(f"  duplicates              {duplicates:8d}")
    print(f"  digests not done        {not_done:8d}")
    return 1 if duplicates or not_done or repeated else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--queries", type=int, default=5, help="distinct Salesforce queries")
    parser.add_argument("--replicas", type=int, default=2, help="sfbot processes")
    parser.add_argument("--per-second", type=float, default=1.0, help="posts/s a channel")
    parser.add_argument("--sf-delay", type=float, default=0.05, help="seconds a query takes")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--profile", type=Path, help="record each replica with py-spy here")
    parser.add_argument("--keep", action="store_true", help="keep the replicas' logs")
    args = parser.parse_args()

    emu, slack = start_emulator(), start_fake_slack()
    server = PostgresServer() if args.postgres else None
    workdir = Path(tempfile.mkdtemp(prefix="sfbot-bench-digests-"))
    replicas: list[SfbotApp] = []
    profilers: list[subprocess.Popen[bytes]] = []
    try:
        database_url = server.start() if server else f"sqlite:///{workdir / 'sfbot.db'}"
        env = base_env(database_url, Fernet.generate_key().decode(), emu, slack)
        replicas = [
            SfbotApp(sf=emu, slack=slack, env=env, workdir=workdir / f"replica-{i}")
            for i in range(args.replicas)
        ]
        for r in replicas:
            r.workdir.mkdir()
        replicas[0].connect()

        channels = [f"C0BENCH{i:04d}" for i in range(args.channels)]
        for c in channels:
            slack.add_channel(c, c.lower())
            slack.rate_limit("chat.postMessage", channel=c, per_second=args.per_second)
        due = next_due_minute()
        seed(emu, due)
        db = Database(database_url)
        store = DigestStore(db)
        create_digests(store, args.digests, channels, args.queries, due)
        for r in replicas:
            r.start()
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for i, r in enumerate(replicas):
                assert r.process is not None
                profilers.append(start_profiler(r.process.pid, args.profile / f"replica-{i}.txt"))
        emu.reset_counters()
        emu.delay = args.sf_delay
        print(f"waiting {(due - utcnow()).total_seconds():.0f}s for {due:%H:%M} UTC ...")
        runs = wait_for_runs(store, args.digests, due)
        finished = [r.finished_at for r in runs if r.finished_at is not None]
        elapsed = (max(finished) - due).total_seconds() if finished else float("nan")
        code = report(args, runs, elapsed, emu, slack, channels)
        db.dispose()
        if code:
            print(f"  logs in                 {workdir}")
        return code
    finally:
        for p in profilers:
            p.send_signal(2)  # SIGINT: py-spy writes its profile
        for p in profilers:
            p.wait(timeout=60)
        for r in replicas:
            r.stop()
        emu.stop()
        slack.stop()
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
