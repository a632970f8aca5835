"""Tests of the fake's Events API deliveries, people's actions, scopes and conversation reads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-test"
SECRET = "events-signing-secret"
SCOPES = {"chat:write", "users:read", "users:read.email", "channels:history", "groups:history"}
SCOPES |= {"channels:read", "groups:read", "reactions:read"}
EVENTS = frozenset({"message.channels", "message.groups", "reaction_added"})


class Receiver:
    """A stand-in app: records every request, answers with ``status`` after ``delay``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.delay, self.no_retry = 200, 0.0, False
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(outer.delay)
                self.send_response(outer.status)
                if outer.no_retry:
                    self.send_header("X-Slack-No-Retry", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/slack/events"

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fs = FakeSlack(bot_token=TOKEN, granted_scopes=SCOPES).start()
    fs.add_user("U1", "ann")
    fs.add_user("U2", "bob")
    fs.add_channel("C1", "inbound")
    fs.add_channel("C2", "elsewhere", is_member=False)
    fs.add_channel("G1", "secret", is_private=True)
    yield fs
    fs.stop()


@pytest.fixture
def app() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.httpd.shutdown()


def client(fs: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fs.api_url)


def test_a_message_is_delivered_signed_in_an_event_callback(fake, app):
    sub = fake.subscribe_events(app.url, SECRET, bot_events=EVENTS)
    msg = fake.user_posts("C1", "U1", "hello from ann@example.com")
    sub.wait_idle()
    (req,) = app.requests
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(req["body"], req["headers"])
    body = json.loads(req["body"])
    assert body["type"] == "event_callback" and body["event_id"].startswith("Ev")
    assert body["authorizations"][0]["user_id"] == fake.bot_user_id
    ev = body["event"]
    assert ev["type"] == "message" and "subtype" not in ev
    assert (ev["channel"], ev["user"], ev["ts"], ev["channel_type"]) == (
        "C1",
        "U1",
        msg["ts"],
        "channel",
    )


def test_only_subscribed_conversations_the_bot_is_in_are_delivered(fake, app):
    sub = fake.subscribe_events(app.url, SECRET, bot_events=frozenset({"message.channels"}))
    fake.user_posts("C2", "U1", "not a member")
    fake.user_posts("G1", "U1", "private, message.groups not subscribed")
    sub.wait_idle()
    assert app.requests == []
    sub = fake.subscribe_events(
        app.url, SECRET, bot_events=frozenset({"message.channels", "message.groups"})
    )
    fake.user_posts("G1", "U1", "now subscribed")
    sub.wait_idle()
    assert [b["event"]["channel_type"] for b in app.bodies()] == ["group"]


def test_a_slow_app_gets_retries_with_the_same_event_id(fake, app):
    sub = fake.subscribe_events(
        app.url, SECRET, bot_events=EVENTS, retry_delays=(0, 0, 0), timeout=0.3
    )
    app.delay = 0.6
    fake.user_posts("C1", "U1", "slow")
    sub.wait_idle()
    bodies = app.bodies()
    assert len(bodies) == 4 and len({b["event_id"] for b in bodies}) == 1
    retries = [r["headers"].get("X-Slack-Retry-Num") for r in app.requests]
    assert retries == [None, "1", "2", "3"]
    assert {r["headers"].get("X-Slack-Retry-Reason") for r in app.requests[1:]} == {"http_timeout"}


def test_an_error_is_retried_unless_the_app_says_no_retry(fake, app):
    sub = fake.subscribe_events(app.url, SECRET, bot_events=EVENTS, retry_delays=(0, 0, 0))
    app.status = 500
    fake.user_posts("C1", "U1", "boom")
    sub.wait_idle()
    assert len(app.requests) == 4
    assert app.requests[1]["headers"]["X-Slack-Retry-Reason"] == "http_error"
    app.requests.clear()
    app.no_retry = True
    fake.user_posts("C1", "U1", "boom again")
    sub.wait_idle()
    assert len(app.requests) == 1


def test_subtypes_threads_reactions_and_the_apps_own_posts(fake, app):
    sub = fake.subscribe_events(app.url, SECRET, bot_events=EVENTS)
    parent = fake.user_posts("C1", "U1", "parent")
    fake.user_posts("C1", "U2", "reply", thread_ts=parent["ts"])
    fake.user_edits("C1", parent["ts"], "parent, edited")
    fake.integration_posts("C1", "from a webhook")
    fake.user_reacts("C1", parent["ts"], "U2", "memo")
    client(fake).chat_postMessage(channel="C1", text="the bot", thread_ts=parent["ts"])
    fake.user_deletes("C1", parent["ts"])
    sub.wait_idle()
    events = {(b["event"]["type"], b["event"].get("subtype")): b["event"] for b in app.bodies()}
    reply = next(e for e in (b["event"] for b in app.bodies()) if e.get("text") == "reply")
    assert reply["thread_ts"] == parent["ts"] and reply["parent_user_id"] == "U1"
    assert events[("message", "message_changed")]["message"]["edited"]["user"] == "U1"
    assert events[("message", "bot_message")]["bot_id"]
    assert events[("message", "message_deleted")]["deleted_ts"] == parent["ts"]
    reaction = events[("reaction_added", None)]
    assert reaction["item"] == {
        "type": "message",
        "channel": "C1",
        "ts": parent["ts"],
        "channel_type": "channel",
    }
    assert (reaction["reaction"], reaction["item_user"]) == ("memo", "U1")
    own = next(e for e in (b["event"] for b in app.bodies()) if e.get("text") == "the bot")
    assert own["bot_id"] == fake.bot_id and own["user"] == fake.bot_user_id


def test_history_shows_parents_and_replies_shows_a_thread(fake):
    c = client(fake)
    parent = fake.user_posts("C1", "U1", "parent")
    reply = fake.user_posts("C1", "U2", "reply", thread_ts=parent["ts"])
    history = c.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in history] == [parent["ts"]]
    assert history[0]["reply_count"] == 1
    thread = c.conversations_replies(channel="C1", ts=parent["ts"])["messages"]
    assert [m["ts"] for m in thread] == [parent["ts"], reply["ts"]]
    single = c.conversations_replies(channel="C1", ts=reply["ts"])["messages"]
    assert [m["ts"] for m in single] == [reply["ts"]]
    with pytest.raises(SlackApiError) as err:
        c.conversations_replies(channel="C1", ts="1.000001")
    assert err.value.response["error"] == "thread_not_found"
    with pytest.raises(SlackApiError) as err:
        c.conversations_replies(channel="C2", ts=parent["ts"])
    assert err.value.response["error"] == "not_in_channel"


