"""slack_message triggers end to end: the shipped inbound-leads example driven by signed
Events API deliveries (both branches of its ``if``), Slack's retries with the same event_id,
and the messages that start nothing (bots', sfbot's own, edits, deletions, thread replies,
non-matching text)."""

from __future__ import annotations

from tests.e2e.flows_fixtures import (
    CUSTOMER,
    runs,
    thread_replies,
    wait_runs_done,
    wait_until,
)
from tests.e2e.harness import AGENT

INBOUND = "C0INBOUND1"


def test_a_new_email_becomes_a_lead_and_a_known_one_is_found(flow_app, flow_slack, flow_sf):
    msg = flow_slack.user_posts(INBOUND, CUSTOMER, "Hello, please write to dora@acme.test")
    wait_runs_done(flow_app, "inbound-leads", 1)
    leads = [r for r in flow_sf.records("Lead") if r.get("Email") == "dora@acme.test"]
    assert len(leads) == 1
    lead = leads[0]
    assert (lead["LastName"], lead["Company"]) == ("Customer", "From Slack")
    assert lead["Description"] == "Hello, please write to dora@acme.test"
    (reply,) = wait_until(lambda: thread_replies(flow_slack, INBOUND, msg["ts"]), what="reply")
    assert reply["text"] == f"Created lead {lead['Id']}"
    assert any(b["type"] == "section" and lead["Id"] in str(b) for b in reply["blocks"])

    again = flow_slack.user_posts(INBOUND, AGENT, "dora@acme.test wrote again")
    wait_runs_done(flow_app, "inbound-leads", 2)
    (reply,) = wait_until(lambda: thread_replies(flow_slack, INBOUND, again["ts"]), what="reply")
    assert reply["text"] == f"Already in Salesforce: {lead['Id']}"
    latest, first = runs(flow_app, "inbound-leads")[:2]
    assert [s["kind"] for s in first["steps"]] == [
        "lookup_record",
        "if",
        "create_record",
        "post_message",
    ]
    assert [s["kind"] for s in latest["steps"]] == ["lookup_record", "if", "post_message"]
    assert latest["trigger_key"].startswith("slack:Ev")
    flow_slack.assert_no_invalid_calls()


def test_slacks_retries_of_one_event_run_the_flow_once(flow_app, flow_slack, flow_sf):
    driver = flow_app.driver()
    before = len(runs(flow_app, "inbound-leads"))
    msg = flow_slack.user_posts(INBOUND, AGENT, "retry.me@acme.test")  # delivered once
    wait_runs_done(flow_app, "inbound-leads", before + 1)
    event = {**msg, "channel": INBOUND, "channel_type": "channel", "event_ts": msg["ts"]}
    first = next(e["event_id"] for e in flow_slack.events.events if e["event"] == event)
    for n in (1, 2, 3):  # Slack retrying: same event_id, X-Slack-Retry-Num
        r = driver.event(event, event_id=first, retry_num=n, retry_reason="http_timeout")
        assert r.status_code == 200 and r.ack_in_time
    flow_slack.events.wait_idle()
    assert len(runs(flow_app, "inbound-leads")) == before + 1
    assert len([r for r in flow_sf.records("Lead") if r.get("Email") == "retry.me@acme.test"]) == 1


def test_what_is_not_a_persons_new_matching_message_starts_nothing(flow_app, flow_slack):
    before = len(runs(flow_app, "inbound-leads"))
    parent = flow_slack.user_posts(INBOUND, AGENT, "no address here")
    flow_slack.user_posts(INBOUND, CUSTOMER, "reply with erin@acme.test", thread_ts=parent["ts"])
    flow_slack.user_edits(INBOUND, parent["ts"], "now with frank@acme.test")
    flow_slack.user_deletes(INBOUND, parent["ts"])
    flow_slack.integration_posts(INBOUND, "webhook says gina@acme.test")
    flow_slack.events.wait_idle()
    assert {d.status for d in flow_slack.events.deliveries} == {200}  # all acked, none retried
    assert not [d for d in flow_slack.events.deliveries if d.retry_num]
    # a matching message sent after them: once its run is done, nothing else has run
    flow_slack.user_posts(INBOUND, AGENT, "sentinel hank@acme.test")
    found = wait_runs_done(flow_app, "inbound-leads", before + 1)
    assert len(found) == before + 1
