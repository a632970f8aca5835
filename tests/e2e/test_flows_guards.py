"""What keeps flows safe, seen from outside: bad files and template escapes refused by
`sfbot flow apply` with FILE:LINE, a message's text never run as a template, the per-flow
rate limit (runs skipped, the owner told once), a failed run told to its owner, and the
admins' `/sf flow list | runs` with Enable/Disable (a non-admin's click refused by the access
middleware, the flow unchanged)."""

from __future__ import annotations

import json

from tests.e2e.flows_fixtures import (
    CUSTOMER,
    apply_files,
    runs,
    wait_runs_done,
    wait_until,
    write_flow,
)
from tests.e2e.harness import ADMIN, AGENT, OWNER

INBOUND = "C0INBOUND1"
BAD = """name: broken-flow
trigger:
  slack_message:
    channel: "#inbound"
steps:
  - id: find
    lookup_record: {email: "{{ trigger.text }}", colour: red}
  - post_message: {thread: true, text: "{{ ''.__class__.__mro__ }}"}
"""
NO_SUCH_USER = """name: dm-nobody
trigger:
  slack_message:
    channel: "#inbound"
    match: 'broken'
steps:
  - post_message: {user: U0NOBODY00, text: "Slack refuses this: there is no such user"}
"""


def dms_to(slack, user: str) -> list[dict]:
    return [m for m in slack.messages("D" + user[1:])] if "D" + user[1:] in slack.channels else []


def test_bad_files_and_template_escapes_are_refused_with_their_lines(flow_app, tmp_path):
    bad = write_flow(tmp_path, "broken.yml", BAD)
    result = flow_app.cli("flow", "apply", str(bad), "--owner", OWNER)
    assert result.returncode == 2
    problems = json.loads(result.stdout)["error"]["problems"]
    assert any(p.startswith(f"{bad}:7: ") and "colour" in p for p in problems), problems
    assert any(p.startswith(f"{bad}:8: ") and "__class__" in p for p in problems), problems
    listed = json.loads(flow_app.cli("flow", "list", "--json").stdout)["flows"]
    assert "broken-flow" not in {f["name"] for f in listed}


def test_a_messages_text_is_data_never_a_template(flow_app, flow_slack, flow_sf):
    before = len(runs(flow_app, "inbound-leads"))
    flow_slack.user_posts(INBOUND, CUSTOMER, "{{ 7 * 7 }} {{ ''.__class__ }} from zed@acme.test")
    wait_runs_done(flow_app, "inbound-leads", before + 1)
    (lead,) = [r for r in flow_sf.records("Lead") if r.get("Email") == "zed@acme.test"]
    assert lead["Description"] == "{{ 7 * 7 }} {{ ''.__class__ }} from zed@acme.test"


def test_a_failed_run_is_told_to_its_owner(flow_app, flow_slack, tmp_path):
    apply_files(flow_app, write_flow(tmp_path, "dm-nobody.yml", NO_SUCH_USER))
    flow_app.stop()  # (a running sfbot picks a new flow up within seconds; this is quicker)
    flow_app.start()
    flow_slack.user_posts(INBOUND, CUSTOMER, "broken")
    (run,) = wait_runs_done(flow_app, "dm-nobody", 1)
    assert run["status"] == "failed" and run["error"]
    told = wait_until(lambda: dms_to(flow_slack, OWNER), what="the owner's DM")
    assert "dm-nobody" in told[-1]["text"]


