"""Two sfbot processes (``tests.flows.worker``) poll the same org on one PostgreSQL database at
the same moments: every hot lead is converted exactly once, and an interval costs one change
query per object however many replicas poll (the other waits on the lease)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.config import ActionsSettings
from tests.actions import queries_sent
from tests.fakes.salesforce import SalesforceEmulator
from tests.flows.conftest import Clock
from tests.flows.test_flows_postgres import Worker, workers  # noqa: F401 (fixture)
from tests.flows.test_record_triggers import HOT_LEADS, lead

pytestmark = pytest.mark.postgres
LEADS = 20


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def settings(database_url: str, settings: ActionsSettings) -> ActionsSettings:
    return settings.model_copy(update={"database_url": database_url})


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))  # the emulator stamps records with the real clock


def test_two_processes_convert_each_hot_lead_once(
    apply,
    emu: SalesforceEmulator,
    workers: list[Worker],  # noqa: F811
) -> None:
    assert apply(HOT_LEADS) == []
    hot = [lead(emu, 90 + i % 10, f"Hot{i}") for i in range(LEADS)]
    emu.reset_counters()
    started = 0
    for round_ in range(1, 5):
        for w in workers:  # both replicas poll at the same moment
            w.send(f"poll {61 * round_}")
        started += sum(int(w.answer().split()[1]) for w in workers)
    for w in workers:
        w.send("wait")
        while w.answer() != "idle":
            pass
    assert started == LEADS
    assert all(emu.get(h)["IsConverted"] for h in hot)
    soap = [r for r in emu.request_log if "/services/Soap/" in r["path"]]
    assert len(soap) == LEADS  # one convertLead per lead
    polls = [q for q in queries_sent(emu, "query") if "SystemModstamp >=" in q]
    assert len(polls) == 4
