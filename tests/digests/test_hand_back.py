"""A clean stop hands back the digest runs claimed here and not being posted (issue 13,
"Restarts and health"): the next process takes them over at its next tick instead of after the
lease, and still looks for the message before posting. A post under way is never handed back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from bot.digests.engine import DigestEngine
from storage.digest_store import CLAIMED, POSTED, DigestStore
from tests.digests import Crash, FakeClock, add_cases
from tests.digests.conftest import START, DigestFactory, EngineFactory
from tests.digests.test_restarts import crash_once
from tests.e2e.harness import CHANNEL
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

NINE = datetime.combine(START.date(), time(9), UTC)


@pytest.fixture
def digest(emu: SalesforceEmulator, make_digest: DigestFactory):
    add_cases(emu, 2, opened=START - timedelta(days=5))
    return make_digest()


def test_a_claimed_run_handed_back_is_posted_once_by_the_next_process_at_once(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    make_engine: EngineFactory,
) -> None:
    a, b = make_engine("sfbot-a"), make_engine("sfbot-b")
    crash_once(monkeypatch, a.client, "chat_postMessage")  # cut off before its post
    clock.set(NINE + timedelta(seconds=3))
    with pytest.raises(Crash):
        a.tick()
    assert store.runs(digest.id)[0].state == CLAIMED

    assert a.hand_back_claims() == 1
    assert a.tick() == []  # a stopping process claims nothing more
    (outcome,) = b.tick()  # the clock has not moved: no lease to wait out
    assert outcome.state == POSTED
    assert len(slack.calls_to("conversations.history")) == 1  # looked before posting
    assert len(slack.messages(CHANNEL)) == 1
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.claimed_by == "sfbot-b"


def test_a_post_under_way_is_kept_and_finished_by_its_process(
    monkeypatch: pytest.MonkeyPatch,
    slack: FakeSlack,
    clock: FakeClock,
    store: DigestStore,
    digest,
    make_engine: EngineFactory,
) -> None:
    a, b = make_engine("sfbot-a"), make_engine("sfbot-b")
    entered, gate = threading.Event(), threading.Event()
    post = a.client.chat_postMessage

    def slow_post(**kwargs: Any) -> Any:
        entered.set()
        assert gate.wait(30)
        return post(**kwargs)

    monkeypatch.setattr(a.client, "chat_postMessage", slow_post)
    clock.set(NINE + timedelta(seconds=3))
    outcomes: list[Any] = []
    ticking = threading.Thread(target=lambda: outcomes.extend(a.tick()))
    ticking.start()
    assert entered.wait(30)

    assert a.hand_back_claims() == 0  # being posted: not handed back
    assert b.tick() == []  # the claim is a's, and fresh
    gate.set()
    ticking.join(30)
    assert [o.state for o in outcomes] == [POSTED]
    assert len(slack.messages(CHANNEL)) == 1
    (run,) = store.runs(digest.id)
    assert run.state == POSTED and run.claimed_by == "sfbot-a"


def test_release_keeps_other_holders_and_finished_runs(
    store: DigestStore, digest, clock: FakeClock, engine: DigestEngine
) -> None:
    clock.set(NINE + timedelta(seconds=3))
    assert engine.tick()  # posted: finished
    assert store.release("sfbot-a", keep=set()) == 0
    assert store.release("someone-else", keep=set()) == 0
