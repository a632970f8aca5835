"""The Slack fake's guests, user groups, Slack Connect channels, scopes, link_shared and
chat.unfurl, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import FakeSlack, SlackDriver

TOKEN = "xoxb-test"
URL = "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view"
CARD = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ada*"}}]


@pytest.fixture
def fake():
    with FakeSlack(bot_token=TOKEN) as fs:
        fs.add_user("U1", "ada")
        fs.add_user("UG1", "gus", guest="multi")
        fs.add_user("UG2", "sue", guest="single")
        fs.add_channel("C1", "general")
        fs.add_channel("CX", "shared-with-partner", external=True)
        fs.unfurl_domains = ["my.salesforce.com"]
        fs.grant_scopes(fs.scopes | {"links:write"})  # as `sfbot manifest` asks
        yield fs


@pytest.fixture
def client(fake):
    return WebClient(token=TOKEN, base_url=fake.api_url)


def test_guests_and_members_in_users_info(client):
    assert client.users_info(user="U1")["user"]["is_restricted"] is False
    multi = client.users_info(user="UG1")["user"]
    assert (multi["is_restricted"], multi["is_ultra_restricted"]) == (True, False)
    single = client.users_info(user="UG2")["user"]
    assert (single["is_restricted"], single["is_ultra_restricted"]) == (True, True)


def test_slack_connect_channels_are_ext_shared(client):
    assert client.conversations_info(channel="CX")["channel"]["is_ext_shared"] is True
    assert client.conversations_info(channel="C1")["channel"]["is_ext_shared"] is False


def test_usergroups_users_list(fake, client):
    fake.add_usergroup("S1", "support", ["U1"])
    fake.add_usergroup("S2", "old", ["U1"], disabled=True)
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1"]
    for group in ("S2", "S404"):
        with pytest.raises(SlackApiError) as err:
            client.usergroups_users_list(usergroup=group)
        assert err.value.response["error"] == "no_such_subteam"
    assert client.usergroups_users_list(usergroup="S2", include_disabled=True)["users"] == ["U1"]


def test_scopes_are_enforced(fake, client):
    fake.grant_scopes(["users:read"])
    with pytest.raises(SlackApiError) as err:
        client.usergroups_users_list(usergroup="S1")
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "usergroups:read"


def test_chat_unfurl_by_channel_and_ts(fake, client):
    event = fake.share_links("U1", "C1", [URL, "https://example.com/x"])
    assert event["links"] == [{"domain": "my.salesforce.com", "url": URL}]
    client.chat_unfurl(channel="C1", ts=event["message_ts"], unfurls={URL: {"blocks": CARD}})
    assert fake.unfurls_of(URL)[0]["unfurl"]["blocks"] == CARD
    # again for the same message: replaced, not added
    client.chat_unfurl(channel="C1", ts=event["message_ts"], unfurls={URL: {"blocks": CARD}})
    assert len(fake.unfurls_of(URL)) == 1


def test_chat_unfurl_by_unfurl_id_and_source(fake, client):
    event = fake.share_links("U1", "C1", [URL], source="composer")
    assert event["channel"] == "COMPOSER"
    client.chat_unfurl(
        unfurl_id=event["unfurl_id"], source="composer", unfurls={URL: {"blocks": CARD}}
    )
    assert fake.unfurls_of(URL)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ts": "1.2"}, "missing_channel"),
        ({"channel": "C1"}, "missing_ts"),
        ({"channel": "C404", "ts": "1.2"}, "cannot_find_channel"),
        ({"channel": "C1", "ts": "1.2"}, "cannot_find_message"),
        ({"unfurl_id": "nope", "source": "conversations_history"}, "cannot_find_message"),
        ({"unfurl_id": "nope"}, "invalid_arguments"),
    ],
)
def test_chat_unfurl_refuses_bad_targets(client, kwargs, error):
    with pytest.raises(SlackApiError) as err:
        client.chat_unfurl(unfurls={URL: {"blocks": CARD}}, **kwargs)
    assert err.value.response["error"] == error


def test_chat_unfurl_refuses_unknown_urls_and_invalid_blocks(fake, client):
    event = fake.share_links("U1", "C1", [URL])
    ts = event["message_ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_unfurl(channel="C1", ts=ts, unfurls={URL + "x": {"blocks": CARD}})
    assert err.value.response["error"] == "cannot_unfurl_message"
    with pytest.raises(SlackApiError) as err:
        client.chat_unfurl(channel="C1", ts=ts, unfurls={URL: {"blocks": [{"type": "nope"}]}})
    assert err.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as err:
        client.chat_unfurl(channel="C1", ts=ts, unfurls={URL: {}})
    assert err.value.response["error"] == "cannot_parse_attachment"
    fake.grant_scopes(["chat:write"])
    with pytest.raises(SlackApiError) as err:
        client.chat_unfurl(channel="C1", ts=ts, unfurls={URL: {"blocks": CARD}})
    assert err.value.response["error"] == "missing_scope"
    fake.invalid_calls.clear()


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.bodies.append(
            {"body": json.loads(body), "sig": self.headers["X-Slack-Signature"]}
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_driver_sends_signed_link_shared(fake):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        driver = SlackDriver(f"http://127.0.0.1:{httpd.server_address[1]}/", "secret", fake)
        assert driver.link_shared(["https://example.com/"], user_id="U1", channel_id="C1") is None
        r = driver.link_shared([URL], user_id="U1", channel_id="CX")
        assert r is not None and r.status_code == 200
        sent = _Recorder.bodies[-1]
        assert sent["sig"].startswith("v0=")
        assert sent["body"]["is_ext_shared_channel"] is True
        event = sent["body"]["event"]
        assert event["type"] == "link_shared" and event["links"][0]["url"] == URL
        assert {"channel", "message_ts", "unfurl_id", "source", "user"} <= set(event)
    finally:
        httpd.shutdown()
