"""Fuzz ``POST /slack/events`` (issue 7, item 5): whatever arrives, signed or not, sfbot
never answers 5xx, never calls Salesforce and never POSTs anywhere.

Signed bodies are random bytes, random JSON, and Slack-shaped envelopes (every payload type)
whose fields hold random JSON. Ids never start with ``sf`` and commands are never ``/sf``, so
no example is a real request for one of sfbot's listeners (which may rightly call out).
Deterministic (``derandomize``) and bounded, so the test command stays modest and stable.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack_retry import READ_VERBS
from tests.e2e.harness import SIGNING_SECRET
from tests.fakes.slack.driver import sign

PAYLOAD_TYPES = [
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
    "event_callback",
    "url_verification",
    "app_rate_limited",
    "interactive_message",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "",
]
FIELDS = [
    "user",
    "team",
    "enterprise",
    "channel",
    "container",
    "message",
    "view",
    "state",
    "actions",
    "event",
    "authorizations",
    "response_url",
    "response_urls",
    "trigger_id",
    "callback_id",
    "action_id",
    "block_id",
    "value",
    "api_app_id",
    "is_enterprise_install",
    "challenge",
    "team_id",
    "event_id",
]

text = st.text(max_size=12).filter(lambda s: not s.lower().startswith(("sf", "/sf")))
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=10,
)
slackish = {
    "user": st.fixed_dictionaries({"id": text}, optional={"team_id": text}),
    "team": st.fixed_dictionaries({"id": text}),
    "actions": st.lists(
        st.fixed_dictionaries({"action_id": text, "block_id": text}, optional={"value": text}),
        max_size=2,
    ),
    "view": st.fixed_dictionaries(
        {"id": text, "callback_id": text},
        optional={"private_metadata": text, "state": st.just({"values": {}})},
    ),
    "event": st.fixed_dictionaries({"type": text}, optional={"user": text, "channel": text}),
}
envelopes = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(PAYLOAD_TYPES) | json_values,
    st.dictionaries(
        st.sampled_from(FIELDS),
        json_values,
        max_size=2,
    ).flatmap(
        lambda rnd: st.fixed_dictionaries(
            {k: v for k, v in slackish.items() if k not in rnd},
        ).map(lambda good: {**good, **rnd})
    ),
)
form_fields = st.dictionaries(
    st.sampled_from(["command", "text", "user_id", "team_id", "channel_id", "ssl_check"]),
    text.map(lambda s: "/x" + s),
    max_size=6,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    envelopes.map(lambda e: json.dumps(e).encode()),
    envelopes.map(lambda e: urlencode({"payload": json.dumps(e)}).encode()),
    json_values.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
    text.map(lambda t: urlencode({"payload": t}).encode()),
    form_fields.map(lambda f: urlencode(f).encode()),
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=70).filter(
    lambda s: s == s.strip()  # what an HTTP client can send: no surrounding whitespace
)
garbage_headers = st.fixed_dictionaries(
    {},
    optional={"X-Slack-Request-Timestamp": header_text, "X-Slack-Signature": header_text},
)


def _outside_effects(sfbot, slack) -> tuple[int, list[dict], int]:
    # reads are not effects: Bolt's auth.test, the guest check's users.info
    calls = [c for c in slack.calls if c["method"].rsplit(".", 1)[-1] not in READ_VERBS]
    return len(sfbot.sf.request_log), calls, len(slack.responses)


def test_events_endpoint_never_5xx_never_calls_out(sfbot, slack):
    session = requests.Session()
    url = f"{sfbot.url}/slack/events"
    before = _outside_effects(sfbot, slack)
    statuses: dict[int, int] = {}

    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        body=bodies,
        content_type=st.sampled_from(CONTENT_TYPES),
        signed=st.booleans() | st.just(True),
        garbage=garbage_headers,
    )
    def one_request(body: bytes, content_type: str, signed: bool, garbage: dict) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        if signed:
            ts = str(int(time.time()))
            headers |= {
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
            }
        else:
            headers |= garbage
        r = session.post(url, data=body, headers=headers, timeout=30)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (r.status_code, body, content_type, signed)
        assert "Traceback" not in r.text

    one_request()
    time.sleep(0.5)  # anything set off in the background has started by now
    assert _outside_effects(sfbot, slack) == before, statuses
    assert "Traceback" not in sfbot.log()
    assert statuses.get(400, 0) > 0 and statuses.get(401, 0) > 0, statuses
