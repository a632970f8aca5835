"""SIGTERM in Socket Mode (issue 13, "Restarts and health"): the socket is closed first, so Slack
sends new envelopes to the other connections; the submission under way finishes and its answer
reaches the user; the process exits 0 and says it stopped cleanly."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import ADMIN, SfbotApp, new_app
from tests.e2e.socket_fixtures import enable, read_log, start_socket_mode, stop
from tests.e2e.test_socket_mode import create_account, lookup_after_insert
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.slack.driver_socket import SocketModeDriver


@pytest.fixture
def sm_app(tmp_path, sf: SalesforceEmulator, slack: FakeSlack) -> Iterator[SfbotApp]:
    enable(slack)
    app = new_app(tmp_path, sf, slack)
    app.env["SFBOT_ADMINS"] = ADMIN
    app.connect()
    yield app


def wait_closed(slack: FakeSlack, socket_number: int, timeout: float = 10.0) -> float:
    """Seconds until the socket ``socket_number`` is no longer open."""
    started = time.monotonic()
    server = slack.socket_mode
    assert server is not None
    while any(s.number == socket_number for s in server.open_sockets()):
        assert time.monotonic() - started < timeout, "the socket stayed open"
        time.sleep(0.05)
    return time.monotonic() - started


def test_sigterm_closes_the_socket_first_and_finishes_the_submission(sm_app, sf, slack):
    server = slack.socket_mode
    assert server is not None
    stopping = start_socket_mode(sm_app, "stopping.log")
    other = None
    try:
        (first,) = [s.number for s in server.open_sockets()]
        driver = SocketModeDriver(slack)
        warm = create_account(driver, slack, "Warm Socket Inc")  # the describes are cached now
        assert warm.status_code == 200 and warm.ack_in_time
        sf.hang_next("sobjects/Account", 5.0)  # the write is under way when SIGTERM comes
        n = len(slack.calls)
        r = create_account(driver, slack, "Stopping Socket Inc")
        assert r.status_code == 200 and r.ack_in_time
        stopping.send_signal(signal.SIGTERM)
        assert wait_closed(slack, first) < 2.0  # closed while the write still hangs
        assert stopping.poll() is None  # ... and the process is still finishing it

        other = start_socket_mode(sm_app, "other.log")  # the replica that carries on
        assert "Carry" in json.dumps(lookup_after_insert(driver, slack, sf, "carry"))
        assert stopping.wait(timeout=60) == 0
        done = slack.wait_for(
            "views.update",
            lambda c: "Created the account" in json.dumps(c["args"].get("view")),
            after=n,
            timeout=10,
        )
        assert done["args"]["view_id"] == r.envelope.payload["view"]["id"]  # type: ignore[attr-defined]
        names = [a["Name"] for a in sf.records("Account")]
        assert names.count("Stopping Socket Inc") == 1
        log = read_log(sm_app, "stopping.log")
        assert "SIGTERM received" in log and "sfbot stopped cleanly" in log, log
        acks = [a.connection for a in server.acks]
        assert acks[-1] != first  # the lookup after the stop went to the other process
    finally:
        stop(stopping)
        if other is not None:
            stop(other)
    slack.assert_no_invalid_calls()
