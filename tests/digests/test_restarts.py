"""Exactly once across crashes and restarts: sfbot killed before the post, between the post and
its record, after the record, or down across a scheduled time (within the grace period or
beyond it). A crash is an engine raising ``Crash`` at that point; a restart is another engine
(another owner) on the same database."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from actions.errors import SalesforceUnavailable
from bot.digests import engine as engine_module
from bot.digests.engine import DigestEngine
from storage.digest_store import CLAIMED, FAILED, MISSED, POSTED, DigestStore
from tests.digests import (
    Crash,
    FakeClock,
    add_cases,
    block_texts,
    digest_messages,
    dm_channel,
    posts_per_run,
    run_id_of,
)
from tests.digests.conftest import START, DigestFactory, EngineFactory
from tests.e2e.harness import CHANNEL, OWNER
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

MONDAY = START.date()
NINE = datetime.combine(MONDAY, time(9), UTC)
LEASE = timedelta(minutes=5)  # DigestEngine.lease
LATE_NOTE = "posted late"


def crash_once(
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    name: str,
    *,
    after: bool = False,
    when: Callable[..., bool] = lambda *a, **k: True,
) -> None:
    """The first call of ``target.name`` matching ``when`` kills sfbot: before the call does
    anything, or (``after=True``) once it has done it."""
    original = getattr(target, name)
    fired = False

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal fired
        if not fired and when(*args, **kwargs):
            fired = True
            if after:
                original(*args, **kwargs)
            raise Crash(f"killed in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)


def finishing(state: str) -> Callable[..., bool]:
    """``store.finish_many`` recording a ``state``."""
    return lambda finishes, *a, **kw: any(f.state == state for f in finishes)


def late_note(message: dict) -> bool:
    return any(LATE_NOTE in t for t in block_texts(message))


@pytest.fixture
def digest(emu: SalesforceEmulator, make_digest: DigestFactory):
    add_cases(emu, 2, opened=START - timedelta(days=5))
    return make_digest()


@pytest.fixture
def a(make_engine: EngineFactory) -> DigestEngine:
    return make_engine("sfbot-a")


@pytest.fixture
def b(make_engine: EngineFactory) -> DigestEngine:
    return make_engine("sfbot-b")


# -- killed mid-run ---------------------------------------------------------------------------


def test_killed_before_the_post_another_process_posts_once_after_the_lease(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.client, "chat_postMessage")
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    (run,) = store.runs(digest.id)
    assert run.state == CLAIMED and run.claimed_by == "sfbot-a"
    assert slack.messages(CHANNEL) == []

    # a restart within the lease leaves the claim alone
    clock.advance(LEASE - timedelta(seconds=10))
    assert b.tick() == []
    assert slack.messages(CHANNEL) == []

    clock.advance(seconds=11)
    (outcome,) = b.tick()
    assert outcome.state == POSTED
    (message,) = slack.messages(CHANNEL)
    assert late_note(message)
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.claimed_by == "sfbot-b" and run.late
    assert run.message_ts == message["ts"] and run_id_of(message) == run.id
    # the history was checked first (nothing there), then it posted
    (history,) = slack.calls_to("conversations.history")
    assert history["args"]["include_all_metadata"] in (True, "true", "1", 1)
    assert b.tick() == [] and a.tick() == []
    assert len(slack.messages(CHANNEL)) == 1


@pytest.mark.parametrize(
    "down_for",
    [
        LEASE + timedelta(seconds=1),
        timedelta(minutes=10),
        timedelta(minutes=50),
        timedelta(hours=3),
    ],
    ids=["just-past-lease", "10min", "50min-within-grace", "3h-beyond-grace"],
)
def test_killed_between_post_and_record_the_taker_finds_the_message_and_does_not_repost(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
    down_for: timedelta,
) -> None:
    crash_once(monkeypatch, a.store, "finish_many", when=finishing(POSTED))
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    (posted,) = slack.messages(CHANNEL)
    assert store.runs(digest.id)[0].state == CLAIMED

    clock.advance(down_for)
    (outcome,) = b.tick()
    assert outcome.state == POSTED and outcome.message_ts == posted["ts"]
    assert slack.messages(CHANNEL) == [posted]  # not posted again
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.message_ts == posted["ts"] and run.channel_id == CHANNEL
    assert not late_note(posted) and not run.late
    assert b.tick() == []
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_the_taker_pages_through_a_busy_channel(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.store, "finish_many", when=finishing(POSTED))
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    chatter = b.client
    for i in range(450):  # people talk after the digest
        clock.advance(seconds=1)
        chatter.chat_postMessage(channel=CHANNEL, text=f"message {i}")
    clock.advance(minutes=5)
    (outcome,) = b.tick()
    assert outcome.state == POSTED
    assert len(digest_messages(slack, CHANNEL)) == 1
    assert len(slack.calls_to("conversations.history")) >= 3


def test_killed_after_the_record_nothing_more_happens(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.store, "finish_many", after=True, when=finishing(POSTED))
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    assert store.runs(digest.id)[0].state == POSTED
    clock.advance(minutes=30)
    assert b.tick() == []
    assert len(slack.messages(CHANNEL)) == 1
    assert slack.calls_to("conversations.history") == []


def test_killed_before_the_post_and_back_after_the_grace_period_is_missed(
    monkeypatch: pytest.MonkeyPatch,
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.client, "chat_postMessage")
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    clock.advance(hours=2)
    (outcome,) = b.tick()
    assert outcome.state == MISSED
    (run,) = store.runs(digest.id)
    assert run.state == MISSED and run.error == "sfbot stopped during this run"
    assert slack.messages(CHANNEL) == []


def test_the_taker_crashing_too_is_recovered_by_a_third_process(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    make_engine: EngineFactory,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.client, "chat_postMessage")  # a: before posting
    crash_once(monkeypatch, b.store, "finish_many", when=finishing(POSTED))  # b: after posting
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    clock.advance(LEASE + timedelta(seconds=1))
    with pytest.raises(Crash):
        b.tick()
    (posted,) = slack.messages(CHANNEL)
    clock.advance(LEASE + timedelta(seconds=1))
    c = make_engine("sfbot-c")
    (outcome,) = c.tick()
    assert outcome.state == POSTED and outcome.message_ts == posted["ts"]
    assert slack.messages(CHANNEL) == [posted]
    assert store.runs(digest.id)[0].claimed_by == "sfbot-c"


def test_a_slow_holder_whose_claim_was_taken_over_does_not_post(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    """a stalls (a long GC pause, a hung connection) past its lease just before posting; b
    takes the run over and posts it; then a wakes up."""
    original_wait = a.pacer.wait
    taken: list[Any] = []

    def stall(channel: str) -> None:
        clock.advance(LEASE + timedelta(seconds=1))
        taken.extend(b.tick())
        original_wait(channel)

    monkeypatch.setattr(a.pacer, "wait", stall)
    clock.set(NINE + timedelta(seconds=3))
    (outcome,) = a.tick()
    assert outcome.state == "taken_over"
    assert [o.state for o in taken] == [POSTED]
    assert len(slack.messages(CHANNEL)) == 1
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.claimed_by == "sfbot-b"


def test_a_stale_claim_in_a_channel_that_is_gone_does_not_block_the_others(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    make_digest: DigestFactory,
    digest,
    a: DigestEngine,
    b: DigestEngine,
) -> None:
    slack.add_channel("C0DOOMED01", "doomed")
    doomed = make_digest(name="Doomed", channel_id="C0DOOMED01")

    def killed(**kwargs: Any) -> Any:
        raise Crash("killed before posting")

    monkeypatch.setattr(a.client, "chat_postMessage", killed)
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    # a claimed both (they share a query) and posted neither
    assert [r.state for d in (digest, doomed) for r in store.runs(d.id)] == [CLAIMED, CLAIMED]
    del slack.channels["C0DOOMED01"]  # the channel is deleted while sfbot is down
    clock.advance(LEASE + timedelta(seconds=1))
    outcomes = {o.digest_id: o.state for o in b.tick()}
    assert outcomes == {digest.id: POSTED, doomed.id: FAILED}
    assert len(slack.messages(CHANNEL)) == 1
    (run,) = store.runs(doomed.id)
    assert run.state == FAILED and "channel_not_found" in (run.error or "")
    assert any("*Doomed*" in m["text"] for m in slack.messages(dm_channel(OWNER)))


# -- down across scheduled times ----------------------------------------------------------------


def test_down_across_a_scheduled_time_within_grace_posts_once_marked_late(
    slack: FakeSlack, clock: FakeClock, store: DigestStore, digest, a, b
) -> None:
    clock.set(NINE + timedelta(minutes=40))  # sfbot comes back at 09:40
    (outcome,) = a.tick()
    assert outcome.state == POSTED
    (message,) = slack.messages(CHANNEL)
    assert late_note(message)
    (run,) = store.runs(digest.id)
    assert run.late and run.scheduled_for == NINE and run.claimed_at == clock.now()
    assert b.tick() == [] and a.tick() == []
    assert len(slack.messages(CHANNEL)) == 1


def test_a_minute_late_is_on_time(slack: FakeSlack, clock: FakeClock, store, digest, a) -> None:
    clock.set(NINE + timedelta(seconds=90))
    a.tick()
    (message,) = slack.messages(CHANNEL)
    assert not late_note(message) and not store.runs(digest.id)[0].late


def test_down_beyond_the_grace_period_is_recorded_missed_and_not_posted(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, store: DigestStore, digest, a
) -> None:
    emu.reset_counters()
    clock.set(NINE + timedelta(hours=1, minutes=30))
    (outcome,) = a.tick()
    assert outcome.state == MISSED
    (run,) = store.runs(digest.id)
    assert run.state == MISSED and run.scheduled_for == NINE and run.message_ts is None
    assert slack.messages(CHANNEL) == []
    assert emu.api_calls == 0
    assert a.tick() == []


def test_down_for_days_misses_the_old_runs_and_posts_the_recent_one_late(
    slack: FakeSlack, clock: FakeClock, store: DigestStore, digest, a
) -> None:
    thursday = NINE + timedelta(days=3)
    clock.set(thursday + timedelta(minutes=20))
    outcomes = a.tick()
    assert [(o.scheduled_for, o.state) for o in outcomes] == [
        (NINE, MISSED),
        (NINE + timedelta(days=1), MISSED),
        (NINE + timedelta(days=2), MISSED),
        (thursday, POSTED),
    ]
    (message,) = slack.messages(CHANNEL)
    assert late_note(message)
    # the late digest covers everything since the last one that was posted (none yet)
    assert store.runs(digest.id)[0].scheduled_for == thursday


def test_grace_period_is_configurable(
    slack: FakeSlack, clock: FakeClock, make_engine: EngineFactory, store, digest
) -> None:
    strict = make_engine("strict", grace=timedelta(minutes=5))
    clock.set(NINE + timedelta(minutes=6))
    assert [o.state for o in strict.tick()] == [MISSED]
    assert slack.messages(CHANNEL) == []


def test_restarts_every_day_never_double_post(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    make_engine: EngineFactory,
    digest,
) -> None:
    """A week where sfbot is killed at a different point each day and restarted."""
    points = [
        ("client", "chat_postMessage", False, None),
        ("store", "finish_many", False, POSTED),
        ("store", "finish_many", True, POSTED),
        ("store", "claim_many", True, None),
        (None, None, False, None),
        ("client", "conversations_history", False, None),
        ("client", "chat_postMessage", True, None),
    ]
    for day, (where, name, after, state) in enumerate(points):
        nine = datetime.combine(MONDAY + timedelta(days=day), time(9), UTC)
        engine = make_engine(f"day-{day}")
        if where is not None and name is not None:
            target = engine.client if where == "client" else engine.store
            when = finishing(state) if state else (lambda *a, **k: True)
            crash_once(monkeypatch, target, name, after=after, when=when)
        clock.set(nine + timedelta(seconds=3))
        with contextlib.suppress(Crash):
            engine.tick()
        clock.advance(LEASE + timedelta(seconds=1))
        make_engine(f"day-{day}-restarted").tick()
        clock.advance(minutes=10)
        make_engine(f"day-{day}-again").tick()
    runs = store.runs(digest.id)
    assert len(runs) == 7
    assert all(r.state == POSTED for r in runs), [(r.scheduled_for, r.state) for r in runs]
    assert posts_per_run(slack, [CHANNEL]) == {r.id: 1 for r in runs}


@pytest.mark.parametrize("outcome", ["fails", "is empty"])
def test_a_slow_holder_finishing_after_a_take_over_does_not_overwrite_the_record(
    monkeypatch: pytest.MonkeyPatch,
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    a: DigestEngine,
    b: DigestEngine,
    outcome: str,
) -> None:
    """a's Salesforce query outlives its lease; b takes over and posts; then a's query comes
    back failed (or empty): the run stays posted and nobody is told it failed."""
    original = engine_module.fetch_kind_rows
    calls = 0

    def slow_query(ctx: Any, kind: str, soql: str) -> list[dict]:
        nonlocal calls
        calls += 1
        if calls > 1:
            return original(ctx, kind, soql)
        clock.advance(LEASE + timedelta(seconds=1))
        assert [o.state for o in b.tick()] == [POSTED]
        if outcome == "fails":
            raise SalesforceUnavailable("Salesforce did not answer in time")
        return []

    monkeypatch.setattr(engine_module, "fetch_kind_rows", slow_query)
    clock.set(NINE + timedelta(seconds=3))
    (late,) = a.tick()
    assert late.state == "taken_over"
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.claimed_by == "sfbot-b" and run.message_ts
    assert len(slack.messages(CHANNEL)) == 1
    assert slack.messages(dm_channel(OWNER)) == []


def test_two_processes_recovering_the_same_claim_at_once_post_it_once(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    make_engine: EngineFactory,
    digest,
    a: DigestEngine,
) -> None:
    crash_once(monkeypatch, a.client, "chat_postMessage")
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    clock.advance(LEASE + timedelta(seconds=1))
    takers = [make_engine(f"taker-{i}") for i in range(4)]
    barrier = threading.Barrier(len(takers))
    results: list[Any] = []

    def recover(engine: DigestEngine) -> None:
        barrier.wait(timeout=30)
        results.append(engine.tick())

    threads = [threading.Thread(target=recover, args=(e,), daemon=True) for e in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == len(takers)
    assert sorted(o.state for outcomes in results for o in outcomes) == [POSTED]
    assert len(slack.messages(CHANNEL)) == 1
    assert store.runs(digest.id)[0].claimed_by.startswith("taker-")
