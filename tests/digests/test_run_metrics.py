"""``sfbot_digest_runs_total{status}`` (issue 13, "Metrics and logs"): each digest run that ends
is counted once by its status, in whichever process ended it."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from storage.digest_store import MISSED, POSTED
from tests.digests import FakeClock, add_cases
from tests.digests.conftest import START, DigestFactory, EngineFactory
from tests.digests.test_engine import MONDAY, at
from tests.fakes.salesforce import SalesforceEmulator


def runs_total(status: str) -> float:
    return REGISTRY.get_sample_value("sfbot_digest_runs_total", {"status": status}) or 0.0


def test_runs_are_counted_by_status(
    emu: SalesforceEmulator,
    clock: FakeClock,
    make_digest: DigestFactory,
    make_engine: EngineFactory,
) -> None:
    add_cases(emu, 2, opened=START - timedelta(days=5))
    make_digest()
    a, b = make_engine("sfbot-a"), make_engine("sfbot-b")
    before = {s: runs_total(s) for s in (POSTED, MISSED)}
    clock.set(at(MONDAY) + timedelta(seconds=3))
    outcomes = a.tick() + b.tick()  # one posts, the other finds it claimed
    assert [o.state for o in outcomes] == [POSTED]
    clock.set(at(MONDAY + timedelta(days=3)))  # down for two scheduled times beyond the grace
    clock.advance(seconds=3)
    states = sorted(o.state for o in a.tick())
    assert states == [MISSED, MISSED, POSTED]
    assert runs_total(POSTED) - before[POSTED] == 2
    assert runs_total(MISSED) - before[MISSED] == 2
