"""Two sfbot engines (each with its own connection pool and process id, as two replicas) poll the
same org on one PostgreSQL database at the same time: every hot lead is converted exactly once,
and an idle interval costs one query per object however many replicas poll."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from actions.config import ActionsSettings
from actions.flows.engine import FlowEngine
from actions.flows.record_poller import record_poller
from tests.actions import queries_sent
from tests.fakes.salesforce import SalesforceEmulator
from tests.flows.conftest import Clock
from tests.flows.test_record_triggers import HOT_LEADS, lead

pytestmark = pytest.mark.postgres
LEADS = 20


@pytest.fixture
def settings(postgres_url: str, settings: ActionsSettings) -> ActionsSettings:
    return settings.model_copy(update={"database_url": postgres_url})


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


def test_two_replicas_convert_each_hot_lead_once(
    apply, make_engine: Callable[..., FlowEngine], make_ctx, emu: SalesforceEmulator, clock
) -> None:
    assert apply(HOT_LEADS) == []
    engines = [make_engine(), make_engine(make_ctx())]
    pollers = [record_poller(e) for e in engines]
    hot = [lead(emu, 90 + i % 10, f"Hot{i}") for i in range(LEADS)]
    emu.reset_counters()
    start = clock()
    for round_ in range(4):
        now = start + timedelta(seconds=61 * (round_ + 1))
        barrier = threading.Barrier(len(pollers))

        def poll(i: int, now: datetime = now, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            pollers[i].tick(now)

        threads = [threading.Thread(target=poll, args=(i,)) for i in range(len(pollers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for engine in engines:
            assert engine.wait_idle(120)
    assert all(emu.get(h)["IsConverted"] for h in hot)
    runs = engines[0].runs("auto-convert-hot-leads", limit=100)
    assert len(runs) == LEADS
    assert len({r["trigger_key"] for r in runs}) == LEADS
    assert {r["status"] for r in runs} == {"succeeded"}
    soap = [r for r in emu.request_log if "/services/Soap/" in r["path"]]
    assert len(soap) == LEADS  # one convertLead call per lead
    polls = [q for q in queries_sent(emu, "query") if "SystemModstamp >=" in q]
    assert len(polls) == 4  # one replica polls per interval, the other waits on the lease
