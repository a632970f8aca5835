"""`/healthz`, `/readyz` and a clean stop on SIGTERM (issue 13, "Restarts and health"), against
`sfbot run --http` as a subprocess."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.harness import AGENT, SfbotApp, new_app
from tests.e2e.test_create_update import NAME, create_values, ids_of, open_create, unique


@pytest.fixture
def fresh(tmp_path, sf, slack) -> Iterator[SfbotApp]:
    """An sfbot of its own (these tests stop it)."""
    app = new_app(tmp_path, sf, slack)
    yield app
    app.stop()


def test_healthz_and_readyz_when_connected(sfbot):
    health = requests.get(f"{sfbot.url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["ok"] is True
    ready = requests.get(f"{sfbot.url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] is True and body["reasons"] == []
    assert body["checks"]["database"] == "ok"
    migrations = body["checks"]["migrations"]
    assert migrations["current"] == migrations["head"] is not None
    assert body["checks"]["salesforce"] == {"connected": True, "reason": None}
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_with_the_reason_before_salesforce_is_connected(fresh):
    fresh.start()  # never connected
    assert requests.get(f"{fresh.url}/healthz", timeout=10).status_code == 200
    ready = requests.get(f"{fresh.url}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["salesforce_never_connected"]


def test_readyz_does_not_call_salesforce(sfbot, sf):
    before = len(sf.request_log)
    for _ in range(3):
        assert requests.get(f"{sfbot.url}/readyz", timeout=10).status_code == 200
    assert len(sf.request_log) == before


def stop_with_sigterm(app: SfbotApp) -> int:
    assert app.process is not None
    app.process.send_signal(signal.SIGTERM)
    return app.process.wait(timeout=90)


def test_sigterm_with_nothing_under_way_exits_0(fresh):
    fresh.connect()
    fresh.start()
    assert stop_with_sigterm(fresh) == 0
    log = fresh.log()
    assert "SIGTERM received" in log and "sfbot stopped cleanly" in log, log
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{fresh.url}/healthz", timeout=5)


def test_sigterm_finishes_a_slow_submission_then_exits_0(fresh, sf, slack):
    fresh.connect()
    fresh.start()
    driver = fresh.driver()
    view = open_create(driver, slack, "create account")
    before = ids_of(sf, "Account")
    n = len(slack.calls)
    sf.hang_next("sobjects/Account", 4.0)  # past the modal's wait: answered "Creating..."
    name = unique("Draining Ltd ")
    r = driver.view_submission(view, create_values("account", **{NAME: name}), user_id=AGENT)
    assert r.ack_in_time and "Creating" in json.dumps(r.json()["view"])
    assert stop_with_sigterm(fresh) == 0
    done = slack.wait_for(
        "views.update", lambda c: c["args"].get("view_id") == view["id"], after=n, timeout=5
    )
    assert "Created the account" in json.dumps(done["args"]["view"])
    assert len(ids_of(sf, "Account") - before) == 1
    assert "sfbot stopped cleanly" in fresh.log()


def test_sigterm_past_the_deadline_still_exits_0_and_says_so(fresh, sf, slack):
    fresh.connect()
    fresh.start(extra_env={"SFBOT_SHUTDOWN_SECONDS": "1"})
    driver = fresh.driver()
    view = open_create(driver, slack, "create account")
    sf.hang_next("sobjects/Account", 8.0)
    r = driver.view_submission(
        view, create_values("account", **{NAME: unique("Cut Off Ltd ")}), user_id=AGENT
    )
    assert r.ack_in_time
    assert stop_with_sigterm(fresh) == 0
    log = fresh.log()
    assert "shutdown deadline (1.0s) reached" in log and "sfbot stopped at the deadline" in log


def test_while_draining_readyz_is_503_and_new_connections_are_refused(fresh, sf, slack):
    """A connection the load balancer already holds (keep-alive) sees ``shutting_down``; a new
    one is refused, so nginx passes it to another replica."""
    fresh.connect()
    fresh.start()
    kept = requests.Session()
    assert kept.get(f"{fresh.url}/readyz", timeout=10).status_code == 200
    driver = fresh.driver()
    view = open_create(driver, slack, "create account")
    sf.hang_next("sobjects/Account", 5.0)  # keeps the process draining for a while
    r = driver.view_submission(
        view, create_values("account", **{NAME: unique("Drain Check ")}), user_id=AGENT
    )
    assert r.ack_in_time
    assert fresh.process is not None
    fresh.process.send_signal(signal.SIGTERM)
    ready = kept.get(f"{fresh.url}/readyz", timeout=10)
    for _ in range(40):
        if ready.status_code == 503:
            break
        time.sleep(0.1)
        ready = kept.get(f"{fresh.url}/readyz", timeout=10)
    assert ready.status_code == 503, ready.text
    assert ready.json()["reasons"] == ["shutting_down"]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{fresh.url}/healthz", timeout=5)
    assert fresh.process.wait(timeout=90) == 0
    assert "sfbot stopped cleanly" in fresh.log()
