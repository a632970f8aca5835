"""DigestScheduler: one APScheduler job per active digest, kept in step with the database by
``sync``; ``reconcile`` runs the engine's tick. No test waits for a real cron time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.digests.engine import DigestEngine
from bot.digests.schedule import DigestTrigger
from bot.digests.scheduler import RECONCILE_ID, DigestScheduler
from storage.digest_store import POSTED, DigestStore
from storage.times import utcnow
from tests.digests import FakeClock, add_cases
from tests.digests.conftest import START, DigestFactory
from tests.e2e.harness import CHANNEL
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

NINE = datetime.combine(START.date(), time(9), UTC)


@pytest.fixture
def scheduler(engine: DigestEngine) -> Iterator[DigestScheduler]:
    """Started paused: its jobs are real APScheduler jobs, but none of them runs by itself."""
    sched = DigestScheduler(engine, reconcile_seconds=3600, workers=2)
    sched.scheduler.start(paused=True)
    yield sched
    sched.scheduler.shutdown(wait=True)


@pytest.fixture
def add_job_calls(monkeypatch: pytest.MonkeyPatch, scheduler: DigestScheduler) -> list[str]:
    calls: list[str] = []
    original = scheduler.scheduler.add_job

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("id", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(scheduler.scheduler, "add_job", spy)
    return calls


def job_id(digest_id: int) -> str:
    return f"sfbot:digest:{digest_id}"


def trigger_of(scheduler: DigestScheduler, digest_id: int) -> DigestTrigger:
    job = scheduler.scheduler.get_job(job_id(digest_id))
    assert job is not None
    assert isinstance(job.trigger, DigestTrigger)
    return job.trigger


def test_sync_makes_one_job_per_active_digest(
    scheduler: DigestScheduler, make_digest: DigestFactory, store: DigestStore
) -> None:
    daily = make_digest(timezone="Europe/Berlin")
    cron = make_digest(schedule={"type": "cron", "cron": "30 7 * * 1-5"}, timezone="Asia/Kolkata")
    paused = make_digest(name="Paused")
    store.update(paused.id, paused=True)
    scheduler.sync()
    assert scheduler.job_ids() == sorted([job_id(daily.id), job_id(cron.id)])
    job = scheduler.scheduler.get_job(job_id(daily.id))
    assert job.func == scheduler.fire and list(job.args) == [daily.id]
    assert trigger_of(scheduler, daily.id).timezone == ZoneInfo("Europe/Berlin")
    assert "hour='9'" in str(trigger_of(scheduler, daily.id))
    kolkata = trigger_of(scheduler, cron.id)
    assert kolkata.timezone == ZoneInfo("Asia/Kolkata")
    assert kolkata.get_next_fire_time(None, NINE) == datetime(2025, 3, 25, 2, 0, tzinfo=UTC)


def test_sync_leaves_unchanged_digests_alone_and_reschedules_changed_ones(
    scheduler: DigestScheduler,
    make_digest: DigestFactory,
    store: DigestStore,
    add_job_calls: list[str],
) -> None:
    one, two = make_digest(), make_digest(name="Two")
    scheduler.sync()
    assert sorted(add_job_calls) == sorted([job_id(one.id), job_id(two.id)])
    add_job_calls.clear()
    scheduler.sync()
    assert add_job_calls == []

    store.update(one.id, schedule={"type": "daily", "time": "10:15"}, timezone="America/New_York")
    scheduler.sync()
    assert add_job_calls == [job_id(one.id)]
    trigger = trigger_of(scheduler, one.id)
    assert trigger.timezone == ZoneInfo("America/New_York")
    assert "hour='10'" in str(trigger) and "minute='15'" in str(trigger)
    assert scheduler.job_ids() == sorted([job_id(one.id), job_id(two.id)])

    add_job_calls.clear()
    store.update(two.id, name="Renamed")  # any edit bumps the version
    scheduler.sync()
    assert add_job_calls == [job_id(two.id)]


def test_sync_removes_paused_and_deleted_digests_and_brings_back_resumed_ones(
    scheduler: DigestScheduler, make_digest: DigestFactory, store: DigestStore
) -> None:
    keep, pause, gone = make_digest(), make_digest(name="Pause"), make_digest(name="Gone")
    scheduler.sync()
    assert len(scheduler.job_ids()) == 3
    store.update(pause.id, paused=True)
    assert store.delete(gone.id)
    scheduler.sync()
    assert scheduler.job_ids() == [job_id(keep.id)]
    store.update(pause.id, paused=False)
    scheduler.sync()
    assert scheduler.job_ids() == sorted([job_id(keep.id), job_id(pause.id)])


def test_an_unusable_schedule_gets_no_job_and_the_others_keep_theirs(
    scheduler: DigestScheduler, make_digest: DigestFactory, store: DigestStore
) -> None:
    fine, broken = make_digest(), make_digest(name="Broken")
    scheduler.sync()
    store.update(broken.id, schedule={"type": "cron", "cron": "0 9 * * 9"})
    scheduler.sync()
    assert scheduler.job_ids() == [job_id(fine.id)]
    store.update(broken.id, timezone="Mars/Olympus_Mons", schedule={"type": "daily"})
    scheduler.sync()
    assert scheduler.job_ids() == [job_id(fine.id)]
    store.update(broken.id, timezone="UTC", schedule={"type": "daily", "time": "08:00"})
    scheduler.sync()
    assert scheduler.job_ids() == sorted([job_id(fine.id), job_id(broken.id)])


def test_the_digest_job_runs_the_digest(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    scheduler: DigestScheduler,
    make_digest: DigestFactory,
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    digest = make_digest()
    scheduler.sync()
    job = scheduler.scheduler.get_job(job_id(digest.id))
    clock.set(NINE + timedelta(seconds=1))
    (outcome,) = job.func(*job.args)  # what APScheduler calls at 09:00
    assert outcome.state == POSTED
    assert job.func(*job.args) == []  # a second fire (another process, a misfire) is a no-op
    assert len(slack.messages(CHANNEL)) == 1


def test_reconcile_picks_up_new_digests_and_runs_what_is_due(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    scheduler: DigestScheduler,
    make_digest: DigestFactory,
    store: DigestStore,
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    scheduler.sync()
    assert scheduler.job_ids() == []
    made_elsewhere = make_digest()  # e.g. by another sfbot process
    clock.set(NINE + timedelta(minutes=10))
    scheduler.reconcile()
    assert scheduler.job_ids() == [job_id(made_elsewhere.id)]
    (run,) = store.runs(made_elsewhere.id)
    assert run.state == POSTED and run.late
    assert len(slack.messages(CHANNEL)) == 1
    scheduler.reconcile()
    assert len(slack.messages(CHANNEL)) == 1


def test_start_catches_up_at_once_then_shutdown(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    engine: DigestEngine,
    make_digest: DigestFactory,
    store: DigestStore,
) -> None:
    """The reconcile job runs at start-up: a run due while sfbot was down is posted then.
    (The clock is the real time here: APScheduler runs the job when that time comes.)"""
    now = clock.set(utcnow())
    add_cases(emu, 1, opened=now - timedelta(days=3))
    due = (now - timedelta(minutes=10)).strftime("%H:%M")
    digest = make_digest(schedule={"type": "daily", "time": due}, now=now - timedelta(days=1))
    scheduler = DigestScheduler(engine, reconcile_seconds=3600, workers=2)
    scheduler.start()
    try:
        assert RECONCILE_ID in scheduler.job_ids() and job_id(digest.id) in scheduler.job_ids()
        posted = slack.wait_for(
            "chat.postMessage", lambda c: c["args"].get("channel") == CHANNEL, timeout=30
        )
        assert posted["status"] == 200
    finally:
        scheduler.scheduler.shutdown(wait=True)  # lets the running reconcile finish
    scheduler.shutdown()  # the app's own shutdown is safe after it
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.late
    assert len(slack.messages(CHANNEL)) == 1
