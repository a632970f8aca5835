"""At DEBUG, sfbot's log holds no unverified request body and no secret (issue 7): neither the
signing secret, the bot token, a Salesforce client secret typed into the connect modal, nor
a Salesforce access token."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.e2e.harness import (
    ADMIN,
    AGENT,
    BOT_TOKEN,
    CC_CLIENT_ID,
    CC_CLIENT_SECRET,
    CHANNEL,
    SIGNING_SECRET,
    SfbotApp,
    new_app,
)
from tests.fakes.slack.driver import sign

MARKER = "unverified-body-marker-5d2e"


@pytest.fixture(scope="module")
def debug_sfbot(tmp_path_factory, sf, slack) -> Iterator[SfbotApp]:
    app = new_app(tmp_path_factory.mktemp("sfbot-debug"), sf, slack)
    app.start(extra_env={"SFBOT_LOG_LEVEL": "DEBUG"})
    yield app
    app.stop()


def test_debug_log_has_no_unverified_body_and_no_secret(debug_sfbot, sf, slack):
    driver = debug_sfbot.driver()
    body = urlencode({"command": "/sf", "text": MARKER, "user_id": AGENT}).encode()
    for ts, sig in (("abc", "v0=1"), (str(int(time.time())), "v0=" + "0" * 64)):
        r = driver.send(body, "application/x-www-form-urlencoded", timestamp=ts, signature=sig)
        assert r.status_code == 401
    stale = str(int(time.time()) - 600)
    r = driver.send(body, "application/x-www-form-urlencoded", timestamp=stale)
    assert r.status_code == 401
    # a signed request whose signature is then checked with the wrong timestamp
    r = driver.send(
        body,
        "application/x-www-form-urlencoded",
        timestamp=str(int(time.time())),
        signature=sign(SIGNING_SECRET, "1", body),
    )
    assert r.status_code == 401

    # connect through the modal (the client secret travels in the view state) and look up
    after = len(slack.calls)
    r = driver.slash_command("/sf", "connect", user_id=ADMIN, channel_id=CHANNEL)
    view = slack.wait_for("views.open", after=after)["response"]["view"]
    values = {
        "sf_login_url": {"sf_field_input": sf.login_url},
        "sf_client_id": {"sf_field_input": CC_CLIENT_ID},
        "sf_client_secret": {"sf_field_input": CC_CLIENT_SECRET},
    }
    ack = driver.view_submission(view, values, user_id=ADMIN).json()
    assert ack.get("response_action") == "update", ack
    r = driver.slash_command("/sf", "lookup nobody@example.com", user_id=AGENT, channel_id=CHANNEL)
    url = r.payload["response_url"]
    slack.wait_for_response(lambda resp: resp["url"] == url, timeout=15)

    log = debug_sfbot.log()
    assert " DEBUG " in log  # the level really is DEBUG
    assert MARKER not in log
    secrets = {
        "signing secret": SIGNING_SECRET,
        "bot token": BOT_TOKEN,
        "client secret": CC_CLIENT_SECRET,
        **{f"access token {i}": t for i, t in enumerate(sf.oauth.access)},
        **{f"refresh token {i}": t for i, t in enumerate(sf.oauth.refresh)},
    }
    leaked = [name for name, value in secrets.items() if value in log]
    assert leaked == [], leaked
    assert json.dumps(CC_CLIENT_SECRET)[1:-1] not in log
