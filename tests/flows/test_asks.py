"""``ask``: the run pauses, a click (or the timeout) resumes it exactly once, also in another
engine after a restart; nested in an ``if``."""

from __future__ import annotations

from tests.flows.conftest import message, run_event

APPROVAL = """
name: approve-discount
trigger:
  slack_message: {channel: C0SALES001, match: 'discount for (?P<company>\\w+)'}
steps:
  - id: find
    lookup_record: {name: "{{ trigger.match.company }}", object: account}
  - if: "steps.find.count > 0"
    then:
      - id: approval
        ask:
          channel: C0SALES001
          text: "Discount for {{ steps.find.records[0].name }}?"
          choices: [approve, reject]
          timeout_minutes: 30
      - if: "steps.approval.choice == 'approve'"
        then:
          - update_record: {id: "{{ steps.find.records[0].id }}", description: "discount approved by {{ steps.approval.user }}"}
          - post_message: {thread: true, text: "approved"}
        else:
          - post_message: {thread: true, text: "not approved ({{ steps.approval.choice }})"}
  - post_message: {channel: C0SALES001, text: "done {{ run.id }}"}
"""


def start_approval(apply, engine, emu):
    account = emu.insert("Account", {"Name": "Initech"})
    assert apply(APPROVAL) == []
    [run_id] = run_event(engine, message("discount for Initech", channel="C0SALES001"))
    return account, run_id


def test_a_click_resumes_the_run_once(apply, engine, make_engine, emu, slack):
    account, run_id = start_approval(apply, engine, emu)
    run = engine.runs()[0]
    assert run["status"] == "waiting"
    assert [s["status"] for s in run["steps"]][-1] == "waiting"
    [ask] = slack.asks
    assert ask["text"] == "Discount for Initech?" and ask["choices"] == ["approve", "reject"]
    assert not engine.resume(ask["ask_id"], "maybe", "U0BOSS001")  # not one of the choices
    other = make_engine()  # the click lands on another replica
    assert other.resume(ask["ask_id"], "approve", "U0BOSS001")
    assert not engine.resume(ask["ask_id"], "reject", "U0BOSS002")  # already answered
    assert other.wait_idle(60)
    run = engine.runs()[0]
    assert run["status"] == "succeeded", run["error"]
    assert emu.get(account)["Description"] == "discount approved by U0BOSS001"
    assert [p["text"] for p in slack.posts] == ["approved", f"done {run_id}"]
    assert slack.closed == [{"ts": ask["ts"], "choice": "approve", "user": "U0BOSS001"}]
    ask_step = next(s for s in run["steps"] if s["kind"] == "ask")
    assert ask_step["status"] == "succeeded"
    assert ask_step["output"] == {"choice": "approve", "user": "U0BOSS001"}


def test_the_timeout_answers_timed_out(apply, engine, emu, slack, clock):
    account, _run_id = start_approval(apply, engine, emu)
    assert engine.expire_asks() == 0
    clock.advance(minutes=31)
    assert engine.expire_asks() == 1
    assert engine.expire_asks() == 0
    assert engine.wait_idle(60)
    assert engine.runs()[0]["status"] == "succeeded"
    assert slack.posts[0]["text"] == "not approved (timed_out)"
    assert slack.closed[0]["choice"] == "timed_out" and slack.closed[0]["user"] is None
    assert not (emu.get(account)["Description"] or "").startswith("discount")
    assert not engine.resume(slack.asks[0]["ask_id"], "approve", "U0BOSS001")


def test_a_paused_run_survives_a_restart(apply, make_engine, emu, slack, ctx, make_ctx):
    first = make_engine()
    account, _run_id = start_approval(apply, first, emu)
    first.shutdown()
    # a new process: its own connection and engine, the same database
    restarted = make_engine(make_ctx())
    assert restarted.resume(slack.asks[0]["ask_id"], "approve", "U0BOSS001")
    assert restarted.wait_idle(60)
    assert restarted.runs()[0]["status"] == "succeeded"
    assert emu.get(account)["Description"] == "discount approved by U0BOSS001"


def test_a_refused_ask_fails_the_run(apply, engine, emu, slack):
    slack.refuse_posts = "channel_not_found"
    start_approval(apply, engine, emu)
    run = engine.runs()[0]
    assert run["status"] == "failed" and "channel_not_found" in run["error"]
    assert engine.expire_asks() == 0
