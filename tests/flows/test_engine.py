"""The flow engine against the Salesforce emulator and a fake Slack port: each step kind, both
branches of ``if``, stop, exactly once, failures and outcome_unknown told to the owner."""

from __future__ import annotations

from storage.audit_store import AuditStore
from tests.flows.conftest import OWNER, message, run_event

INBOUND = """
name: inbound-leads
description: A lead for every new email address written in #inbound
trigger:
  slack_message:
    channel: "#inbound"
    match: '(?P<email>[\\w.+-]+@[\\w-]+\\.[\\w.-]+)'
steps:
  - id: find
    lookup_record: {email: "{{ trigger.match.email }}"}
  - if: "steps.find.count == 0"
    then:
      - id: lead
        create_record:
          object: lead
          name: "{{ trigger.user_name }}"
          email: "{{ trigger.match.email }}"
          description: "{{ trigger.text }}"
          fields: {Company: "From Slack"}
      - post_message: {thread: true, text: "Created lead {{ steps.lead.id }}"}
    else:
      - post_message: {thread: true, text: "Already in Salesforce: {{ steps.find.records[0].id }}"}
"""


def test_issue_example_creates_a_lead_then_finds_it(apply, engine, emu, slack, ctx):
    assert apply(INBOUND) == []
    run_event(engine, message("hi, write to grace@example.org please", event_id="Ev1"))
    leads = [r for r in emu.records("Lead") if r["Email"] == "grace@example.org"]
    assert len(leads) == 1 and leads[0]["Company"] == "From Slack"
    assert leads[0]["LastName"] == "Lovelace"
    assert slack.posts[-1]["text"] == f"Created lead {leads[0]['Id']}"
    assert slack.posts[-1]["to"].thread_ts == "1700000100.000100"

    run_event(engine, message("again grace@example.org", event_id="Ev2", ts="1700000200.000100"))
    assert slack.posts[-1]["text"] == f"Already in Salesforce: {leads[0]['Id']}"
    assert len([r for r in emu.records("Lead") if r["Email"] == "grace@example.org"]) == 1

    runs = engine.runs("inbound-leads")
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    first = runs[1]
    assert [(s["id"], s["kind"], s["status"]) for s in first["steps"]] == [
        ("find", "lookup_record", "succeeded"),
        (None, "if", "succeeded"),
        ("lead", "create_record", "succeeded"),
        (None, "post_message", "succeeded"),
    ]
    assert first["steps"][2]["input"]["email"] == "grace@example.org"
    assert first["steps"][1]["output"] == {"result": True}
    audit = AuditStore(ctx.db).entries()
    sources = {(e.source, e.action, e.outcome) for e in audit}
    assert ("flow:inbound-leads", "create_record", "ok") in sources
    assert ("flow:inbound-leads", "lookup_record", "ok") in sources
    created = next(e for e in audit if e.action == "create_record")
    assert created.slack_user_id == "U0WRITER1" and leads[0]["Id"] in created.record_ids


def test_an_event_runs_each_flow_once_across_retries_and_engines(apply, engine, make_engine, emu):
    assert apply(INBOUND) == []
    other = make_engine()
    event = message("new: once@example.org", event_id="EvSame")
    first = run_event(engine, event)
    again = run_event(other, event)  # Slack's retry, delivered to another replica
    assert first[0] is not None and again == [None]
    assert len([r for r in emu.records("Lead") if r["Email"] == "once@example.org"]) == 1


def test_messages_that_do_not_match_start_nothing(apply, engine):
    assert apply(INBOUND) == []
    assert run_event(engine, message("no address here")) == []
    assert run_event(engine, message("a@b.co", channel="C0SALES001")) == []
    reply = message("reply a@b.co", thread_ts="1700000000.000001", ts="1700000001.000001")
    assert run_event(engine, reply) == []  # thread replies need threads: true
    assert engine.runs() == []


