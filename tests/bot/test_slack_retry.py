"""make_client never repeats a Slack write after a 5xx or a dropped connection (issue 7,
item 4), but still waits out 429s and retries what never reached Slack."""

from __future__ import annotations

from collections.abc import Iterator
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState

from bot.app import make_client
from bot.config import Settings
from bot.slack_retry import SafeConnectionErrorRetryHandler
from tests.fakes.slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token="xoxb-retry") as f:
        f.add_channel("C1", "general")
        f.add_user("U1", "ada")
        yield f


@pytest.fixture
def client(fake: FakeSlack):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN="xoxb-retry",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake.api_url,
    )
    return make_client(settings)


@pytest.mark.parametrize("status", [500, 503])
def test_post_message_is_not_repeated_after_a_server_error(fake, client, status):
    fake.fail_next("chat.postMessage", error="internal_error", status=status)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hello")
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_post_ephemeral_is_not_repeated_after_a_server_error(fake, client):
    fake.fail_next("chat.postEphemeral", error="internal_error", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postEphemeral(channel="C1", user="U1", text="hello")
    assert len(fake.calls_to("chat.postEphemeral")) == 1


def test_reads_are_retried_after_a_server_error(fake, client):
    fake.fail_next("users.info", error="internal_error", status=500)
    assert client.users_info(user="U1")["ok"] is True
    assert len(fake.calls_to("users.info")) == 2


def test_rate_limited_post_is_retried_after_retry_after(fake, client):
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="hello")["ok"] is True
    assert len(fake.calls_to("chat.postMessage")) == 2


def _can_retry(method: str, error: Exception) -> bool:
    request = HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})
    return SafeConnectionErrorRetryHandler(max_retry_count=2).can_retry(
        state=RetryState(), request=request, error=error
    )


def test_connection_errors_retry_writes_only_when_nothing_was_sent():
    refused = URLError(ConnectionRefusedError(111, "Connection refused"))
    assert _can_retry("chat.postMessage", refused)
    assert not _can_retry("chat.postMessage", RemoteDisconnected("gone"))
    assert not _can_retry("chat.postEphemeral", ConnectionResetError())
    assert _can_retry("users.info", ConnectionResetError())
    assert _can_retry("views.update", RemoteDisconnected("gone"))
