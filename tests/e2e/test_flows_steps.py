"""The step kinds the shipped examples do not use, end to end: update_record and delete_record
from a reaction, a DM to a user, and a schedule trigger posting to a channel."""

from __future__ import annotations

from tests.e2e.flows_fixtures import (
    CUSTOMER,
    apply_files,
    runs,
    thread_replies,
    wait_runs_done,
    wait_until,
    write_flow,
)
from tests.e2e.harness import AGENT

INBOUND = "C0INBOUND1"
CLOSE_CASE = """name: close-case
description: "A :white_check_mark: on a message naming a case closes it, then tells the reactor"
trigger:
  reaction:
    emoji: white_check_mark
    channel: "#inbound"
    match: 'case (?P<id>500\\w{12,15})'
steps:
  - id: closed
    update_record: {id: "{{ trigger.match.id }}", fields: {Status: Closed}}
  - post_message: {user: "{{ trigger.reactor }}", text: "Closed case {{ trigger.match.id }}"}
"""
DROP_LEAD = """name: drop-lead
trigger:
  reaction:
    emoji: wastebasket
    channel: "#inbound"
    match: 'spam (?P<id>00Q\\w{12,15})'
steps:
  - delete_record: {object_id: "{{ trigger.match.id }}"}
  - post_message: {thread: true, text: "Deleted {{ trigger.match.id }}"}
"""
EVERY_MINUTE = """name: every-minute
trigger:
  schedule: {cron: "* * * * *", timezone: Europe/Paris}
steps:
  - post_message: {channel: "#inbound", text: "Scheduled at {{ trigger.scheduled_at }}"}
"""


def test_update_delete_dm_and_a_schedule(flow_app, flow_slack, flow_sf, tmp_path):
    files = [
        write_flow(tmp_path, n, t)
        for n, t in (("a.yml", CLOSE_CASE), ("b.yml", DROP_LEAD), ("c.yml", EVERY_MINUTE))
    ]
    apply_files(flow_app, *files)
    flow_app.stop()  # (a running sfbot picks new flows up within seconds; this is quicker)
    flow_app.start()

    case = flow_sf.insert("Case", {"Subject": "Printer on fire", "Status": "New"})
    msg = flow_slack.user_posts(INBOUND, CUSTOMER, f"case {case} is solved")
    flow_slack.user_reacts(INBOUND, msg["ts"], AGENT, "white_check_mark")
    (run,) = wait_runs_done(flow_app, "close-case", 1)
    assert run["status"] == "succeeded", run
    assert flow_sf.get(case)["Status"] == "Closed"
    dm = wait_until(lambda: flow_slack.messages("D" + AGENT[1:]), what="the DM")
    assert dm[-1]["text"] == f"Closed case {case}"

    lead = flow_sf.insert("Lead", {"LastName": "Spam", "Company": "Spam Inc"})
    spam = flow_slack.user_posts(INBOUND, AGENT, f"spam {lead}")
    flow_slack.user_reacts(INBOUND, spam["ts"], AGENT, "wastebasket")
    (run,) = wait_runs_done(flow_app, "drop-lead", 1)
    assert run["status"] == "succeeded", run
    assert flow_sf.get(lead) is None
    (said,) = wait_until(lambda: thread_replies(flow_slack, INBOUND, spam["ts"]), what="reply")
    assert said["text"] == f"Deleted {lead}"

    (run,) = wait_runs_done(flow_app, "every-minute", 1, timeout=150)
    assert run["status"] == "succeeded" and run["trigger_key"].startswith("schedule:")
    posted = [m for m in flow_slack.messages(INBOUND) if m["text"].startswith("Scheduled at ")]
    assert posted and posted[0]["text"].endswith(":00+00:00")  # trigger.scheduled_at, in UTC
    flow_app.cli("flow", "disable", "every-minute")
    assert len(runs(flow_app, "close-case")) == 1
    flow_slack.assert_no_invalid_calls()
