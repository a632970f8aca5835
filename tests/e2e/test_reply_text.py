"""Reply fallback text escapes what users typed, like the blocks do (issue 7.7)."""

from __future__ import annotations

from tests.e2e.harness import AGENT, CHANNEL


def reply(driver, slack, text: str) -> dict:
    r = driver.slash_command("/sf", text, user_id=AGENT, channel_id=CHANNEL)
    assert r.ack_in_time
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=15)["body"]


def test_lookup_fallback_text_escapes_the_query(driver, slack, sf):
    sf.insert("Account", {"Name": "Escape Co"})
    body = reply(driver, slack, "lookup Escape <!channel> & co")
    assert "<!channel>" not in body["text"]
    assert "match Escape &lt;!channel&gt; &amp; co" in body["text"]


def test_unknown_subcommand_text_is_escaped(driver, slack):
    body = reply(driver, slack, "<!here>")
    assert "<!here>" not in body["text"] and "&lt;!here&gt;" in body["text"]
