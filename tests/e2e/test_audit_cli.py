"""`sfbot audit`: the audit log written by Slack actions, read from the command line."""

from __future__ import annotations

import json

from tests.e2e.harness import AGENT, CHANNEL, OWNER


def lookup(driver, slack, text: str, user: str) -> None:
    r = driver.slash_command("/sf", f"lookup {text}", user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    url = r.payload["response_url"]
    slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)


def audit_json(sfbot, *args: str) -> list[dict]:
    result = sfbot.cli("audit", "--json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    body = json.loads(result.stdout)
    assert body["count"] == len(body["entries"])
    return body["entries"]


def test_audit_lists_slack_actions_newest_first(driver, slack, sf, sfbot):
    lead = sf.insert(
        "Lead", {"LastName": "Audited", "Company": "Log", "Email": "a.e2e@example.com"}
    )
    lookup(driver, slack, "a.e2e@example.com", AGENT)
    lookup(driver, slack, "nobody.e2e@example.com", OWNER)
    entries = audit_json(sfbot)
    assert [e["slack_user_id"] for e in entries[:2]] == [OWNER, AGENT]
    mine = entries[1]
    assert mine["action"] == "lookup_record"
    assert mine["outcome"] == "ok"
    assert mine["channel_id"] == CHANNEL
    assert mine["record_ids"] == [lead]
    assert "a.e2e@example.com" not in json.dumps(entries)  # no free text in the audit log


def test_audit_filters_by_user_since_and_limit(driver, slack, sfbot):
    lookup(driver, slack, "filter.e2e@example.com", AGENT)
    assert {e["slack_user_id"] for e in audit_json(sfbot, "--user", AGENT)} == {AGENT}
    assert audit_json(sfbot, "--since", "1h", "--user", AGENT)
    assert len(audit_json(sfbot, "--limit", "1")) == 1
    assert audit_json(sfbot, "--since", "2999-01-01") == []
    assert audit_json(sfbot, "--since", "2000-01-01T00:00:00+02:00")


def test_audit_table_output(driver, slack, sfbot):
    lookup(driver, slack, "table.e2e@example.com", AGENT)
    result = sfbot.cli("audit", "--limit", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("at (UTC)")
    assert AGENT in lines[1] and "lookup_record" in lines[1]
    empty = sfbot.cli("audit", "--since", "2999-01-01")
    assert empty.stdout.strip() == "No audit entries."


def test_audit_bad_since_exits_2_with_a_json_error(sfbot):
    result = sfbot.cli("audit", "--since", "nonsense")
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "INVALID_SINCE"
    assert error["fields"] == ["since"]
    assert "7d" in error["message"]
