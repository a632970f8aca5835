"""`SFBOT_LOG_FORMAT=json` at DEBUG (issue 13): one JSON object per line, a request id tying the
ack, the Salesforce call and the reply together, and no secret anywhere in the output."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.harness import (
    AGENT,
    BOT_TOKEN,
    CC_CLIENT_SECRET,
    SIGNING_SECRET,
    SfbotApp,
    new_app,
)
from tests.e2e.test_commands import command
from tests.e2e.test_create_update import (
    NAME,
    card_for,
    create_values,
    ids_of,
    new_id,
    open_create,
    unique,
)

JSON_DEBUG = {"SFBOT_LOG_FORMAT": "json", "SFBOT_LOG_LEVEL": "DEBUG"}


@pytest.fixture(scope="module")
def sfbot(tmp_path_factory, sf, slack) -> Iterator[SfbotApp]:
    app = new_app(tmp_path_factory.mktemp("sfbot"), sf, slack)
    app.env.update(JSON_DEBUG)  # the CLI's `connect` logs as JSON at DEBUG too
    app.connect()
    app.start()
    yield app
    app.stop()


def lines(sfbot) -> list[dict]:
    out = []
    for raw in sfbot.log().splitlines():
        if raw.strip():
            entry = json.loads(raw)  # every line is one JSON object
            assert {"ts", "level", "logger", "message", "request_id"} <= entry.keys()
            out.append(entry)
    return out


def ack_id(entries: list[dict], kind: str, seen: set[str]) -> str:
    ids = [
        e["request_id"]
        for e in entries
        if e["logger"] == "sfbot.requests" and f"acked {kind}" in e["message"]
    ]
    fresh = [i for i in ids if i not in seen]
    assert fresh, ids
    return fresh[-1]


def with_id(entries: list[dict], request_id: str) -> list[dict]:
    return [e for e in entries if e["request_id"] == request_id]


def test_one_request_id_ties_ack_salesforce_call_and_reply(sfbot, driver, slack, sf):
    sf.insert("Lead", {"LastName": "Logline", "Company": "Json", "Email": "log.e2e@example.com"})
    command(driver, slack, "lookup log.e2e@example.com")
    entries = lines(sfbot)
    rid = ack_id(entries, "slash_command", set())
    mine = with_id(entries, rid)
    assert any(e["message"] == "Salesforce call for lookup_record: ok" for e in mine), mine
    # the reply to the response_url, logged by slack_sdk's webhook client on a pool thread
    assert any(e["logger"].startswith("slack_sdk.webhook") for e in mine), mine
    assert len({e["thread"] for e in mine}) >= 2  # the id followed the work across threads

    view = open_create(driver, slack, "create account")
    n, before = len(slack.calls), ids_of(sf, "Account")
    r = driver.view_submission(
        view, create_values("account", **{NAME: unique("Json Ltd ")}), user_id=AGENT
    )
    assert r.ack_in_time
    card_for(slack, new_id(sf, "Account", before), n)
    entries = lines(sfbot)
    rid = ack_id(entries, "view_submission", set())
    mine = with_id(entries, rid)
    assert any(e["message"] == "Salesforce call for create_record: ok" for e in mine), mine
    assert any("chat.postEphemeral" in e["message"] for e in mine), mine


def test_no_secret_reaches_the_log_at_debug(sfbot, driver, slack, sf):
    sf.expire_all_tokens()  # a token refresh, logged at DEBUG by requests and urllib3
    command(driver, slack, "lookup nobody.e2e@example.com")
    connect = sfbot.connect()  # again: the CLI's own DEBUG output
    text = sfbot.log() + connect.stdout + connect.stderr
    assert '"level": "DEBUG"' in text
    secrets = [BOT_TOKEN, SIGNING_SECRET, CC_CLIENT_SECRET, sfbot.env["SFBOT_SECRET_KEY"]]
    secrets += list(sf.oauth.access) + list(sf.oauth.refresh)
    assert len(sf.oauth.access) >= 2
    for secret in secrets:
        assert secret not in text, f"a secret is in the log: {secret[:6]}..."
