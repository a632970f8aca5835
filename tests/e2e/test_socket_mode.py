"""`sfbot run` in Socket Mode, as Slack speaks it: the fake's Socket Mode server
(tests/fakes/slack/socket_mode.py) sends hello, envelopes, disconnects, cuts sockets and
re-sends unacked events; sfbot acks on the socket, reconnects by itself and runs each
envelope once. The same scenarios as the HTTP end-to-end tests: a lookup, the create modal,
a flow started by a message, a digest; then refreshes, dropped sockets and two processes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.flows_fixtures import EXAMPLES, apply_files, runs, wait_runs_done
from tests.e2e.harness import (
    ADMIN,
    AGENT,
    CHANNEL,
    SfbotApp,
    new_app,
    start_emulator,
    start_fake_slack,
)
from tests.e2e.socket_fixtures import enable, read_log, start_socket_mode, stop
from tests.e2e.test_digest_admin import add as add_digest
from tests.e2e.test_digest_admin import click_row, reply_to, show_list
from tests.e2e.test_digest_admin import values as digest_values
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack
from tests.fakes.slack.driver_socket import SocketModeDriver

INBOUND = "C0INBOUND1"
# Slack re-sends an unacked event at once, after 1 minute, after 5 minutes; shorter here, but
# the second retry comes after sfbot would have noticed a silent socket by its pings (12-15 s)
RETRIES = (0.5, 25.0, 30.0)


@pytest.fixture(scope="module")
def sm_sf() -> Iterator[SalesforceEmulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def sm_slack() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.add_channel(INBOUND, "inbound")
    enable(fake)
    fake.socket_mode.subscribe_events(retry_delays=RETRIES)  # type: ignore[union-attr]
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def sm_app(
    tmp_path_factory: pytest.TempPathFactory, sm_sf: SalesforceEmulator, sm_slack: FakeSlack
) -> Iterator[SfbotApp]:
    app = new_app(tmp_path_factory.mktemp("socket"), sm_sf, sm_slack)
    app.env["SFBOT_ADMINS"] = ADMIN
    app.connect()
    apply_files(app, EXAMPLES / "inbound-leads.yml")
    app.process = start_socket_mode(app)  # type: ignore[assignment]
    yield app
    stop(app.process)  # type: ignore[arg-type]


@pytest.fixture
def driver(sm_app: SfbotApp, sm_slack: FakeSlack) -> SocketModeDriver:
    sm_app.sf.delay = 0.0
    return SocketModeDriver(sm_slack)


def lookup(driver: SocketModeDriver, slack: FakeSlack, text: str) -> dict:
    r = driver.slash_command("/sf", f"lookup {text}", user_id=AGENT, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time, r.status_code
    url = r.payload["response_url"]  # type: ignore[attr-defined]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=20)["body"]


def create_account(driver: SocketModeDriver, slack: FakeSlack, name: str):
    """`/sf create account`, the modal filled in, submitted: the submission's answer."""
    n = len(slack.calls)
    r = driver.slash_command("/sf", "create account", user_id=AGENT, channel_id=CHANNEL)
    assert r.ack_in_time
    opened = slack.wait_for("views.open", lambda c: c["response"].get("ok"), after=n)
    vid = opened["response"]["view"]["id"]
    slack.wait_for(
        "views.update",
        lambda c: (
            c["args"].get("view_id") == vid
            and any(b.get("block_id") == "sf_name" for b in c["args"]["view"]["blocks"])
        ),
        after=n,
        timeout=20,
    )
    state = {"sf_object": {"sf_object_picker": "account"}, "sf_name": {"sf_field_input": name}}
    return driver.view_submission(slack.views[vid], state, user_id=AGENT)


def leads_with(sf: SalesforceEmulator, email: str) -> list[dict]:
    return [r for r in sf.records("Lead") if r.get("Email") == email]


