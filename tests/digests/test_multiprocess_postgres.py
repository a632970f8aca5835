"""Two real sfbot processes on one PostgreSQL database, ticking through the same scheduled
times at the same moments: every run is posted exactly once (counted by the run id in each
message's metadata), also when one of them is killed between a post and its record."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from actions.config import ActionsSettings
from storage.digest_store import POSTED, DigestStore
from tests.digests import FakeClock, add_cases, posts_per_run
from tests.digests.conftest import START, DigestFactory
from tests.digests.worker import CRASH_EXIT
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
DIGESTS = 20
TIMES = 10
CHANNELS = [f"C0MULTI00{i}" for i in range(5)]
ANSWER_TIMEOUT = 120.0  # a guard against a hung worker, not a measure of speed


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


class Worker:
    """A ``tests.digests.worker`` process and the lines it answers."""

    def __init__(self, owner: str, env: dict[str, str], log: Path, *extra: str) -> None:
        self.owner = owner
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.digests.worker", "--owner", owner, *extra],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.alive = True

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # EOF: the process is gone

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        try:
            line = self.lines.get(timeout=ANSWER_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"{self.owner} did not answer; see {self.log.name}") from None
        if line == "":
            self.alive = False
        return line

    def stop(self) -> int:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):  # BrokenPipeError: it is gone already
                self.send("quit")
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


@pytest.fixture
def start_workers(
    tmp_path: Path,
    settings: ActionsSettings,
    database_url: str,
    slack: FakeSlack,
    emu: SalesforceEmulator,
) -> Iterator:
    started: list[Worker] = []
    assert settings.secret_key is not None
    env = {
        **os.environ,
        "SFBOT_SECRET_KEY": settings.secret_key.get_secret_value(),
        "REQUESTS_CA_BUNDLE": emu.ca_bundle,
    }
    env.pop("DATABASE_URL", None)

    def start(*specs: tuple[str, tuple[str, ...]]) -> list[Worker]:
        common = ("--database-url", database_url, "--slack-url", slack.api_url)
        workers = [
            Worker(owner, env, tmp_path / f"{owner}.log", *common, *extra) for owner, extra in specs
        ]
        started.extend(workers)
        for w in workers:
            assert w.answer() == "ready", (tmp_path / f"{w.owner}.log").read_text()
        return workers

    yield start
    for w in started:
        w.stop()


@pytest.fixture
def digests(
    emu: SalesforceEmulator, slack: FakeSlack, make_digest: DigestFactory, ctx
) -> list[int]:
    for channel in CHANNELS:
        slack.add_channel(channel, channel.lower())
    add_cases(emu, 3, opened=START - timedelta(days=10))
    emu.insert("Lead", {"LastName": "Hot", "Company": "Acme", "Lead_Score__c": 91})
    # two groups (a kind and its channels each): a process claims a whole group at once
    kinds = ["open_cases", "hot_leads"]
    return [
        make_digest(
            name=f"Digest {i}",
            kind=kinds[i % len(CHANNELS) % 2],
            channel_id=CHANNELS[i % len(CHANNELS)],
        ).id
        for i in range(DIGESTS)
    ]


def scheduled(step: int) -> datetime:
    return datetime.combine(START.date() + timedelta(days=step), time(9), UTC)


def tick_all(workers: list[Worker], clock: FakeClock, when: datetime) -> list[str]:
    """Every live worker ticks at ``when``, all at once; their answers."""
    clock.set(when)  # the fake Slack's time too
    live = [w for w in workers if w.alive]
    for w in live:
        w.send(when.isoformat())
    return [w.answer() for w in live]


def test_two_processes_post_each_run_exactly_once(
    start_workers, digests: list[int], clock: FakeClock, slack: FakeSlack, store: DigestStore
) -> None:
    workers = start_workers(("sfbot-1", ()), ("sfbot-2", ()))
    for step in range(TIMES):
        answers = tick_all(workers, clock, scheduled(step) + timedelta(seconds=20))
        assert all(a.startswith("done ") for a in answers), answers
        assert sum(int(a.split()[1]) for a in answers) == DIGESTS  # each due run, once
        # and a reconcile a minute later finds nothing left to do
        again = tick_all(workers, clock, scheduled(step) + timedelta(minutes=1, seconds=20))
        assert again == ["done 0", "done 0"]
    for w in workers:
        assert w.stop() == 0

    runs = [r for d in digests for r in store.runs(d, limit=100)]
    assert len(runs) == DIGESTS * TIMES
    assert {r.state for r in runs} == {POSTED}
    counts = posts_per_run(slack, CHANNELS)
    assert counts == {r.id: 1 for r in runs}
    ts_by_run = {
        m["metadata"]["event_payload"]["run_id"]: m["ts"]
        for c in CHANNELS
        for m in slack.messages(c)
    }
    assert all(ts_by_run[r.id] == r.message_ts for r in runs)
    assert {r.claimed_by for r in runs} == {"sfbot-1", "sfbot-2"}  # both did some
    slack.assert_no_invalid_calls()


def test_a_process_killed_between_post_and_record_is_recovered_without_reposting(
    start_workers, digests: list[int], clock: FakeClock, slack: FakeSlack, store: DigestStore
) -> None:
    doomed, survivor = start_workers(
        ("sfbot-doomed", ("--crash-after-posts", "3")), ("sfbot-survivor", ())
    )
    workers = [doomed, survivor]
    crashed_at = None
    for step in range(TIMES):
        answers = tick_all(workers, clock, scheduled(step) + timedelta(seconds=20))
        assert all(a == "" or a.startswith("done ") for a in answers), answers
        if not doomed.alive and crashed_at is None:
            crashed_at = step
            # the runs the dead process held (it claims a whole group at once) are taken over
            # once their lease has run out, within the grace period: the posts it made are
            # found in the channels' history, the others are posted late
            tick_all(workers, clock, scheduled(step) + timedelta(minutes=1, seconds=20))
            tick_all(workers, clock, scheduled(step) + timedelta(minutes=6, seconds=20))
    # it dies at the first time it wins the claim (one group: either process may win it)
    assert crashed_at is not None
    assert doomed.stop() == CRASH_EXIT
    assert survivor.stop() == 0

    runs = [r for d in digests for r in store.runs(d, limit=100)]
    assert len(runs) == DIGESTS * TIMES
    assert {r.state for r in runs} == {POSTED}, [(r.id, r.state, r.error) for r in runs]
    assert posts_per_run(slack, CHANNELS) == {r.id: 1 for r in runs}
    assert len(slack.calls_to("conversations.history")) >= 1