def test_conversations_list_shows_public_channels_and_private_ones_the_bot_is_in(fake):
    fake.add_channel("G2", "other-secret", is_member=False, is_private=True)
    c = client(fake)
    public = c.conversations_list()["channels"]
    assert {ch["id"] for ch in public} == {"C1", "C2"}
    both = c.conversations_list(types="public_channel,private_channel", limit=2)
    assert len(both["channels"]) == 2 and both["response_metadata"]["next_cursor"]
    rest = c.conversations_list(
        types="public_channel,private_channel", cursor=both["response_metadata"]["next_cursor"]
    )
    assert {ch["id"] for ch in both["channels"] + rest["channels"]} == {"C1", "C2", "G1"}


def test_methods_need_their_scopes(fake):
    fake.scopes = frozenset({"chat:write", "users:read", "channels:history"})
    c = client(fake)
    c.conversations_history(channel="C1")
    with pytest.raises(SlackApiError) as err:
        c.conversations_history(channel="G1")
    assert (err.value.response["error"], err.value.response["needed"]) == (
        "missing_scope",
        "groups:history",
    )
    assert "email" not in c.users_info(user="U1")["user"]["profile"]
    fake.scopes = fake.scopes | {"users:read.email"}
    assert c.users_info(user="U1")["user"]["profile"]["email"] == "ann@example.com"
    with pytest.raises(SlackApiError) as err:
        c.conversations_list(types="private_channel")
    assert err.value.response["error"] == "missing_scope"


def test_the_default_scopes_are_the_manifests():
    import yaml

    from tests.fakes.slack.scopes import MANIFEST

    manifest = yaml.safe_load(MANIFEST.read_text())
    assert FakeSlack().scopes == frozenset(manifest["oauth_config"]["scopes"]["bot"])


def test_typed_text_arrives_as_slack_clients_send_it(fake, app):
    sub = fake.subscribe_events(app.url, SECRET, bot_events=EVENTS)
    fake.user_posts("C1", "U1", "I'm ann@example.com, see https://example.com/a & <b>")
    sub.wait_idle()
    assert app.bodies()[0]["event"]["text"] == (
        "I'm <mailto:ann@example.com|ann@example.com>, see <https://example.com/a> &amp; &lt;b&gt;"
    )