def test_stop_and_log_activity_and_post_with_record_card(apply, engine, emu, slack):
    lead = emu.insert("Lead", {"LastName": "Hopper", "Company": "Navy", "Email": "g@navy.mil"})
    assert (
        apply(
            f"""
            name: note
            trigger:
              slack_message: {{channel: C0SALES001}}
            steps:
              - id: note
                log_activity: {{record_id: "{lead}", subject: "Slack", text: "{{{{ trigger.text }}}}"}}
              - post_message: {{channel: "#sales", text: "noted {{{{ steps.note.task_id }}}}", record_id: "{lead}"}}
              - stop: {{}}
              - post_message: {{channel: C0SALES001, text: never}}
            """
        )
        == []
    )
    run_event(engine, message("called her", channel="C0SALES001"))
    tasks = emu.records("Task")
    assert len(tasks) == 1 and tasks[0]["Description"] == "called her" and tasks[0]["WhoId"] == lead
    assert [p["text"] for p in slack.posts] == [f"noted {tasks[0]['Id']}"]
    assert slack.posts[0]["record"]["id"] == lead
    assert engine.runs()[0]["status"] == "succeeded"


def test_a_failed_step_fails_the_run_and_tells_the_owner(apply, engine, slack, emu):
    assert (
        apply(
            """
            name: bad-update
            trigger:
              slack_message: {channel: C0SALES001}
            steps:
              - update_record: {id: "00Q000000000000AAA", fields: {Company: "{{ trigger.text }}"}}
              - post_message: {channel: C0SALES001, text: never}
            """
        )
        == []
    )
    run_event(engine, message("x", channel="C0SALES001"))
    run = engine.runs()[0]
    assert run["status"] == "failed" and "update_record" in run["error"]
    assert [s["status"] for s in run["steps"]] == ["failed"]
    assert slack.posts == []
    assert slack.dms and slack.dms[0][0] == OWNER and "bad-update" in slack.dms[0][1]


def test_a_write_with_an_unknown_outcome_is_not_retried(apply, engine, slack, emu, ctx):
    assert (
        apply(
            """
            name: create-case
            trigger:
              slack_message: {channel: C0SALES001}
            steps:
              - create_record: {object: case, name: "{{ trigger.text }}"}
              - post_message: {channel: C0SALES001, text: never}
            """
        )
        == []
    )
    ctx.metadata.describe("Case")  # only the POST fails
    emu.fail_next(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}], "/sobjects/Case/")
    run_event(engine, message("printer on fire", channel="C0SALES001"))
    run = engine.runs()[0]
    assert run["status"] == "outcome_unknown"
    assert run["steps"][0]["status"] == "outcome_unknown"
    assert emu.records("Case") == []  # nothing repeated it
    assert slack.dms and "did not say whether" in slack.dms[0][1]


def test_template_escapes_fail_safely_at_run_time(apply, engine, slack):
    assert (
        apply(
            """
            name: sneaky
            trigger:
              slack_message: {channel: C0SALES001}
            steps:
              - post_message: {channel: C0SALES001, text: "{{ trigger.text|attr('__class__') }}"}
            """
        )
        == []
    )
    run_event(engine, message("x", channel="C0SALES001"))
    run = engine.runs()[0]
    assert run["status"] == "failed" and "not allowed in a template" in run["error"]
    assert slack.posts == []


def test_a_single_expression_keeps_its_type(apply, engine, emu, slack):
    for i in range(3):
        emu.insert(
            "Contact", {"FirstName": f"T{i}", "LastName": "Typed", "Email": f"t{i}@typed.org"}
        )
    assert (
        apply(
            """
            name: typed
            trigger:
              slack_message: {channel: C0SALES001, match: 'limit (?P<n>\\d+)'}
            steps:
              - id: find
                lookup_record: {name: Typed, object: contact, limit: "{{ trigger.match.n | int }}"}
              - post_message: {channel: C0SALES001, text: "{{ steps.find.records | length }}"}
            """
        )
        == []
    )
    run_event(engine, message("limit 2", channel="C0SALES001"))
    run = engine.runs()[0]
    assert run["status"] == "succeeded", run["error"]
    assert run["steps"][0]["input"]["limit"] == 2
    assert slack.posts[0]["text"] == "2"
