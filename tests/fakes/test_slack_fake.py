"""Tests of the Slack fake itself (FakeSlack + SlackDriver), using real slack_sdk clients."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import FakeClock, FakeSlack, SlackDriver, webapi_views

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "xoxb-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def modal(title="Lookup", blocks=None, **extra):
    blocks = blocks or [
        {
            "type": "input",
            "block_id": "email",
            "label": {"type": "plain_text", "text": "Email"},
            "element": {"type": "plain_text_input", "action_id": "value", "max_length": 80},
        },
        {
            "type": "input",
            "block_id": "kind",
            "optional": True,
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "Lead"}, "value": "lead"},
                    {"text": {"type": "plain_text", "text": "Contact"}, "value": "contact"},
                ],
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": "lookup",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": blocks,
        **extra,
    }


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fs(clock):
    with FakeSlack(bot_token=TOKEN, team_id="T0001", bot_user_id="U0BOT", clock=clock) as fake:
        fake.add_user("U1", "ada", is_admin=True)
        fake.add_user("U2", "bob")
        fake.add_channel("C1", "support", members=["U0BOT", "U1"])
        yield fake


@pytest.fixture
def client(fs):
    return WebClient(token=TOKEN, base_url=fs.api_url)


# ------------------------------------------------------------------------ Web API
def test_auth_and_identity(fs, client):
    assert client.auth_test()["user_id"] == "U0BOT"
    with pytest.raises(SlackApiError) as e:
        WebClient(token="xoxb-wrong", base_url=fs.api_url).auth_test()
    assert e.value.response["error"] == "invalid_auth"
    # JSON bodies must carry the token in the Authorization header, not in the body
    r = requests.post(fs.api_url + "auth.test", json={"token": TOKEN}, timeout=5)
    assert (r.json()["ok"], r.json()["error"]) == (False, "not_authed")
    assert [c["method"] for c in fs.invalid_calls] == ["auth.test", "auth.test"]
    fs.invalid_calls.clear()
    # ... while form bodies may carry it as a field
    r = requests.post(fs.api_url + "auth.test", data={"token": TOKEN}, timeout=5)
    assert r.json()["ok"] is True
    user = client.users_info(user="U1")["user"]
    assert (user["is_admin"], user["is_owner"], user["tz"], user["tz_offset"]) == (
        True,
        False,
        "America/New_York",
        -18000,
    )
    assert user["profile"]["display_name"] == "ada"
    assert client.conversations_info(channel="C1")["channel"]["name"] == "support"
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U404")


def test_post_message_history_metadata_and_form_bodies(fs, client):
    meta = {"event_type": "sf_digest", "event_payload": {"case": "500x"}}
    first = client.chat_postMessage(channel="C1", text="one", metadata=meta, blocks=[SECTION])
    assert first["message"]["metadata"] == meta and first["channel"] == "C1"
    # form-encoded with JSON-encoded blocks, as Slack accepts too
    r = requests.post(
        fs.api_url + "chat.postMessage",
        headers={"Authorization": f"Bearer {TOKEN}"},
        data={"channel": "C1", "text": "two", "blocks": json.dumps([SECTION])},
        timeout=5,
    )
    assert r.json()["ok"], r.json()
    hist = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["text"] for m in hist] == ["two", "one"]  # newest first
    assert hist[1]["metadata"] == meta
    plain = client.conversations_history(channel="C1")["messages"]
    assert "metadata" not in plain[1]
    page = client.conversations_history(channel="C1", limit=1)
    assert page["has_more"] and page["response_metadata"]["next_cursor"]
    link = client.chat_getPermalink(channel="C1", message_ts=first["ts"])["permalink"]
    assert link.endswith("/archives/C1/p" + first["ts"].replace(".", ""))
    upd = client.chat_update(channel="C1", ts=first["ts"], text="edited")
    assert upd["message"]["text"] == "edited" and fs.messages("C1")[0]["blocks"]
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C1", ts="1.000001", text="x")
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    with pytest.raises(SlackApiError, match="user_not_in_channel"):
        client.chat_postEphemeral(channel="C1", user="U2", text="psst")
    dm = client.chat_postMessage(channel="U2", text="digest")
    assert dm["channel"].startswith("D")
    fs.assert_no_invalid_calls()


def test_views_open_trigger_lifetime(fs, client, clock):
    fresh = fs.issue_trigger_id("U1")
    view = client.views_open(trigger_id=fresh, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert fs.views[view["id"]]["title"]["text"] == "Lookup"
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id=fresh, view=modal())
    stale = fs.issue_trigger_id("U1")
    clock.advance(3.01)
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=stale, view=modal())
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id="123.456.abcdef", view=modal())
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        client.views_open(trigger_id="not-a-trigger", view=modal())


def test_views_update_hash_and_external_id(fs, client):
    v = client.views_open(trigger_id=fs.issue_trigger_id("U1"), view=modal(external_id="ext-1"))[
        "view"
    ]
    v2 = client.views_update(view_id=v["id"], hash=v["hash"], view=modal("Step 2"))["view"]
    assert v2["id"] == v["id"] and v2["hash"] != v["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=v["id"], hash=v["hash"], view=modal("Stale"))
    client.views_update(external_id="ext-1", view=modal("By ext", external_id="ext-1"))
    assert fs.views[v["id"]]["title"]["text"] == "By ext"
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="VNOPE", view=modal())
    webapi_views.close_view(fs, v["id"])  # the user closed it: updating it is not_found
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id=v["id"], view=modal("Too late"))
    assert fs.views[v["id"]]["title"]["text"] == "By ext"
    home = {"type": "home", "blocks": [SECTION]}
    h = client.views_publish(user_id="U1", view=home)["view"]
    assert fs.home_views["U1"] == h["id"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_publish(user_id="U1", view=home, hash="0.stale")


def test_bot_token_has_the_manifests_scopes_and_nothing_more(fs, client):
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert fs.scopes == set(manifest["oauth_config"]["scopes"]["bot"])
    fs.add_channel("D0DM", "dm-with-ada")  # an IM: history needs im:history, not granted
    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="D0DM")
    assert (e.value.response["error"], e.value.response["needed"]) == (
        "missing_scope",
        "im:history",
    )
    assert fs.invalid_calls[-1]["method"] == "conversations.history"


def test_missing_scope_unknown_method_and_bad_arguments_are_recorded(clock):
    with FakeSlack(
        bot_token=TOKEN, clock=clock, granted_scopes=("commands", "channels:history")
    ) as fake:
        fake.add_channel("C1", "support")
        client = WebClient(token=TOKEN, base_url=fake.api_url)
        with pytest.raises(SlackApiError) as e:
            client.chat_postMessage(channel="C1", text="hi")
        assert e.value.response["error"] == "missing_scope"
        assert (e.value.response["needed"], e.value.response["provided"]) == (
            "chat:write",
            "channels:history,commands",
        )
        with pytest.raises(SlackApiError, match="unknown_method"):
            client.api_call("chat.postMesage")
        with pytest.raises(SlackApiError, match="invalid_arguments"):
            client.conversations_history(channel="C1", limit="ten")
        assert [c["method"] for c in fake.invalid_calls] == [
            "chat.postMessage",
            "chat.postMesage",
            "conversations.history",
        ]
        with pytest.raises(AssertionError, match="lacks chat:write"):
            fake.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda c: c.chat_postMessage(
                channel="C1",
                text="x",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            ),
            "invalid_blocks",
        ),
        (
            lambda c: c.chat_postMessage(channel="C1", text="x", blocks=[SECTION] * 51),
            "invalid_blocks",
        ),
        (
            lambda c: c.chat_postMessage(
                channel="C1",
                text="x",
                blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            ),
            "invalid_blocks",
        ),
        (
            lambda c: c.chat_postMessage(
                channel="C1",
                text="x",
                blocks=[
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "action_id": "a",
                                "text": {"type": "plain_text", "text": "A"},
                            },
                            {
                                "type": "button",
                                "action_id": "a",
                                "text": {"type": "plain_text", "text": "B"},
                            },
                        ],
                    }
                ],
            ),
            "invalid_blocks",
        ),
        (
            lambda c: c.chat_postMessage(channel="C1", text="x", metadata={"event_type": "x"}),
            "invalid_metadata_format",
        ),
        (lambda c: c.chat_postMessage(channel="C1"), "no_text"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_invalid_messages_rejected_and_recorded(fs, client, call, error):
    with pytest.raises(SlackApiError) as e:
        call(client)
    assert e.value.response["error"] == error
    assert e.value.response["response_metadata"]["messages"]
    assert len(fs.invalid_calls) == 1 and fs.messages("C1") == []
    with pytest.raises(AssertionError):
        fs.assert_no_invalid_calls()


@pytest.mark.parametrize(
    "view",
    [
        modal(title="T" * 25),
        modal(private_metadata="x" * 3001),
        modal(callback_id="c" * 256),
        {**modal(), "submit": None},  # input blocks need a submit button
        modal(blocks=[SECTION] * 101),
        modal(
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "block_id": "b"},
                {"type": "divider", "block_id": "b"},
            ]
        ),
        modal(
            blocks=[
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "L"},
                    "element": {
                        "type": "static_select",
                        "action_id": "s",
                        "options": [
                            {"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}
                        ],
                    },
                }
            ]
        ),
    ],
)
def test_invalid_views_rejected(fs, client, view):
    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id=fs.issue_trigger_id("U1"), view=view)
    assert e.value.response["error"] == "invalid_arguments"
    assert "[json-pointer:/view" in e.value.response["response_metadata"]["messages"][0]
    assert fs.invalid_calls and not fs.view_stacks


def test_rate_limit_429_retry_after_is_honoured():
    with FakeSlack(bot_token=TOKEN) as fs:  # real clock: the SDK really sleeps
        fs.add_channel("C1", "support")
        fs.rate_limit("chat.postMessage", channel="C1", per_second=1.0)
        c = WebClient(
            token=TOKEN,
            base_url=fs.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        )
        c.chat_postMessage(channel="C1", text="a")
        c.chat_postMessage(channel="C1", text="b")  # 429 first, retried after Retry-After
        calls = fs.calls_to("chat.postMessage")
        assert [x["status"] for x in calls] == [200, 429, 200]
        assert calls[2]["ts"] - calls[1]["ts"] >= 1.0
        with pytest.raises(SlackApiError) as e:
            WebClient(token=TOKEN, base_url=fs.api_url).chat_postMessage(channel="C1", text="c")
        assert e.value.response.status_code == 429
        assert e.value.response.headers["Retry-After"] == "1"
        assert e.value.response["error"] == "ratelimited"
        fs.fail_next("users.info", error="internal_error", status=200)
        with pytest.raises(SlackApiError, match="internal_error"):
            WebClient(token=TOKEN, base_url=fs.api_url).users_info(user="U0BOT")
        assert WebClient(token=TOKEN, base_url=fs.api_url).users_info(user="U0BOT")["ok"]


def test_wait_for_and_response_urls(fs, client):
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="late")).start()
    call = fs.wait_for("chat.postMessage", lambda c: c["args"]["text"] == "late", timeout=5)
    assert call["response"]["ok"]
    with pytest.raises(TimeoutError):
        fs.wait_for("views.open", timeout=0.05)
    url = fs.new_response_url(channel_id="C1", user_id="U1")
    hook = WebhookClient(url)
    assert hook.send(text="only you", response_type="ephemeral").status_code == 200
    assert hook.send(text="everyone", response_type="in_channel").status_code == 200
    assert [m["text"] for m in fs.messages("C1")] == ["late", "everyone"]
    assert fs.ephemerals[-1]["user"] == "U1"
    assert hook.send(blocks=[{"type": "section"}]).status_code == 400
    assert [hook.send(text="x").status_code for _ in range(3)] == [200, 200, 404]  # 5 uses max
    assert fs.responses[0]["body"]["text"] == "only you"


# ------------------------------------------------------------------------- driver
class _Receiver:
    """Tiny app stand-in: verifies Slack signatures and answers queued acks."""

    def __init__(self):
        self.requests: list[dict] = []
        self.acks: list[tuple[int, str]] = []
        self.verifier = SignatureVerifier(SECRET)
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = outer.verifier.is_valid_request(body, dict(self.headers))
                outer.requests.append({"headers": dict(self.headers), "body": body, "valid": valid})
                status, text = (
                    (401, "") if not valid else (outer.acks.pop(0) if outer.acks else (200, ""))
                )
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if data else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/slack/events"

    def payload(self, i=-1) -> dict:
        return json.loads(parse_qs(self.requests[i]["body"].decode())["payload"][0])


@pytest.fixture
def app():
    rec = _Receiver()
    yield rec
    rec.httpd.shutdown()
    rec.httpd.server_close()


@pytest.fixture
def drv(app, fs):
    return SlackDriver(app_url=app.url, signing_secret=SECRET, fake=fs, team_id="T0001")


def test_driver_signatures_verify_and_tampering_fails(app, drv):
    r = drv.slash_command("/sf", "lookup ada@example.com", user_id="U1", channel_id="C1")
    assert r.status_code == 200 and app.requests[-1]["valid"] and r.ack_in_time
    form = {k: v[0] for k, v in parse_qs(app.requests[-1]["body"].decode()).items()}
    assert form["command"] == "/sf" and form["text"] == "lookup ada@example.com"
    assert form["user_name"] == "ada" and form["channel_name"] == "support"
    assert form["response_url"].startswith(drv.fake.base_url) and form["trigger_id"].count(".") == 2
    body = b"token=x&command=%2Fsf"
    assert (
        drv.send(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64).status_code
        == 401
    )
    assert (
        drv.send(
            body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600
        ).status_code
        == 401
    )
    ev = drv.event({"type": "app_mention", "user": "U1", "text": "<@U0BOT> hi", "channel": "C1"})
    assert ev.status_code == 200 and app.requests[-1]["valid"]
    env = json.loads(app.requests[-1]["body"])
    assert (
        env["type"] == "event_callback"
        and env["event"]["event_ts"]
        and env["event_id"].startswith("Ev")
    )


def test_driver_block_actions_from_message_and_strictness(app, drv, fs, client):
    posted = client.chat_postMessage(
        channel="C1",
        text="case",
        blocks=[
            {
                "type": "actions",
                "block_id": "acts",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "close_case",
                        "value": "500x",
                        "text": {"type": "plain_text", "text": "Close"},
                    }
                ],
            }
        ],
    )["message"]
    drv.click("close_case", user_id="U1", channel_id="C1", message=posted)
    p = app.payload()
    assert p["type"] == "block_actions" and p["actions"][0]["value"] == "500x"
    assert p["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert p["user"] == {"id": "U1", "username": "ada", "name": "ada", "team_id": "T0001"}
    assert p["response_url"] and p["trigger_id"] and p["message"]["ts"] == posted["ts"]
    with pytest.raises(ValueError, match="no element"):
        drv.click("delete_everything", user_id="U1", channel_id="C1", message=posted)


def test_driver_view_submission_applies_response_actions(app, drv, fs, client):
    v = client.views_open(trigger_id=fs.issue_trigger_id("U1"), view=modal())["view"]
    with pytest.raises(ValueError, match="required inputs"):
        drv.view_submission(v, {}, user_id="U1")
    app.acks.append((200, json.dumps({"response_action": "errors", "errors": {"email": "Bad"}})))
    drv.view_submission(v, {"email": {"value": "nope"}, "kind": {"pick": "lead"}}, user_id="U1")
    sent = app.payload()["view"]
    assert sent["state"]["values"]["kind"]["pick"]["selected_option"]["value"] == "lead"
    assert sent["state"]["values"]["email"]["value"] == {
        "type": "plain_text_input",
        "value": "nope",
    }
    assert drv.acks[-1]["invalid"] == [] and fs.view_stacks  # still open
    app.acks.append(
        (200, json.dumps({"response_action": "update", "view": modal("Done", [SECTION])}))
    )
    drv.view_submission(v, {"email": {"value": "ada@example.com"}}, user_id="U1")
    assert fs.views[v["id"]]["title"]["text"] == "Done"
    app.acks.append((200, json.dumps({"response_action": "errors", "errors": {"nope": "x"}})))
    drv.view_submission(v, {}, user_id="U1")
    assert fs.invalid_calls[-1]["method"] == "ack:view_submission"
    drv.view_submission(v, {}, user_id="U1")  # empty ack closes the modal
    assert not fs.view_stacks
    with pytest.raises(ValueError, match="closed"):
        drv.view_submission(v, {}, user_id="U1")
