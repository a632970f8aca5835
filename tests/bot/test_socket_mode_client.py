"""bot.socket_mode: a refresh's ``warning`` is only logged; ``refresh_requested`` and other
messages go to slack_sdk's client as before (the end-to-end tests: tests/e2e/test_socket_mode.py)."""

from __future__ import annotations

import json
import socket

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.socket_mode import SfbotSocketModeClient, disconnect_reason, peer_closed


def disconnect(reason: str) -> str:
    return json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "h"}})


def test_disconnect_reason():
    assert disconnect_reason(disconnect("warning")) == "warning"
    assert disconnect_reason(disconnect("refresh_requested")) == "refresh_requested"
    assert disconnect_reason(json.dumps({"type": "hello", "x": "disconnect"})) is None
    assert disconnect_reason('{"envelope_id": "1", "payload": {"text": "disconnect"}}') is None
    assert disconnect_reason('"disconnect" not json') is None


@pytest.fixture
def queued(monkeypatch) -> list[str]:
    """What reaches slack_sdk's client (which reconnects on every disconnect it is given)."""
    seen: list[str] = []
    monkeypatch.setattr(SocketModeClient, "enqueue_message", lambda _self, m: seen.append(m))
    return seen


def test_a_warning_is_logged_not_acted_on(queued, caplog):
    caplog.set_level("INFO", logger="bot.socket_mode")
    client = SfbotSocketModeClient(app_token="xapp-1-unit", web_client=WebClient(token="x"))
    try:
        client.enqueue_message(disconnect("warning"))
        client.enqueue_message(disconnect("refresh_requested"))
        hello = json.dumps({"type": "hello", "num_connections": 1})
        client.enqueue_message(hello)
    finally:
        client.close()
    assert queued == [disconnect("refresh_requested"), hello]
    assert "disconnect warning" in caplog.text
    assert "Slack asked for a new Socket Mode connection (refresh_requested)" in caplog.text


def test_peer_closed_sees_the_end_of_the_stream_not_unread_data():
    a, b = socket.socketpair()
    with a, b:
        assert not peer_closed(a)
        b.sendall(b"x")
        assert not peer_closed(a)  # data waiting, and it is still there afterwards
        b.close()
        assert not peer_closed(a)
        assert a.recv(1) == b"x"
        assert peer_closed(a)
