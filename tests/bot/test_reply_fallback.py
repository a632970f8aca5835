"""reply_privately: a failing response_url becomes an ephemeral, else a DM (issue 7, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from slack_sdk import WebClient

from bot.reply_fallback import reply_privately
from tests.fakes.slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token="xoxb-fb") as f:
        f.add_user("U1", "ada")
        f.add_channel("C1", "general")
        f.add_channel("C2", "private", members=["U0BOT"])
        yield f


def responder(status: int):
    sent: list[dict] = []

    def respond(**message):
        sent.append(message)
        return SimpleNamespace(status_code=status)

    respond.sent = sent  # type: ignore[attr-defined]
    return respond


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-fb", base_url=fake.api_url)


def test_a_working_response_url_is_all_there_is(fake):
    respond = responder(200)
    reply_privately(respond, client(fake), user_id="U1", channel_id="C1", text="hi")
    assert respond.sent == [{"response_type": "ephemeral", "text": "hi", "blocks": None}]
    assert fake.calls == []


def test_a_500_becomes_an_ephemeral_in_the_channel(fake, caplog):
    reply_privately(responder(500), client(fake), user_id="U1", channel_id="C1", text="hi")
    [call] = fake.calls_to("chat.postEphemeral")
    assert (call["args"]["channel"], call["args"]["user"]) == ("C1", "U1")
    assert "response_url failed (HTTP 500)" in caplog.text


def test_an_ephemeral_refused_becomes_a_dm(fake):
    reply_privately(responder(500), client(fake), user_id="U1", channel_id="C2", text="hi")
    assert fake.calls_to("chat.postEphemeral")[0]["response"]["error"] == "user_not_in_channel"
    [dm] = fake.calls_to("chat.postMessage")
    assert dm["args"]["channel"] == "U1" and dm["response"]["ok"] is True
