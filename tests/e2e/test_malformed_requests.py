"""Oversized, unsigned-and-unparseable, and signed-but-malformed bodies (issue 7, item 5):
413 above the cap, 401 without a signature (the body is never parsed), 400 with a log line
for a signed body Slack would never send; never a 5xx, a traceback, a Salesforce call or an
outbound POST."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
import requests

from bot.request_guard import MAX_BODY_BYTES
from tests.e2e.harness import AGENT, SIGNING_SECRET, TEAM_ID
from tests.fakes.slack.driver import sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def post(sfbot, body: bytes, content_type: str, *, signed: bool) -> requests.Response:
    ts = str(int(time.time()))
    headers = {"Content-Type": content_type}
    if signed:
        headers |= {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
        }
    return requests.post(f"{sfbot.url}/slack/events", data=body, headers=headers, timeout=30)


def interactive(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


BLOCK_ACTIONS = {
    "type": "block_actions",
    "user": {"id": AGENT, "team_id": TEAM_ID},
    "team": {"id": TEAM_ID},
    "trigger_id": "1.2.abc",
    "response_url": "https://hooks.slack.com/actions/T/1/x",
    "actions": [{"action_id": "sf_record_delete", "block_id": "b", "value": "00Q000000000001"}],
}
EVENT = {
    "type": "event_callback",
    "team_id": TEAM_ID,
    "event_id": "Ev1",
    "event": {"type": "app_home_opened", "user": AGENT, "tab": "home"},
}

SIGNED_MALFORMED = {
    "bad_json_in_payload": (b"payload=%7B", FORM),
    "payload_null": (interactive(None), FORM),
    "payload_list": (interactive([1]), FORM),
    "actions_as_string": (interactive({**BLOCK_ACTIONS, "actions": "sf_record_delete"}), FORM),
    "action_not_an_object": (interactive({**BLOCK_ACTIONS, "actions": [5]}), FORM),
    "user_as_string": (interactive({**BLOCK_ACTIONS, "user": AGENT}), FORM),
    "team_as_list": (interactive({**BLOCK_ACTIONS, "team": [1]}), FORM),
    "view_as_string": (
        interactive({"type": "view_submission", "user": {"id": AGENT}, "view": "v"}),
        FORM,
    ),
    "view_state_values_list": (
        interactive(
            {
                "type": "view_submission",
                "user": {"id": AGENT},
                "view": {"id": "V1", "state": {"values": [1]}},
            }
        ),
        FORM,
    ),
    "event_null": (json.dumps({**EVENT, "event": None}).encode(), JSON),
    "event_type_missing": (json.dumps({**EVENT, "event": {"user": AGENT}}).encode(), JSON),
    "form_body_sent_as_json": (interactive(BLOCK_ACTIONS), JSON),
    "invalid_utf8": (b"payload=\xff\xfe\xfd", FORM),
    "invalid_utf8_json": (b'{"type": "\xff"}', JSON),
    "json_array": (b"[1]", JSON),
    "json_null": (b"null", JSON),
    "json_empty_object": (b"{}", JSON),
    "json_truncated": (b'{"type": "event_callback", "event": {', JSON),
    "slash_command_without_user": (urlencode({"command": "/sf", "text": "help"}).encode(), FORM),
    "authorizations_as_string": (json.dumps({**EVENT, "authorizations": "x"}).encode(), JSON),
}


@pytest.fixture
def quiet(sfbot, slack):
    """Counts of what sfbot did outside: Salesforce requests and Slack calls/responses."""

    def snapshot() -> tuple[int, int, int]:
        return len(sfbot.sf.request_log), len(slack.calls), len(slack.responses)

    before = snapshot()
    yield
    time.sleep(0.3)  # anything a request set off in the background has started by now
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(SIGNED_MALFORMED))
def test_signed_malformed_payload_is_400_with_a_log_line(sfbot, quiet, name):
    body, content_type = SIGNED_MALFORMED[name]
    r = post(sfbot, body, content_type, signed=True)
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.json() == {"error": "malformed_payload"}
    assert "refused a malformed signed request" in sfbot.log()
    assert "Traceback" not in sfbot.log()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"payload={", FORM), (b"payload=\xff\xfe", FORM), (b"[1]", JSON), (b"\xff" * 100, JSON)],
)
def test_unsigned_unparseable_body_is_401_not_500(sfbot, quiet, body, content_type):
    r = post(sfbot, body, content_type, signed=False)
    assert r.status_code == 401
    assert "Traceback" not in sfbot.log()


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 2 * MAX_BODY_BYTES, 10 * MAX_BODY_BYTES])
@pytest.mark.parametrize("signed", [False, True])
def test_bodies_over_the_cap_are_413(sfbot, quiet, size, signed):
    body = b"payload=" + b"a" * (size - len(b"payload="))
    r = post(sfbot, body, FORM, signed=signed)
    assert r.status_code == 413


def test_a_body_at_the_cap_is_checked_normally(sfbot, quiet):
    pad = "x" * (MAX_BODY_BYTES - 2000)
    body = interactive({**BLOCK_ACTIONS, "actions": "not a list", "pad": pad})
    assert len(body) <= MAX_BODY_BYTES
    assert post(sfbot, body, FORM, signed=True).status_code == 400
