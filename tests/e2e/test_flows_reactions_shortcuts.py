"""reaction and shortcut triggers end to end, with the shipped examples: :memo: on a message in
a private channel logs it on the contact it names (and on a thread reply, read with
conversations.replies); "Run a Salesforce flow" on a customer's message posts their contact's
card in the thread. Both branches of each example's ``if``."""

from __future__ import annotations

from bot.ids import ActionId, BlockId
from tests.e2e.flows_fixtures import (
    CUSTOMER,
    MANAGER,
    runs,
    thread_replies,
    wait_runs_done,
    wait_until,
)
from tests.e2e.harness import AGENT

SUPPORT = "C0SUPPORT2"  # private: message.groups and groups:history
SALES = "C0SALES001"


def tasks_on(sf, who_id: str) -> list[dict]:
    return [t for t in sf.records("Task") if t.get("WhoId") == who_id]


def test_memo_on_a_message_logs_it_on_the_contact_it_names(flow_app, flow_slack, flow_sf):
    contact = flow_sf.insert("Contact", {"LastName": "Ivy", "Email": "ivy@acme.test"})
    msg = flow_slack.user_posts(SUPPORT, CUSTOMER, "Call notes: ivy@acme.test wants a quote")
    flow_slack.user_reacts(SUPPORT, msg["ts"], AGENT, "thumbsup")  # not this flow's emoji
    flow_slack.user_reacts(SUPPORT, msg["ts"], AGENT, "memo")
    (run,) = wait_runs_done(flow_app, "note-after-call", 1)
    assert run["status"] == "succeeded", run
    (task,) = tasks_on(flow_sf, contact)
    assert task["Subject"] == "Slack note from Carol Customer"
    assert "Call notes: ivy@acme.test wants a quote" in task["Description"]
    assert "/archives/C0SUPPORT2/p" in task["Description"]  # the permalink
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SUPPORT, msg["ts"]), what="reply")
    assert reply["text"] == f"Logged on Ivy for <@{AGENT}>."
    assert flow_slack.calls_to("conversations.history")  # the reacted message was read


def test_memo_on_a_thread_reply_and_on_an_unknown_address(flow_app, flow_slack, flow_sf):
    contact = flow_sf.insert("Contact", {"LastName": "Jude", "Email": "jude@acme.test"})
    parent = flow_slack.user_posts(SUPPORT, AGENT, "Who called today?")
    reply = flow_slack.user_posts(SUPPORT, CUSTOMER, "jude@acme.test did", thread_ts=parent["ts"])
    flow_slack.user_reacts(SUPPORT, reply["ts"], MANAGER, "memo")
    wait_runs_done(flow_app, "note-after-call", 2)
    assert len(tasks_on(flow_sf, contact)) == 1
    assert flow_slack.calls_to("conversations.replies")

    unknown = flow_slack.user_posts(SUPPORT, CUSTOMER, "nobody@nowhere.test called")
    flow_slack.user_reacts(SUPPORT, unknown["ts"], AGENT, "memo")
    latest = wait_runs_done(flow_app, "note-after-call", 3)[0]
    assert latest["status"] == "succeeded"
    assert [s["kind"] for s in latest["steps"]][-2:] == ["post_message", "stop"]
    (said,) = wait_until(lambda: thread_replies(flow_slack, SUPPORT, unknown["ts"]), what="reply")
    assert said["text"] == f"<@{AGENT}>: no contact has nobody@nowhere.test; nothing logged."
    flow_slack.assert_no_invalid_calls()


def run_shortcut(flow_app, flow_slack, msg: dict, channel: str, user: str) -> None:
    driver = flow_app.driver()
    after = len(flow_slack.calls)
    r = driver.message_action("sf_run_flow", message=msg, channel_id=channel, user_id=user)
    assert r.status_code == 200 and r.ack_in_time
    opened = flow_slack.wait_for("views.open", after=after, timeout=30)
    view = opened["response"]["view"]
    picker = view["blocks"][0]["element"]
    assert [o["value"] for o in picker["options"]] == ["lookup-before-escalating"]
    assert picker["options"][0]["text"]["text"] == "Look up the contact before escalating"
    choice = {BlockId.FLOW_PICK: {ActionId.FLOW_PICK: "lookup-before-escalating"}}
    r = driver.view_submission(view, choice, user_id=user)
    assert r.status_code == 200 and r.json()["response_action"] == "update"


def test_the_shortcut_posts_the_authors_contact_in_the_thread(flow_app, flow_slack, flow_sf):
    contact = flow_sf.insert(
        "Contact", {"FirstName": "Carol", "LastName": "Customer", "Email": "carol@acme.test"}
    )
    msg = flow_slack.user_posts(SALES, CUSTOMER, "Our integration is down again!")
    run_shortcut(flow_app, flow_slack, msg, SALES, AGENT)
    (run,) = wait_runs_done(flow_app, "lookup-before-escalating", 1)
    assert run["status"] == "succeeded" and run["trigger_key"].startswith("shortcut:")
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SALES, msg["ts"]), what="reply")
    assert reply["text"] == f"<@{AGENT}> looked up <@{CUSTOMER}> before escalating:"
    assert contact in str(reply["blocks"])  # the record card

    other = flow_slack.user_posts(SALES, MANAGER, "Same here")  # no contact for max.manager
    run_shortcut(flow_app, flow_slack, other, SALES, AGENT)
    wait_runs_done(flow_app, "lookup-before-escalating", 2)
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SALES, other["ts"]), what="reply")
    assert reply["text"] == "No contact has max.manager@example.com in Salesforce."
    assert len(runs(flow_app, "lookup-before-escalating")) == 2
    flow_slack.assert_no_invalid_calls()
