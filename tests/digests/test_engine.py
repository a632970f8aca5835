"""The digest engine against the emulator and the fake Slack, on SQLite and PostgreSQL: each
scheduled time posts once, empty and paused digests, the message, shared queries, failures
(Salesforce, Slack 429, unknown channel) and concurrent replicas."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digests.engine import DigestEngine, SharedQueries
from bot.digests.history import METADATA_EVENT
from bot.digests.preview import preview_digest
from storage.digest_store import FAILED, POSTED, SKIPPED, DigestStore
from tests.digests import (
    FakeClock,
    add_cases,
    block_texts,
    digest_messages,
    dm_channel,
    posts_per_run,
    run_id_of,
    sf_time,
)
from tests.digests.conftest import START, DigestFactory, EngineFactory
from tests.e2e.harness import CHANNEL, OWNER
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

SALES = "C0SALES001"
LEADS = "C0LEADS001"


@pytest.fixture(autouse=True)
def _channels(slack: FakeSlack) -> None:
    slack.add_channel(SALES, "sales")
    slack.add_channel(LEADS, "leads")


def at(day: date, hhmm: str = "09:00", tz: str = "UTC") -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


MONDAY = START.date()


def test_each_scheduled_time_posts_once_over_many_days_across_dst(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    make_engine: EngineFactory,
    make_digest: DigestFactory,
    store: DigestStore,
) -> None:
    add_cases(emu, 3, opened=START - timedelta(days=30))
    digest = make_digest(timezone="Europe/Berlin")  # 09:00 Berlin; summer time from the 30th
    a, b = make_engine("sfbot-a"), make_engine("sfbot-b")
    emu.reset_counters()
    expected = []
    for day in range(10):
        scheduled = at(MONDAY + timedelta(days=day), tz="Europe/Berlin")
        expected.append(scheduled)
        clock.set(scheduled - timedelta(minutes=1))
        assert a.tick() == [] and b.tick() == []
        clock.set(scheduled + timedelta(seconds=2))
        outcomes = a.tick() + b.tick() + a.run_due(digest.id) + b.run_due(digest.id)
        assert [o.state for o in outcomes] == [POSTED]
        clock.advance(hours=5)
        assert a.tick() == [] and b.tick() == []

    messages = digest_messages(slack, CHANNEL)
    assert len(messages) == 10
    runs = sorted(store.runs(digest.id), key=lambda r: r.scheduled_for)
    assert [r.scheduled_for for r in runs] == expected
    assert {r.scheduled_for.astimezone(ZoneInfo("Europe/Berlin")).time() for r in runs} == {
        time(9, 0)
    }
    assert {r.scheduled_for.hour for r in runs} == {8, 7}  # UTC+1, then UTC+2
    assert all(r.state == POSTED and not r.late for r in runs)
    assert [r.message_ts for r in runs] == [m["ts"] for m in messages]
    assert [run_id_of(m) for m in messages] == [r.id for r in runs]
    assert emu.api_calls == 10  # one Salesforce query per run
    slack.assert_no_invalid_calls()


def test_the_message_carries_the_run_in_its_metadata(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    digest = make_digest()
    clock.set(at(MONDAY) + timedelta(seconds=5))
    (outcome,) = engine.tick()
    (run,) = store.runs(digest.id)
    (call,) = [c for c in slack.calls_to("chat.postMessage") if c["args"]["channel"] == CHANNEL]
    assert call["args"]["metadata"] == {
        "event_type": METADATA_EVENT,
        "event_payload": {
            "run_id": run.id,
            "digest_id": digest.id,
            "scheduled_for": at(MONDAY).isoformat(),
        },
    }
    assert outcome.message_ts == run.message_ts == slack.messages(CHANNEL)[0]["ts"]
    assert run.channel_id == CHANNEL
    assert run.record_count == 1


def test_the_message_layout_and_limits(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest
) -> None:
    add_cases(emu, 45, opened=START - timedelta(days=30))
    make_digest(name="Support queue " + "x" * 86, timezone="Asia/Kolkata")  # 100: the most
    scheduled = at(MONDAY + timedelta(days=1), tz="Asia/Kolkata")  # Tuesday 03:30 UTC
    clock.set(scheduled + timedelta(seconds=20))
    (outcome,) = engine.tick()
    assert outcome.state == POSTED
    slack.assert_no_invalid_calls()
    (message,) = slack.messages(CHANNEL)
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"].startswith("Support queue xxx")
    assert len(blocks[0]["text"]["text"]) <= 150
    summary = blocks[1]["elements"][0]["text"]
    assert summary.startswith("*Open cases* · 45 records · ")
    assert summary.endswith("→ Tue 25 Mar 2025 09:00 IST")  # the period ends at the schedule
    assert "late" not in summary
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 40
    assert sections[0]["text"]["text"].startswith("*<https://")  # linked to the record
    texts = block_texts(message)
    assert "…and 5 more in Salesforce." in texts
    footer = blocks[-1]["elements"][0]["text"]
    assert footer.startswith("Ran Tue 25 Mar 2025 09:00 IST")
    assert footer.endswith("next run Wed 26 Mar 2025 09:00 IST")
    assert message["text"].endswith(": 45 records")


def test_new_leads_cover_the_time_since_the_previous_run(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest
) -> None:
    digest = make_digest(kind="new_leads", name="New leads", channel_id=LEADS)
    monday, tuesday = at(MONDAY), at(MONDAY + timedelta(days=1))
    for name, when in [
        ("before the first run", monday - timedelta(hours=2)),
        ("between the runs", monday + timedelta(hours=3)),
        ("after the second run", tuesday + timedelta(minutes=1)),
    ]:
        emu.insert("Lead", {"LastName": name, "Company": "Acme", "CreatedDate": sf_time(when)})
    clock.set(monday + timedelta(seconds=5))
    engine.run_due(digest.id)
    clock.set(tuesday + timedelta(seconds=5))
    engine.run_due(digest.id)
    first, second = slack.messages(LEADS)
    assert "before the first run" in str(first["blocks"])
    assert "between the runs" not in str(first["blocks"])
    assert "between the runs" in str(second["blocks"])
    assert "before the first run" not in str(second["blocks"])
    assert "after the second run" not in str(second["blocks"])
    assert (
        "Mon 24 Mar 2025 09:00 UTC → Tue 25 Mar 2025 09:00 UTC"
        in second["blocks"][1]["elements"][0]["text"]
    )


def test_empty_is_skipped_unless_post_when_empty(
    slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    quiet = make_digest(kind="new_leads", name="Quiet", channel_id=LEADS)
    chatty = make_digest(kind="new_leads", name="Chatty", channel_id=SALES, post_when_empty=True)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    states = {o.digest_id: o.state for o in engine.tick()}
    assert states == {quiet.id: SKIPPED, chatty.id: POSTED}
    assert slack.messages(LEADS) == []
    (message,) = slack.messages(SALES)
    assert "_Nothing to report._" in block_texts(message)
    assert "0 records" in message["blocks"][1]["elements"][0]["text"]
    (skipped,) = store.runs(quiet.id)
    assert skipped.state == SKIPPED and skipped.record_count == 0 and skipped.message_ts is None
    slack.assert_no_invalid_calls()


def test_a_paused_digest_posts_nothing(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    digest = make_digest()
    store.update(digest.id, paused=True)
    for day in range(3):
        clock.set(at(MONDAY + timedelta(days=day)) + timedelta(seconds=5))
        assert engine.tick() == []
        assert engine.run_due(digest.id) == []
    assert slack.messages(CHANNEL) == []
    assert store.runs(digest.id) == []
    assert emu.api_calls == 0


def test_resuming_does_not_post_the_runs_that_fell_while_paused(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    digest = make_digest()
    store.update(digest.id, paused=True, now=clock.now())
    clock.set(at(MONDAY) + timedelta(minutes=30))  # 09:00 passed while paused
    store.update(digest.id, paused=False, now=clock.now())
    assert engine.tick() == []
    assert store.runs(digest.id) == []
    clock.set(at(MONDAY + timedelta(days=1)) + timedelta(seconds=5))
    (outcome,) = engine.tick()
    assert outcome.state == POSTED
    assert len(slack.messages(CHANNEL)) == 1


def test_a_new_time_already_past_today_starts_tomorrow(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    digest = make_digest(schedule={"type": "daily", "time": "23:00"})
    clock.set(at(MONDAY) + timedelta(minutes=30))
    store.update(digest.id, schedule={"type": "daily", "time": "08:00"}, now=clock.now())
    assert engine.tick() == []
    assert slack.messages(CHANNEL) == []


def test_digests_with_the_same_query_and_time_share_one_salesforce_query(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    emu.insert("Lead", {"LastName": "Hot", "Company": "Acme", "Lead_Score__c": 99})
    make_digest(name="Cases here")
    make_digest(name="Cases there", channel_id=SALES)
    make_digest(name="Cases again", channel_id=LEADS)
    make_digest(name="Hot", kind="hot_leads", channel_id=LEADS)
    make_digest(name="Cases at ten", schedule={"type": "daily", "time": "10:00"})
    emu.reset_counters()
    clock.set(at(MONDAY) + timedelta(seconds=5))
    assert [o.state for o in engine.tick()] == [POSTED] * 4
    assert emu.api_calls == 2  # open cases once, hot leads once
    clock.set(at(MONDAY, "10:00") + timedelta(seconds=5))
    assert [o.state for o in engine.tick()] == [POSTED]
    assert emu.api_calls == 3  # another time: its own query
    assert len(digest_messages(slack, LEADS)) == 2
    slack.assert_no_invalid_calls()


def test_a_salesforce_failure_fails_that_digest_only_and_tells_its_owner(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    emu.insert("Lead", {"LastName": "Hot", "Company": "Acme", "Lead_Score__c": 99})
    emu.insert(
        "Opportunity", {"Name": "Big", "StageName": "Prospecting", "CloseDate": "2025-03-25"}
    )
    broken = make_digest(name="Support queue")
    hot = make_digest(name="Hot", kind="hot_leads", channel_id=LEADS)
    closing = make_digest(name="Closing", kind="closing_opportunities", channel_id=SALES)
    # the digests' queries run at once: the open cases one (it alone reads CaseNumber) fails
    emu.fail_next(
        500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}], path_contains="CaseNumber"
    )
    clock.set(at(MONDAY) + timedelta(seconds=5))
    states = {o.digest_id: o for o in engine.tick()}
    assert states[broken.id].state == FAILED
    assert states[hot.id].state == POSTED and states[closing.id].state == POSTED
    (run,) = store.runs(broken.id)
    assert run.state == FAILED and run.message_ts is None
    assert run.error and run.error.startswith("Salesforce:") and "boom" in run.error
    assert slack.messages(CHANNEL) == []
    assert len(slack.messages(LEADS)) == 1 and len(slack.messages(SALES)) == 1
    (dm,) = slack.messages(dm_channel(OWNER))
    assert "*Support queue*" in dm["text"] and "boom" in dm["text"]
    assert "2025-03-24 09:00 UTC" in dm["text"]
    # the failure is recorded, not retried; the next day runs normally
    assert engine.tick() == []
    clock.set(at(MONDAY + timedelta(days=1)) + timedelta(seconds=5))
    assert {o.state for o in engine.tick()} == {POSTED}
    assert len(slack.messages(CHANNEL)) == 1


def test_a_definition_salesforce_refuses_fails_with_its_message(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    bad = make_digest(kind="custom", params={"soql": "SELECT Id, Nope__c FROM Lead"})
    invalid = make_digest(kind="hot_leads", params={"threshold": "hot"}, channel_id=SALES)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    outcomes = {o.digest_id: o for o in engine.tick()}
    assert outcomes[bad.id].state == FAILED and "Nope__c" in (outcomes[bad.id].error or "")
    assert outcomes[invalid.id].state == FAILED
    assert (outcomes[invalid.id].error or "").startswith("the digest's definition is invalid")
    assert len(slack.messages(dm_channel(OWNER))) == 2
    assert store.runs(invalid.id)[0].state == FAILED


def test_slack_rate_limit_during_a_run_is_retried_after_retry_after(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    engine,
    make_digest,
    store,
    retry_sleeps: list[float],
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    first = make_digest(name="First")
    second = make_digest(name="Second", kind="hot_leads", post_when_empty=True)
    slack.rate_limit("chat.postMessage", channel=CHANNEL, per_second=1.0)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    assert [o.state for o in engine.tick()] == [POSTED, POSTED]
    calls = [c for c in slack.calls_to("chat.postMessage") if c["args"]["channel"] == CHANNEL]
    assert [c["status"] for c in calls] == [200, 429, 200]
    assert retry_sleeps and retry_sleeps[0] >= 1.0
    assert calls[2]["ts"] - calls[1]["ts"] >= 1.0  # retried after Retry-After
    assert posts_per_run(slack, [CHANNEL]) == Counter(
        {store.runs(first.id)[0].id: 1, store.runs(second.id)[0].id: 1}
    )
    slack.assert_no_invalid_calls()


def test_a_429_from_slack_is_retried_and_posted_once(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    engine,
    make_digest,
    store,
    retry_sleeps: list[float],
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    digest = make_digest()
    slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    (outcome,) = engine.tick()
    assert outcome.state == POSTED
    assert retry_sleeps[0] >= 7
    assert len(slack.messages(CHANNEL)) == 1
    assert store.runs(digest.id)[0].message_ts == slack.messages(CHANNEL)[0]["ts"]


def test_the_pacer_keeps_a_channel_under_one_message_a_second(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, make_engine, make_digest
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    for i in range(4):
        make_digest(name=f"Digest {i}")
    slack.rate_limit("chat.postMessage", channel=CHANNEL, per_second=1.0)
    engine = make_engine(pacer_interval=1.0)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    assert [o.state for o in engine.tick()] == [POSTED] * 4
    calls = [c for c in slack.calls_to("chat.postMessage") if c["args"]["channel"] == CHANNEL]
    assert [c["status"] for c in calls] == [200] * 4  # no 429: the pacer waited
    assert [round(b["ts"] - a["ts"], 3) for a, b in itertools.pairwise(calls)] == [
        1.0,
        1.0,
        1.0,
    ]


@pytest.mark.parametrize(
    ("channel", "error"), [("C0GONE0001", "channel_not_found"), ("C0NOTIN001", "not_in_channel")]
)
def test_a_channel_slack_refuses_fails_the_run_and_tells_the_owner(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    engine,
    make_digest,
    store,
    channel: str,
    error: str,
) -> None:
    slack.add_channel("C0NOTIN001", "private-ish", is_member=False)
    add_cases(emu, 1, opened=START - timedelta(days=3))
    lost = make_digest(name="Lost", channel_id=channel)
    fine = make_digest(name="Fine", channel_id=SALES)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    outcomes = {o.digest_id: o for o in engine.tick()}
    assert outcomes[lost.id].state == FAILED
    assert outcomes[fine.id].state == POSTED
    (run,) = store.runs(lost.id)
    assert run.state == FAILED and run.error == f"Slack: {error}"
    (dm,) = slack.messages(dm_channel(OWNER))
    assert "*Lost*" in dm["text"] and error in dm["text"]


def test_a_failure_still_records_when_the_owner_cannot_be_told(
    slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    digest = make_digest(channel_id="C0GONE0001", owner_user_id="U0LEFT0001", post_when_empty=True)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    (outcome,) = engine.tick()
    assert outcome.state == FAILED
    assert store.runs(digest.id)[0].state == FAILED


def test_retrying_a_run_does_not_post_again(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    digest = make_digest()
    clock.set(at(MONDAY) + timedelta(seconds=5))
    assert len(engine.run_due(digest.id)) == 1
    for _ in range(3):
        assert engine.run_due(digest.id) == []
        assert engine.tick() == []
    assert len(slack.messages(CHANNEL)) == 1


def test_preview_goes_to_the_user_only(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    digest = make_digest()
    clock.set(at(MONDAY, "11:00"))
    outcome = preview_digest(engine, digest, OWNER)
    assert outcome.state == "preview"
    assert slack.messages(CHANNEL) == []
    (dm,) = slack.messages(dm_channel(OWNER))
    assert dm["blocks"][0]["text"]["text"] == "Preview: Support queue"
    assert "metadata" not in dm
    assert store.runs(digest.id) == []
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize("replicas", [4])
def test_concurrent_replicas_post_each_run_once(
    emu: SalesforceEmulator,
    slack: FakeSlack,
    clock: FakeClock,
    make_engine: EngineFactory,
    make_digest: DigestFactory,
    store: DigestStore,
    replicas: int,
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=3))
    channels = [CHANNEL, SALES, LEADS]
    digests = [
        make_digest(
            name=f"Digest {i}",
            kind=("open_cases", "hot_leads")[i % 2],
            channel_id=channels[i % 3],
            post_when_empty=True,
        )
        for i in range(8)
    ]
    engines: list[DigestEngine] = [make_engine(f"replica-{i}") for i in range(replicas)]
    errors: list[BaseException] = []
    days = 4
    for day in range(days):
        clock.set(at(MONDAY + timedelta(days=day)) + timedelta(seconds=5))
        barrier = threading.Barrier(replicas)

        def tick(engine: DigestEngine, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait(timeout=30)
                engine.tick()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=tick, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
    counts = posts_per_run(slack, channels)
    runs = [r for d in digests for r in store.runs(d.id)]
    assert len(runs) == len(digests) * days
    assert all(r.state == POSTED for r in runs)
    assert counts == Counter({r.id: 1 for r in runs})
    slack.assert_no_invalid_calls()


def test_a_digest_whose_schedule_became_unusable_does_not_stop_the_others(
    emu: SalesforceEmulator, slack: FakeSlack, clock: FakeClock, engine, make_digest, store
) -> None:
    add_cases(emu, 1, opened=START - timedelta(days=3))
    broken = make_digest(name="Broken")
    store.update(broken.id, schedule={"type": "cron", "cron": "every morning"})
    fine = make_digest(name="Fine", channel_id=SALES)
    clock.set(at(MONDAY) + timedelta(seconds=5))
    outcomes = engine.tick()
    assert [(o.digest_id, o.state) for o in outcomes] == [(fine.id, POSTED)]
    assert store.runs(broken.id) == []


def test_a_shared_query_that_blows_up_does_not_leave_the_others_waiting() -> None:
    """Not only Salesforce errors: whatever the first fetch raises reaches the digests that
    share it, and the next fetch of that query runs again."""
    queries = SharedQueries()
    key = ("SELECT Id FROM Case", START)
    started, release = threading.Event(), threading.Event()
    results: list[object] = []

    def explode() -> list[dict]:
        started.set()
        release.wait(timeout=30)
        raise KeyError("records")

    def waiter() -> None:
        try:
            results.append(queries.rows(key, lambda: [{"Id": "never"}]))
        except KeyError as exc:
            results.append(exc)

    def first() -> None:
        try:
            queries.rows(key, explode)
        except KeyError as exc:
            results.append(exc)

    owner = threading.Thread(target=first, daemon=True)
    owner.start()
    assert started.wait(timeout=30)
    other = threading.Thread(target=waiter, daemon=True)
    other.start()
    release.set()
    owner.join(timeout=30)
    other.join(timeout=30)
    assert not other.is_alive(), "a digest sharing the query would wait forever"
    assert len(results) == 2 and all(isinstance(r, KeyError) for r in results)
    assert queries.rows(key, lambda: [{"Id": "again"}]) == [{"Id": "again"}]


def test_runs_are_stored_in_utc_whatever_zone_the_time_comes_in(
    store: DigestStore, make_digest: DigestFactory, clock: FakeClock
) -> None:
    """SQLite keeps a datetime's wall time and drops its offset."""
    digest = make_digest(timezone="Asia/Kolkata")
    nine_in_kolkata = datetime(2025, 3, 25, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    now_in_new_york = clock.now().astimezone(ZoneInfo("America/New_York"))
    assert store.claim(digest.id, nine_in_kolkata, "one", now=now_in_new_york) is not None
    (run,) = store.runs(digest.id)
    assert run.scheduled_for == nine_in_kolkata == datetime(2025, 3, 25, 3, 30, tzinfo=UTC)
    assert run.scheduled_for.utcoffset() == timedelta(0)
    assert run.claimed_at == clock.now()
    assert store.last_scheduled(digest.id) == nine_in_kolkata
    # the same instant written another way is the same run
    assert store.claim(digest.id, nine_in_kolkata.astimezone(UTC), "two", now=clock.now()) is None
