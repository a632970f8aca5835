"""``ask`` end to end with the shipped approval example: a manager's click resumes the run
(Approve converts the lead, Reject does not), a second click is told it is too late, the
question times out, and a waiting run survives a restart of sfbot."""

from __future__ import annotations

from tests.e2e.flows_fixtures import (
    MANAGER,
    apply_files,
    example_text,
    thread_replies,
    wait_runs_done,
    wait_until,
    write_flow,
)
from tests.e2e.harness import AGENT

SALES, MANAGERS = "C0SALES001", "C0MANAGERS"


def new_lead(sf, name: str) -> str:
    return sf.insert("Lead", {"LastName": name, "Company": f"{name} Inc", "Status": "Open"})


def ask_for(slack, lead_id: str) -> dict:
    def posted() -> dict | None:
        return next(
            (m for m in slack.messages(MANAGERS) if lead_id in m["text"] and m.get("blocks")),
            None,
        )

    return dict(wait_until(posted, what=f"the ask about {lead_id}"))


def click(app, slack, ask: dict, index: int, user: str, *, stale: bool = False):
    """``user`` clicks a button of the ask as Slack shows it now (``stale``: as their client
    still shows it, before Slack delivered the update)."""
    shown = ask if stale else next(m for m in slack.messages(MANAGERS) if m["ts"] == ask["ts"])
    return app.driver().click(
        f"sf_flow_ask:{index}", user_id=user, channel_id=MANAGERS, message=shown
    )


def test_approve_converts_the_lead_and_a_late_click_is_told(flow_app, flow_slack, flow_sf):
    lead = new_lead(flow_sf, "Kim")
    msg = flow_slack.user_posts(SALES, AGENT, f"please convert {lead}")
    ask = ask_for(flow_slack, lead)
    assert [e["text"]["text"] for e in ask["blocks"][1]["elements"]] == ["Approve", "Reject"]
    assert f"<@{AGENT}> wants to convert lead {lead}" in ask["text"]
    r = click(flow_app, flow_slack, ask, 0, MANAGER)
    assert r.status_code == 200 and r.ack_in_time
    (run,) = wait_runs_done(flow_app, "lead-conversion-approval", 1)
    assert run["status"] == "succeeded", run
    assert flow_sf.get(lead)["IsConverted"] is True
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SALES, msg["ts"]), what="reply")
    assert reply["text"].startswith(f"Approved by <@{MANAGER}>: converted to contact 003")
    closed = next(m for m in flow_slack.messages(MANAGERS) if m["ts"] == ask["ts"])
    assert "chosen by" in str(closed["blocks"]) and "actions" not in str(closed["blocks"])

    before = len(flow_slack.ephemerals)
    click(flow_app, flow_slack, ask, 1, AGENT, stale=True)
    told = wait_until(lambda: flow_slack.ephemerals[before:], what="the late click told")
    assert "already answered" in told[0]["message"]["text"]
    flow_slack.assert_no_invalid_calls()


def test_reject_leaves_the_lead_alone(flow_app, flow_slack, flow_sf):
    lead = new_lead(flow_sf, "Lee")
    msg = flow_slack.user_posts(SALES, AGENT, f"convert {lead}")
    click(flow_app, flow_slack, ask_for(flow_slack, lead), 1, MANAGER)
    wait_runs_done(flow_app, "lead-conversion-approval", 2)
    assert flow_sf.get(lead)["IsConverted"] is False
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SALES, msg["ts"]), what="reply")
    assert reply["text"] == "Not converted (Reject)."


def test_an_unanswered_question_times_out(flow_app, flow_slack, flow_sf, tmp_path):
    text = example_text(
        "lead-conversion-approval.yml",
        **{
            "name: lead-conversion-approval": "name: quick-approval",
            "timeout_minutes: 1440": "timeout_minutes: 0.05",
            "convert (?P<lead>": "hurry (?P<lead>",
        },
    )
    apply_files(flow_app, write_flow(tmp_path, "quick.yml", text))
    flow_app.stop()  # (a running sfbot picks a new flow up within seconds; this is quicker)
    flow_app.start()
    lead = new_lead(flow_sf, "Mo")
    msg = flow_slack.user_posts(SALES, AGENT, f"hurry {lead}")
    ask_for(flow_slack, lead)
    (run,) = wait_runs_done(flow_app, "quick-approval", 1, timeout=90)  # the 15 s tick
    assert run["status"] == "succeeded"
    assert run["steps"][0]["output"] == {"choice": "timed_out", "user": None}
    (reply,) = wait_until(lambda: thread_replies(flow_slack, SALES, msg["ts"]), what="reply")
    assert reply["text"] == "Not converted (timed_out)."
    closed = next(m for m in flow_slack.messages(MANAGERS) if lead in m["text"])
    assert "Nobody answered in time" in str(closed["blocks"])
    assert flow_sf.get(lead)["IsConverted"] is False


def test_a_waiting_run_survives_a_restart(flow_app, flow_slack, flow_sf):
    lead = new_lead(flow_sf, "Ned")
    flow_slack.user_posts(SALES, AGENT, f"convert {lead}")
    ask = ask_for(flow_slack, lead)
    flow_app.stop()
    flow_app.start()
    click(flow_app, flow_slack, ask, 0, MANAGER)
    wait_until(lambda: flow_sf.get(lead)["IsConverted"], what="the lead converted")
