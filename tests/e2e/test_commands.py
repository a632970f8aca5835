"""`/sf help`, `/sf lookup`, request verification and robustness, over real HTTP."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlencode

import pytest

from tests.e2e.harness import AGENT, CHANNEL


def command(driver, slack, text: str, user: str = AGENT) -> tuple[object, dict]:
    """Send `/sf <text>`; return the ack and the reply posted to its response_url."""
    r = driver.slash_command("/sf", text, user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200
    assert r.ack_in_time
    url = r.payload["response_url"]
    reply = slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)
    return r, reply["body"]


def all_text(body: dict) -> str:
    return json.dumps(body.get("blocks", [])) + body.get("text", "")


def test_help_lists_every_subcommand_with_examples(driver, slack):
    _, body = command(driver, slack, "help")
    assert body["response_type"] == "ephemeral"
    text = all_text(body)
    for sub in ("help", "lookup"):
        assert f"/sf {sub}" in text
    assert "e.g." in text
    slack.assert_no_invalid_calls()


def test_empty_command_shows_help_and_unknown_is_explained(driver, slack):
    _, body = command(driver, slack, "")
    assert "/sf lookup" in all_text(body)
    _, body = command(driver, slack, "frobnicate now")
    assert "not a command" in body["text"]


def test_lookup_by_email_shows_a_private_card(driver, slack, sf):
    lead = sf.insert(
        "Lead",
        {
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "Company": "Analytical",
            "Email": "ada.e2e@example.com",
        },
    )
    _, body = command(driver, slack, "lookup ada.e2e@example.com")
    assert body["response_type"] == "ephemeral"
    text = all_text(body)
    assert lead in text
    assert "Ada Lovelace" in text
    assert "/lightning/r/Lead/" in text
    action_ids = {
        e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert {"sf_record_update", "sf_record_convert", "sf_record_delete"} <= action_ids
    slack.assert_no_invalid_calls()


def test_lookup_shows_at_most_ten_and_says_how_many_more(driver, slack, sf):
    for i in range(13):
        sf.insert(
            "Contact",
            {"FirstName": f"Many{i}", "LastName": "Zebrafinch", "Email": f"z{i}@example.com"},
        )
    _, body = command(driver, slack, "lookup contact Zebrafinch")
    cards = [
        b for b in body["blocks"] if b["type"] == "section" and "card:" in b.get("block_id", "")
    ]
    assert len(cards) == 10
    assert "3 more" in all_text(body)


def test_lookup_nothing_found_and_bad_input(driver, slack):
    _, body = command(driver, slack, "lookup nobody-here@example.com")
    assert "No Salesforce records match" in all_text(body)
    _, body = command(driver, slack, "lookup 00Q000000000000XYZ")  # bad checksum
    assert "not a valid Salesforce record id" in body["text"]
    _, body = command(driver, slack, "lookup")
    assert "Usage" in body["text"]


def salesforce_requests(sf) -> list[tuple[str, str, str]]:
    """(method, path, decoded q) of every instance request since the last reset_counters."""
    return [
        (r["method"], r["path"].split("/v")[-1], (parse_qs(r["query"]).get("q") or [""])[0])
        for r in sf.request_log
        if r["server"] == "instance"
    ]


def test_lookup_hostile_text_is_only_a_search_term(driver, slack, sf):
    command(driver, slack, "lookup warm.up@example.com")  # describes, if any, are cached now
    sf.reset_counters()
    _, body = command(driver, slack, "lookup } RETURNING User(Id, Username)")
    assert "integration@" not in all_text(body)
    # One request reached Salesforce, the search, and the text is inside FIND {...}, escaped.
    ((method, path, sosl),) = salesforce_requests(sf)
    assert (method, path.split("/", 1)[1]) == ("GET", "search/")
    assert sosl.startswith(r"FIND {\} RETURNING User\(Id, Username\)} IN ")
    assert "User(" not in sosl.split("} IN ", 1)[1]  # nothing was added to RETURNING

    sf.reset_counters()
    _, body = command(driver, slack, "lookup lead x' OR Name != '")
    assert "No Salesforce records match" in all_text(body)
    ((method, path, sosl),) = salesforce_requests(sf)
    assert (method, path.split("/", 1)[1]) == ("GET", "search/")
    # quotes and ! escaped, OR quoted: a search term, not an operator
    assert sosl.startswith(r"""FIND {x\' "OR" Name \!= \'} IN NAME FIELDS RETURNING Lead(""")
    assert "Contact" not in sosl


def test_bad_signature_and_old_timestamp_are_rejected(driver, sfbot):
    body = urlencode({"command": "/sf", "text": "help", "user_id": AGENT}).encode()
    r = driver.send(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert r.status_code == 401
    old = int(time.time()) - 6 * 60
    r = driver.send(body, "application/x-www-form-urlencoded", timestamp=old)
    assert r.status_code == 401


def test_slow_salesforce_still_acks_in_time(driver, slack, sf):
    sf.insert("Lead", {"LastName": "Slowpoke", "Company": "Sloth", "Email": "slow.e2e@example.com"})
    sf.delay = 2.0
    try:
        before = len(slack.responses)
        r = driver.slash_command(
            "/sf", "lookup slow.e2e@example.com", user_id=AGENT, channel_id=CHANNEL
        )
        # The ack did not wait for Salesforce (no wall-clock limit: ordering, not seconds):
        # it carries no result, and the reply had not been posted when it came back.
        assert r.status_code == 200 and "Slowpoke" not in r.text
        assert len(slack.responses) == before
        url = r.payload["response_url"]
        body = slack.wait_for_response(lambda resp: resp["url"] == url, timeout=15)["body"]
    finally:
        sf.delay = 0.0
    assert "Slowpoke" in all_text(body)


def test_expired_token_mid_session_is_refreshed_once(driver, slack, sf):
    sf.insert(
        "Lead", {"LastName": "Refresher", "Company": "Mint", "Email": "fresh.e2e@example.com"}
    )
    before = sf.token_requests
    sf.expire_all_tokens()
    _, body = command(driver, slack, "lookup fresh.e2e@example.com")
    assert "Refresher" in all_text(body)
    assert sf.token_requests == before + 1
    _, body = command(driver, slack, "lookup fresh.e2e@example.com")
    assert sf.token_requests == before + 1


@pytest.mark.parametrize("path", ["/healthz"])
def test_healthz_reports_the_connection(sfbot, path):
    import requests

    r = requests.get(sfbot.url + path, timeout=5)
    assert r.status_code == 200
    assert r.json()["salesforce"]["connected"] is True


def test_lookup_reply_falls_back_to_an_ephemeral_when_the_response_url_fails(
    driver, slack, sf, sfbot
):
    sf.insert("Lead", {"LastName": "Fallback", "Company": "Hooks", "Email": "hook.e2e@example.com"})
    slack.fail_next("response_url", error="internal_error", status=500)
    after = len(slack.calls)
    r = driver.slash_command(
        "/sf", "lookup hook.e2e@example.com", user_id=AGENT, channel_id=CHANNEL
    )
    assert r.status_code == 200
    call = slack.wait_for(
        "chat.postEphemeral", lambda c: c["args"].get("user") == AGENT, timeout=10, after=after
    )
    assert call["response"]["ok"] is True
    assert call["args"]["channel"] == CHANNEL
    assert "Fallback" in json.dumps(call["args"].get("blocks"))
    assert "replying to U0AGENT01 with chat.postEphemeral" in sfbot.log()


def test_views_open_rate_limited_five_times_says_slack_is_busy(driver, slack):
    for _ in range(5):
        slack.fail_next("views.open", status=429, retry_after=0)
    _, body = command(driver, slack, "create lead")
    assert body["text"] == ":hourglass: Slack is busy, try again in a few seconds."
    assert body["response_type"] == "ephemeral"


def test_a_command_whose_text_holds_the_word_payload_is_answered(driver, slack, sf):
    """Bolt takes any form body containing "payload" for an interaction; the guard keeps such
    a command a command."""
    lead = sf.insert(
        "Lead", {"LastName": "Payload", "Company": "P", "Email": "payload@corp.example.com"}
    )
    _, body = command(driver, slack, "lookup payload@corp.example.com")
    assert lead in all_text(body)