# ------------------------------------------------------------------ the scenarios
def test_hello_then_a_lookup_is_acked_on_the_socket_and_answered(driver, sm_slack, sm_sf):
    server = sm_slack.socket_mode
    assert server.open_sockets()
    assert sm_slack.calls_to("apps.connections.open")[-1]["token"].startswith("xapp-")
    sm_sf.insert("Contact", {"FirstName": "Ada", "LastName": "Socket", "Email": "ada@sock.test"})
    body = lookup(driver, sm_slack, "ada@sock.test")
    assert "Socket" in json.dumps(body)
    (env,) = driver.envelopes
    assert env.type == "slash_commands" and env.accepts_response_payload
    assert len(server.acks_of(env.envelope_id)) == 1
    sm_slack.assert_no_invalid_calls()


def test_the_create_modal_is_opened_and_submitted_over_the_socket(driver, sm_slack, sm_sf):
    r = create_account(driver, sm_slack, "Sock Inc")
    assert r.status_code == 200 and r.ack_in_time
    env = r.envelope  # type: ignore[attr-defined]
    assert env.type == "interactive" and env.accepts_response_payload
    assert [a["Name"] for a in sm_sf.records("Account")].count("Sock Inc") == 1
    # Slack sending the same submission again (its ack lost): no second record
    again = driver.resend(env)
    assert again.status_code == 200
    assert [a["Name"] for a in sm_sf.records("Account")].count("Sock Inc") == 1
    sm_slack.assert_no_invalid_calls()


def test_a_message_starts_its_flow_once(sm_app, sm_slack, sm_sf):
    before = len(runs(sm_app, "inbound-leads"))
    sm_slack.user_posts(INBOUND, AGENT, "please add ida@sock.test")
    wait_runs_done(sm_app, "inbound-leads", before + 1)
    sm_slack.events.wait_idle()
    assert len(leads_with(sm_sf, "ida@sock.test")) == 1
    assert not [d for d in sm_slack.events.deliveries if d.retry_num]
    sm_slack.assert_no_invalid_calls()


def test_a_digest_added_in_the_modal_is_posted(driver, sm_app, sm_slack, sm_sf):
    sm_sf.insert("Case", {"Subject": "Socket digest case", "Status": "New"})
    state = digest_values("Socket digest", "open_cases")
    digest_id = add_digest(driver, sm_slack, sm_app, state, "open_cases")
    _body, message = show_list(driver, sm_slack)
    n = len(sm_slack.calls)
    reply = reply_to(sm_slack, click_row(driver, sm_slack, "sf_digest_run_now", digest_id, message))
    assert "Sent you a preview" in reply["text"]
    post = sm_slack.wait_for("chat.postMessage", lambda c: c["args"]["channel"] == ADMIN, after=n)
    assert post["args"]["text"].startswith("Preview: ")
    sm_slack.assert_no_invalid_calls()


# ------------------------------------------------- refreshes, drops, two processes
def test_a_refresh_loses_nothing_and_sfbot_says_it_reconnected(driver, sm_app, sm_slack, sm_sf):
    server = sm_slack.socket_mode
    opened = len(server.opened)
    server.refresh()
    server.wait_connections(1, opened=opened + 1)
    assert "Sock Two" in json.dumps(lookup_after_insert(driver, sm_slack, sm_sf, "two"))
    before = len(runs(sm_app, "inbound-leads"))
    sm_slack.user_posts(INBOUND, AGENT, "after a refresh: kay@sock.test")
    wait_runs_done(sm_app, "inbound-leads", before + 1)
    assert len(leads_with(sm_sf, "kay@sock.test")) == 1
    log = read_log(sm_app)
    assert RECONNECTED in log, log[-3000:]
    sm_slack.assert_no_invalid_calls()


