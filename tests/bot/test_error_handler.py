"""bot.app's error handler replies only to verified requests, and only at Slack's hosts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot.app import make_error_handler
from bot.config import Settings
from bot.slack_urls import is_slack_response_url, slack_reply_hosts
from tests.fakes.sink import OutboundSink
from tests.fakes.slack.driver import sign

SECRET = "unit-signing-secret"


@pytest.fixture
def sink() -> Iterator[OutboundSink]:
    s = OutboundSink().start()
    yield s
    s.stop()


def settings_for(api_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN="xoxb-unit",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
    )


def request(response_url: str, *, signed: bool, mode: str = "http") -> BoltRequest:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "response_url": response_url}
    raw = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if signed:
        headers |= {
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sign(SECRET, ts, raw.encode()),
        }
    else:
        headers |= {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=0"}
    if mode == "socket_mode":
        return BoltRequest(body=payload, mode="socket_mode")
    return BoltRequest(body=raw, headers=headers)


def run_handler(api_url: str, req: BoltRequest) -> None:
    make_error_handler(settings_for(api_url))(RuntimeError("boom"), req, req.body)


def test_signed_request_at_the_slack_host_is_told(sink):
    # The configured Slack API base is the sink's host: it counts as Slack (positive control).
    run_handler(sink.url("/api/"), request(sink.url("/response/1"), signed=True))
    [post] = sink.posts()
    assert post["path"] == "/response/1"
    assert b"Something went wrong" in post["body"]


def test_socket_mode_request_at_the_slack_host_is_told(sink):
    run_handler(
        sink.url("/api/"), request(sink.url("/response/2"), signed=False, mode="socket_mode")
    )
    assert [p["path"] for p in sink.posts()] == ["/response/2"]


def test_unverified_request_is_never_acted_on(sink):
    run_handler(sink.url("/api/"), request(sink.url("/response/3"), signed=False))
    assert sink.posts() == []


@pytest.mark.parametrize("mode", ["http", "socket_mode"])
def test_response_url_outside_slack_is_never_posted_to(sink, mode):
    run_handler("https://slack.com/api/", request(sink.url("/evil"), signed=True, mode=mode))
    assert sink.posts() == []


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.slack.com/commands/T1/1/abc", True),
        ("https://hooks.slack.com/actions/T1/1/abc", True),
        ("https://hooks.slack.com:443/actions/T1/1/abc", True),
        ("https://HOOKS.SLACK.COM/actions/T1/1/abc", True),
        ("https://slack.com/api/chat.postMessage", True),
        ("http://hooks.slack.com/actions/T1/1/abc", False),
        ("https://hooks.slack.com.evil.example/actions", False),
        ("https://hooks.slack.com@evil.example/actions", False),
        ("https://evil.example/?https://hooks.slack.com/", False),
        ("https://hooks.slack.com:8443/actions", False),
        ("//hooks.slack.com/actions", False),
        ("hooks.slack.com/actions", False),
        ("", False),
        (None, False),
        (["https://hooks.slack.com/actions"], False),
        ("http://[::1/", False),
    ],
)
def test_only_slack_hosts_are_reply_targets(url, ok):
    assert is_slack_response_url(url, slack_reply_hosts("https://slack.com/api/")) is ok
