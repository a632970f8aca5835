"""Two sfbot processes on one PostgreSQL database behind one Request URL: Slack's delivery
reaches one and its retry (same event_id) the other, at the same time; the flow runs once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.flows_fixtures import INBOUND_CHANNEL as INBOUND
from tests.e2e.flows_fixtures import two_replicas, wait_until
from tests.e2e.harness import AGENT

pytestmark = pytest.mark.postgres


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str):
    with two_replicas(tmp_path, postgres_url) as running:
        yield running


def test_a_delivery_and_its_retry_on_two_replicas_run_once(replicas):
    sf, slack, first, second = replicas
    for n in range(5):
        email = f"twice{n}@acme.test"
        msg = slack.user_posts(INBOUND, AGENT, email)  # not subscribed: sent by hand below
        event = {**msg, "channel": INBOUND, "channel_type": "channel", "event_ts": msg["ts"]}
        event_id = f"EvREPLICA{n:04d}"
        with ThreadPoolExecutor(2) as pool:
            delivery = pool.submit(first.driver().event, event, event_id=event_id)
            retry = pool.submit(second.driver().event, event, event_id=event_id, retry_num=1)
            answers = [delivery.result(), retry.result()]
        assert [a.status_code for a in answers] == [200, 200]
        wait_until(lambda e=email: [r for r in sf.records("Lead") if r.get("Email") == e])
    result = first.cli("flow", "runs", "inbound-leads", "--json")
    keys = [r["trigger_key"] for r in json.loads(result.stdout)["runs"]]
    assert sorted(keys) == sorted(f"slack:EvREPLICA{n:04d}" for n in range(5))
    emails = [r.get("Email") for r in sf.records("Lead")]
    assert all(emails.count(f"twice{n}@acme.test") == 1 for n in range(5))
