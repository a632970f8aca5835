"""bot.logs: JSON lines, the request id, and redaction of every secret shape."""

from __future__ import annotations

import io
import json
import logging

import pytest

from actions.log_context import REQUEST_ID, redact, register_secret, safe_request_id
from actions.pools import TrackedPool
from bot.logs import JsonFormatter, RequestIdFilter, configure_logging


@pytest.fixture
def json_log() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("sfbot.test_logs")
    log.handlers = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log, stream


def entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_request_id_into_a_pool(json_log):
    log, stream = json_log
    pool = TrackedPool("logs-test", 1)
    token = REQUEST_ID.set("req-123")
    try:
        log.info("in the request")
        pool.submit(log.info, "in the pool").result(timeout=30)
    finally:
        REQUEST_ID.reset(token)
        pool.shutdown()
    log.info("outside")
    got = entries(stream)
    assert [e["request_id"] for e in got] == ["req-123", "req-123", None]
    assert got[1]["thread"].startswith("sfbot-logs-test")


def test_exceptions_are_one_line_and_redacted(json_log):
    log, stream = json_log
    try:
        raise ValueError("refused access_token=00D000000000001!AQ4AQFakeTokenValue1234")
    except ValueError:
        log.exception("failed")
    (entry,) = entries(stream)
    assert "ValueError" in entry["exc"] and "AQ4AQFake" not in entry["exc"]
    assert len(stream.getvalue().splitlines()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer 00D5g000004ABCD!AQ0AQ.some-access-token_value",
        "headers: {'Authorization': 'Bearer xoxb-123-456-abcdefABCDEF'}",
        "xapp-1-A0123-456-abcdef0123",
        "grant_type=refresh_token&refresh_token=5Aep861abcdefghijklmnopqrstuv&client_id=x",
        'body: {"access_token": "opaque-access-token-value", "instance_url": "https://x"}',
        "client_secret=s3cr3t-value-here&client_id=abc",
        "<sessionId>00D5g000004ABCD!AQ0AQsomething</sessionId>",
    ],
)
def test_token_shapes_are_redacted(text):
    out = redact(text)
    assert "[REDACTED]" in out
    for secret in (
        "AQ0AQ",
        "abcdefABCDEF",
        "abcdef0123",
        "5Aep861abc",
        "opaque-access",
        "s3cr3t",
    ):
        assert secret not in out


def test_registered_secrets_are_redacted_whatever_their_shape():
    register_secret("plain-looking-signing-secret-value")
    register_secret("short")  # too short to redact safely: ignored
    assert redact("x plain-looking-signing-secret-value y") == "x [REDACTED] y"
    assert redact("a short word") == "a short word"


def test_request_ids_from_outside_are_kept_only_when_plain():
    assert safe_request_id("abc-123.def") == "abc-123.def"
    assert safe_request_id("bad id\nwith newline") != "bad id\nwith newline"
    assert len(safe_request_id(None)) == 16


def test_socket_mode_envelopes_are_never_logged_at_debug(monkeypatch) -> None:
    """slack_sdk logs whole envelopes (modal state, e.g. a typed client secret) at DEBUG."""
    monkeypatch.setenv("SFBOT_LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        configure_logging()
        assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
        client = logging.getLogger("slack_sdk.socket_mode.builtin.client")
        assert not client.isEnabledFor(logging.DEBUG)
        assert client.isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        logging.getLogger("slack_sdk.socket_mode").setLevel(logging.NOTSET)