def test_runs_over_the_per_minute_limit_are_skipped_and_the_owner_told_once(
    flow_app, flow_slack, flow_sf
):
    flow_app.stop()
    flow_app.start(extra_env={"SFBOT_FLOW_RUNS_PER_MINUTE": "2"})
    before = len(runs(flow_app, "inbound-leads"))
    dms_before = len(dms_to(flow_slack, OWNER))
    for n in range(4):
        flow_slack.user_posts(INBOUND, AGENT, f"burst{n}@acme.test")
    found = wait_runs_done(flow_app, "inbound-leads", before + 4)[:4]
    statuses = sorted(r["status"] for r in found)
    assert statuses.count("skipped") >= 2, statuses
    emails = {r.get("Email") for r in flow_sf.records("Lead")}
    assert len([n for n in range(4) if f"burst{n}@acme.test" in emails]) == 4 - statuses.count(
        "skipped"
    )
    notices = wait_until(lambda: dms_to(flow_slack, OWNER)[dms_before:], what="the owner told")
    assert len(notices) == 1 and "inbound-leads" in notices[0]["text"]
    flow_app.stop()
    flow_app.start()


def test_admins_list_disable_and_see_runs_in_slack(flow_app, flow_slack):
    driver = flow_app.driver()
    r = driver.slash_command("/sf", "flow list", user_id=AGENT, channel_id=INBOUND)
    assert r.status_code == 200
    refused = flow_slack.wait_for_response(lambda x: "admins only" in json.dumps(x["body"]))
    assert refused

    after = len(flow_slack.responses)
    driver.slash_command("/sf", "flow list", user_id=ADMIN, channel_id=INBOUND)
    listed = flow_slack.wait_for_response(after=after)["body"]
    text = json.dumps(listed["blocks"])
    assert "inbound-leads" in text and "note-after-call" in text
    listing = next(e for e in flow_slack.ephemerals if e["user"] == ADMIN)["message"]
    after = len(flow_slack.responses)
    row = "sf_flow_row:inbound-leads"
    driver.click(
        "sf_flow_toggle",
        block_id=row,
        user_id=ADMIN,
        channel_id=INBOUND,
        message=listing,
        ephemeral=True,
    )
    flow_slack.wait_for_response(after=after)
    flows = json.loads(flow_app.cli("flow", "list", "--json").stdout)["flows"]
    assert next(f for f in flows if f["name"] == "inbound-leads")["enabled"] is False
    flow_app.cli("flow", "enable", "inbound-leads")

    after = len(flow_slack.responses)
    driver.slash_command("/sf", "flow runs inbound-leads", user_id=ADMIN, channel_id=INBOUND)
    shown = flow_slack.wait_for_response(after=after)["body"]
    assert "Last runs of inbound-leads" in json.dumps(shown)
    flow_slack.assert_no_invalid_calls()


def test_a_non_admins_click_on_the_flow_list_is_refused_and_changes_nothing(flow_app, flow_slack):
    """The buttons of an admin's list, clicked by an agent: refused by the access middleware
    (audited as admin_only) before the listener, with the command named; the flow stays on."""
    driver = flow_app.driver()
    after = len(flow_slack.responses)
    driver.slash_command("/sf", "flow list", user_id=ADMIN, channel_id=INBOUND)
    flow_slack.wait_for_response(after=after)
    listing = [e for e in flow_slack.ephemerals if e["user"] == ADMIN][-1]["message"]
    for action_id in ("sf_flow_toggle", "sf_flow_runs"):
        r = driver.click(
            action_id,
            block_id="sf_flow_row:inbound-leads",
            user_id=AGENT,
            channel_id=INBOUND,
            message=listing,
            ephemeral=True,
        )
        url = r.payload["response_url"]
        refusal = flow_slack.wait_for_response(lambda x, url=url: x["url"] == url)["body"]
        assert refusal["text"] == ":lock: `/sf flow` is for sfbot admins only."
        assert refusal["replace_original"] is False
    flows = json.loads(flow_app.cli("flow", "list", "--json").stdout)["flows"]
    assert next(f for f in flows if f["name"] == "inbound-leads")["enabled"] is True
    audit = json.loads(flow_app.cli("audit", "--json", "--limit", "50").stdout)["entries"]
    refused = {
        (e["action"], e["error_code"])
        for e in audit
        if e["slack_user_id"] == AGENT and e["outcome"] == "refused"
    }
    assert {("sf_flow_toggle", "admin_only"), ("sf_flow_runs", "admin_only")} <= refused
    flow_slack.assert_no_invalid_calls()
