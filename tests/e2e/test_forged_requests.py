"""Forged and malformed requests: refused with 401 before anything runs, and never a POST to
an address taken from an unverified body (issue 7, item 1)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests

from tests.e2e.harness import AGENT, CHANNEL, SIGNING_SECRET, TEAM_ID
from tests.fakes.sink import OutboundSink
from tests.fakes.slack.driver import sign

FORM = "application/x-www-form-urlencoded"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(scope="module")
def sink() -> Iterator[OutboundSink]:
    s = OutboundSink().start()
    yield s
    s.stop()


def slash_body(response_url: str, text: str = "help") -> bytes:
    return urlencode(
        {
            "token": "x",
            "team_id": TEAM_ID,
            "team_domain": "e2e",
            "channel_id": CHANNEL,
            "channel_name": "support",
            "user_id": AGENT,
            "user_name": "sam.agent",
            "command": "/sf",
            "text": text,
            "api_app_id": "A0FAKEAPP",
            "response_url": response_url,
            "trigger_id": "1.2.abcdef",
        }
    ).encode()


def block_actions_body(response_url: str) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": AGENT, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0FAKEAPP",
        "trigger_id": "1.2.abcdef",
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.000001"},
        "channel": {"id": CHANNEL},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": "sf_record_delete",
                "block_id": "card:00Q000000000001",
                "value": "00Q000000000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


BODIES = {"slash_command": slash_body, "block_actions": block_actions_body}


def _now() -> int:
    return int(time.time())


# name -> (timestamp or None for "no header", signature: "sign" = correct for that timestamp,
# None = no header, else the literal header value)
VARIANTS: dict[str, tuple[object, object]] = {
    "timestamp_abc": ("abc", "sign"),
    "timestamp_empty": ("", "sign"),
    "timestamp_decimal": (lambda: f"{_now()}.5", "sign"),
    "timestamp_1.5": ("1.5", "sign"),
    "timestamp_hex": ("0x10", "sign"),
    "timestamp_non_ascii_digits": (lambda: str(_now()).translate(ARABIC_INDIC), "sign"),
    "timestamp_underscores": (lambda: f"{_now():_}", "sign"),
    "timestamp_plus_sign": (lambda: f"+{_now()}", "sign"),
    "timestamp_missing": (None, "sign"),
    # well outside the 5-minute window: a loaded machine may take seconds to answer
    "timestamp_stale": (lambda: str(_now() - 400), "sign"),
    "timestamp_future": (lambda: str(_now() + 400), "sign"),
    "signature_missing": (_now, None),
    "signature_empty": (_now, ""),
    "signature_wrong": (_now, "v0=" + "0" * 64),
    "signature_v1": (_now, "v1=" + "0" * 64),
    "signature_not_hex": (_now, "v0=" + "z" * 64),
}


def post(url: str, body: bytes, timestamp: object, signature: object) -> requests.Response:
    ts = timestamp() if callable(timestamp) else timestamp
    headers: dict[str, str | bytes] = {"Content-Type": FORM}
    if ts is not None:  # as UTF-8 bytes on the wire (non-ASCII digits included)
        headers["X-Slack-Request-Timestamp"] = str(ts).encode()
    if signature == "sign":
        signature = sign(SIGNING_SECRET, str(ts if ts is not None else ""), body)
    if signature is not None:
        headers["X-Slack-Signature"] = str(signature)
    return requests.post(url, data=body, headers=headers, timeout=10)


def events_url(sfbot) -> str:
    return f"{sfbot.url}/slack/events"


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_malformed_signature_headers_are_401_and_post_nowhere(sfbot, sink, kind, variant):
    timestamp, signature = VARIANTS[variant]
    before = len(sink.posts())
    r = post(events_url(sfbot), BODIES[kind](sink.url(f"/{variant}")), timestamp, signature)
    assert r.status_code == 401, r.text
    assert "Traceback" not in r.text
    # Positive control, same body builder and a correct signature: sfbot answers 200 and
    # replies through the response_url, which proves the sink would have seen a POST.
    control = slash_body(sink.url(f"/control/{kind}/{variant}"))
    assert post(events_url(sfbot), control, _now, "sign").status_code == 200
    deadline = time.monotonic() + 15
    while not any(p["path"] == f"/control/{kind}/{variant}" for p in sink.posts()):
        assert time.monotonic() < deadline, "the signed control request was never answered"
        time.sleep(0.02)
    posts = sink.posts()[before:]
    assert [p["path"] for p in posts] == [f"/control/{kind}/{variant}"], posts


def test_unsigned_requests_are_not_logged_with_their_body(sfbot, sink):
    marker = "forged-body-marker-8c1f"
    r = post(events_url(sfbot), slash_body(sink.url(), marker), "abc", "sign")
    assert r.status_code == 401
    r = post(events_url(sfbot), slash_body(sink.url(), marker), _now, "v0=" + "0" * 64)
    assert r.status_code == 401
    assert marker not in sfbot.log()
    assert "refused an unsigned request" in sfbot.log()


def test_ssl_check_is_answered_without_running_anything(sfbot):
    r = requests.post(
        events_url(sfbot),
        data=b"ssl_check=1&token=abc",
        headers={"Content-Type": FORM},
        timeout=10,
    )
    assert r.status_code == 200
    assert r.text == ""
