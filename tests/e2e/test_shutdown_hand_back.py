"""SIGTERM with flow runs waiting in the queue (issue 13, "Restarts and health"): the stopping
replica hands back the runs it claimed and never began, and the other replica runs them at its
next tick, not once the 10-minute lease has run out. The run whose step was under way at the
deadline is left for the lease: never repeated blindly."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.flows_fixtures import INBOUND_CHANNEL as INBOUND
from tests.e2e.flows_fixtures import runs, two_replicas, wait_until
from tests.e2e.harness import AGENT, SfbotApp

pytestmark = pytest.mark.postgres
TICK = 15.0  # FlowScheduler.tick_seconds: when the other replica looks for runs to recover


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str):
    stopping_env = {"SFBOT_FLOW_WORKERS": "1", "SFBOT_SHUTDOWN_SECONDS": "2"}
    with two_replicas(tmp_path, postgres_url, stopping_env) as running:
        yield running


def deliver(app: SfbotApp, slack, n: int, email: str) -> None:
    msg = slack.user_posts(INBOUND, AGENT, email)  # not subscribed: sent to `app` by hand
    event = {**msg, "channel": INBOUND, "channel_type": "channel", "event_ts": msg["ts"]}
    assert app.driver().event(event, event_id=f"EvHANDBACK{n:03d}").status_code == 200


def leads_with(sf, email: str) -> list[dict]:
    return [r for r in sf.records("Lead") if r.get("Email") == email]


def test_queued_runs_are_handed_back_and_run_by_the_other_replica(replicas):
    sf, slack, stopping, other = replicas
    sf.hang_next("search", 30.0)  # the first run's lookup is under way at the deadline
    before = len(sf.request_log)
    emails = {f"slack:EvHANDBACK{n:03d}": f"handback{n}@acme.test" for n in range(3)}
    for n, email in enumerate(emails.values()):
        deliver(stopping, slack, n, email)
    wait_until(lambda: len(runs(stopping, "inbound-leads")) == 3, what="three runs claimed")
    wait_until(
        lambda: any("search" in r["path"] for r in sf.request_log[before:]),
        what="the first run's lookup sent (and hanging)",
    )
    assert stopping.process is not None
    stopping.process.send_signal(signal.SIGTERM)
    assert stopping.process.wait(timeout=60) == 0
    log = stopping.log()
    assert "handed back 2 queued flow runs" in log and "sfbot stopped at the deadline" in log

    # Which run the single worker took first is the listeners' order: any of the three.
    def succeeded() -> list[dict]:
        return [r for r in runs(other, "inbound-leads") if r["status"] == "succeeded"]

    # at the other replica's next tick, not after the lease
    done = wait_until(lambda: len(succeeded()) == 2 and succeeded(), timeout=TICK + 30)
    done_keys = {r["trigger_key"] for r in done}
    (cut_off,) = [r for r in runs(other, "inbound-leads") if r["trigger_key"] not in done_keys]
    assert cut_off["status"] == "running"  # ended by the lease's recovery, not run again
    assert leads_with(sf, emails[cut_off["trigger_key"]]) == []
    assert all(len(leads_with(sf, emails[r["trigger_key"]])) == 1 for r in done)
