"""The fake Slack's Socket Mode server speaks the protocol as Slack documents it
(tests/fakes/slack/socket_mode.py cites it), checked with a plain WebSocket client."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.fakes.slack import FakeSlack
from tests.fakes.slack.driver_socket import SocketModeDriver

APP_TOKEN = "xapp-1-A0FAKEAPP-1-unit"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fs = FakeSlack(bot_token="xoxb-unit").start()
    fs.add_user("U1", "una")
    fs.add_channel("C1", "general")
    fs.enable_socket_mode(APP_TOKEN)
    yield fs
    fs.stop()


def api(fs: FakeSlack, method: str, token: str) -> dict:
    r = requests.post(fs.api_url + method, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return dict(r.json())


@pytest.fixture
def sockets() -> Iterator[contextlib.ExitStack]:
    with contextlib.ExitStack() as stack:
        yield stack


def open_socket(fs: FakeSlack, stack: contextlib.ExitStack) -> tuple[ClientConnection, dict]:
    url = api(fs, "apps.connections.open", APP_TOKEN)["url"]
    ws = stack.enter_context(connect(url, open_timeout=5))
    return ws, json.loads(ws.recv(timeout=5))


def test_connections_open_takes_only_the_app_level_token(fake):
    assert api(fake, "apps.connections.open", "xoxb-unit")["error"] == "not_allowed_token_type"
    assert api(fake, "apps.connections.open", "xapp-1-other")["error"] == "invalid_auth"
    assert api(fake, "chat.postMessage", APP_TOKEN)["error"] == "not_allowed_token_type"
    url = api(fake, "apps.connections.open", APP_TOKEN)["url"]
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url and "app_id=" in url


def test_an_app_token_without_connections_write_is_refused(fake):
    fake.enable_socket_mode(APP_TOKEN, scopes=["authorizations:read"])
    body = api(fake, "apps.connections.open", APP_TOKEN)
    assert (body["error"], body["needed"]) == ("missing_scope", "connections:write")


def test_hello_counts_the_connections_and_a_ticket_opens_one_socket(fake, sockets):
    url = api(fake, "apps.connections.open", APP_TOKEN)["url"]
    with connect(url, open_timeout=5) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert {"host", "build_number", "approximate_connection_time"} <= set(hello["debug_info"])
        with pytest.raises(InvalidStatus), connect(url, open_timeout=5):
            pass  # the same ticket again
        _second, hello2 = open_socket(fake, sockets)
        assert hello2["num_connections"] == 2


def test_each_envelope_goes_to_one_socket_and_is_acked_with_its_payload(fake, sockets):
    opened = [open_socket(fake, sockets)[0] for _ in range(2)]
    got: list[tuple[int, dict]] = []

    def serve(n: int, ws: ClientConnection) -> None:
        for raw in ws:
            env = json.loads(raw)
            got.append((n, env))
            ack = {"envelope_id": env["envelope_id"]}
            if env["accepts_response_payload"]:
                ack["payload"] = {"text": "ok"}
            ws.send(json.dumps(ack))

    for n, ws in enumerate(opened):
        threading.Thread(target=serve, args=(n, ws), daemon=True).start()
    driver = SocketModeDriver(fake)
    for _ in range(4):
        r = driver.slash_command("/sf", "help", user_id="U1", channel_id="C1")
        assert r.status_code == 200 and r.ack_in_time and r.json() == {"text": "ok"}
    assert {n for n, _ in got} == {0, 1} and len(got) == 4
    env = got[0][1]
    assert env["type"] == "slash_commands" and env["payload"]["command"] == "/sf"
    assert "retry_attempt" not in env  # only events_api envelopes carry it
    fake.assert_no_invalid_calls()


def test_an_unacked_event_is_sent_again_with_retry_attempt(fake, sockets):
    fake.socket_mode.subscribe_events(retry_delays=(0.0, 0.0, 0.0), timeout=0.5)
    ws, _hello = open_socket(fake, sockets)
    fake.user_posts("C1", "U1", "hello")
    first = json.loads(ws.recv(timeout=5))
    assert first["type"] == "events_api" and first["accepts_response_payload"] is False
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    again = json.loads(ws.recv(timeout=5))  # not acked in time
    assert again["envelope_id"] == first["envelope_id"]
    assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
    assert again["payload"]["event_id"] == first["payload"]["event_id"]
    ws.send(json.dumps({"envelope_id": again["envelope_id"], "payload": {"no": "thanks"}}))
    fake.events.wait_idle(timeout=10)
    assert [d.status for d in fake.events.deliveries] == [None, 200]
    (invalid,) = fake.invalid_calls
    assert "does not accept a response payload" in invalid["invalid"][0]


def test_a_refresh_warns_asks_and_closes_and_acks_count_on_any_socket(fake, sockets):
    ws, _ = open_socket(fake, sockets)
    driver = SocketModeDriver(fake, timeout=5)
    env = fake.socket_mode.new_envelope("interactive", {"type": "block_actions"})
    result: list = []
    threading.Thread(target=lambda: result.append(driver.deliver(env)), daemon=True).start()
    assert json.loads(ws.recv(timeout=5))["envelope_id"] == env.envelope_id
    fake.socket_mode.refresh(grace=0.2)
    reasons = [json.loads(ws.recv(timeout=5))["reason"] for _ in range(2)]
    assert reasons == ["warning", "refresh_requested"]
    new, _ = open_socket(fake, sockets)
    new.send(json.dumps({"envelope_id": env.envelope_id}))  # the ack on the new socket
    with pytest.raises(ConnectionClosed):  # Slack closes the old socket
        ws.recv(timeout=5)
    fake.socket_mode.wait_connections(1)
    assert fake.socket_mode.acks_of(env.envelope_id)[0].in_time