def test_an_event_lost_with_its_socket_is_sent_again_and_runs_once(sm_app, sm_slack, sm_sf):
    server, events = sm_slack.socket_mode, sm_slack.events
    opened, before = len(server.opened), len(runs(sm_app, "inbound-leads"))
    server.lose_next_envelopes(1)
    msg = sm_slack.user_posts(INBOUND, AGENT, "lost on the way: lou@sock.test")
    wait_runs_done(sm_app, "inbound-leads", before + 1, timeout=60)
    events.wait_idle(timeout=60)
    event_id = next(e["event_id"] for e in events.events if e["event"].get("ts") == msg["ts"])
    assert_resent_until_acked(events, event_id)
    assert len(leads_with(sm_sf, "lou@sock.test")) == 1
    assert len(server.opened) > opened  # sfbot opened a new socket by itself
    sm_slack.assert_no_invalid_calls()


def test_an_ack_lost_with_its_socket_runs_nothing_twice(sm_app, sm_slack, sm_sf):
    server, events = sm_slack.socket_mode, sm_slack.events
    opened, before = len(server.opened), len(runs(sm_app, "inbound-leads"))
    server.lose_next_acks(1)
    msg = sm_slack.user_posts(INBOUND, AGENT, "ack lost: max@sock.test")
    events.wait_idle(timeout=60)
    event_id = next(e["event_id"] for e in events.events if e["event"].get("ts") == msg["ts"])
    assert_resent_until_acked(events, event_id)
    wait_runs_done(sm_app, "inbound-leads", before + 1, timeout=60)
    assert len(runs(sm_app, "inbound-leads")) == before + 1
    assert len(leads_with(sm_sf, "max@sock.test")) == 1
    assert len(server.opened) > opened
    sm_slack.assert_no_invalid_calls()


def test_two_processes_share_the_envelopes_and_run_each_once(driver, sm_app, sm_slack, sm_sf):
    server = sm_slack.socket_mode
    server.wait_connections(1)
    second = start_socket_mode(sm_app, "sfbot-2.log")
    try:
        server.wait_connections(2)
        first_ack = len(server.acks)
        for n in range(4):
            assert f"Sock {n}" in json.dumps(lookup_after_insert(driver, sm_slack, sm_sf, n))
        before = len(runs(sm_app, "inbound-leads"))
        emails = [f"pair{n}@sock.test" for n in range(4)]
        for email in emails:
            sm_slack.user_posts(INBOUND, AGENT, f"two of us: {email}")
        wait_runs_done(sm_app, "inbound-leads", before + 4, timeout=60)
        sm_slack.events.wait_idle(timeout=60)
        assert all(len(leads_with(sm_sf, email)) == 1 for email in emails)
        assert len(runs(sm_app, "inbound-leads")) == before + 4
        acks = server.acks[first_ack:]
        assert len({a.connection for a in acks}) == 2  # both processes got envelopes
        assert len({a.envelope_id for a in acks}) == len(acks)  # each acked once
        # a submission re-sent goes to the other process: still one record
        r = create_account(driver, sm_slack, "Pair Inc")
        assert r.status_code == 200 and r.ack_in_time
        again = driver.resend(r.envelope, other_socket=True)
        assert again.status_code == 200
        assert again.socket_ack.connection != r.socket_ack.connection
        assert [a["Name"] for a in sm_sf.records("Account")].count("Pair Inc") == 1
    finally:
        stop(second)
    sm_slack.assert_no_invalid_calls()


RECONNECTED = "Slack asked for a new Socket Mode connection (refresh_requested); reconnecting"


def assert_resent_until_acked(events, event_id: str) -> None:
    """Not acked at first, then re-sent with retry_attempt 1, 2... until one ack."""
    attempts = [(d.retry_num, d.status) for d in events.attempts(event_id)]
    assert attempts[0] == (0, None), attempts
    assert [n for n, _ in attempts] == list(range(len(attempts))), attempts
    assert [status for _, status in attempts].count(200) == 1 == (attempts[-1][1] == 200), attempts


def lookup_after_insert(driver, slack, sf, tag: object) -> dict:
    email = f"sock.{tag}@sock.test"
    sf.insert("Contact", {"FirstName": "Sock", "LastName": f"Sock {tag}".title(), "Email": email})
    return lookup(driver, slack, email)
