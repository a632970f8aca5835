"""``schedule`` triggers (once per time across engines, catch-up and missed times), the guard
rails (steps per run, runs per minute, the daily API budget) and runs whose process died."""

from __future__ import annotations

from datetime import timedelta

from actions.flows.scheduler import FlowScheduler
from storage.flow_run_store import FlowRunStore
from tests.flows.conftest import OWNER, claim_run, message, run_event

MORNING = """
name: morning
trigger:
  schedule: {cron: "0 9 * * *", timezone: Europe/Paris}
steps:
  - post_message: {user: U0OWNER01, text: "good morning, it is {{ trigger.scheduled_at }}"}
"""


def test_each_scheduled_time_runs_once_across_engines(apply, make_engine, clock, slack):
    assert apply(MORNING) == []  # applied at 09:00 UTC = 10:00 in Paris
    one, two = make_engine(), make_engine()
    s1, s2 = FlowScheduler(one), FlowScheduler(two)
    assert s1.run_due(one.flow("morning").id) == []
    clock.advance(hours=23)  # 08:00 UTC next day = 09:00 Paris
    first = s1.run_due(one.flow("morning").id)
    second = s2.run_due(two.flow("morning").id)
    assert len(first) == 1 and second == []
    one.wait_idle(60)
    assert [p["text"] for p in slack.posts] == ["good morning, it is 2026-03-03T08:00:00+00:00"]
    runs = one.runs("morning")
    assert runs[0]["trigger_key"] == "schedule:2026-03-03T08:00:00+00:00"


def test_times_missed_while_down_run_late_within_grace_else_skipped(apply, engine, clock, slack):
    assert apply(MORNING) == []
    scheduler = FlowScheduler(engine, grace=timedelta(hours=1))
    clock.advance(days=1, hours=23, minutes=30)  # 4 March 08:30 UTC: two 09:00s in Paris passed
    scheduler.run_all_due()
    engine.wait_idle(60)
    statuses = sorted((r["trigger_key"], r["status"]) for r in engine.runs("morning"))
    assert statuses == [
        ("schedule:2026-03-03T08:00:00+00:00", "skipped"),  # a day late: missed
        ("schedule:2026-03-04T08:00:00+00:00", "succeeded"),  # 30 minutes late: run
    ]
    assert len(slack.posts) == 1
    scheduler.run_all_due()  # nothing twice
    assert len(engine.runs("morning")) == 2


def test_disabled_flows_do_not_run(apply, engine, clock):
    assert apply(MORNING) == []
    engine.set_enabled("morning", False)
    clock.advance(days=1)
    assert FlowScheduler(engine).run_all_due() == []


def test_at_most_50_steps_per_run(apply, engine, slack):
    steps = "\n".join("  - post_message: {channel: C0SALES001, text: s}" for _ in range(51))
    text = f"name: long\ntrigger:\n  slack_message: {{channel: C0SALES001}}\nsteps:\n{steps}\n"
    assert apply(text) == []
    run_event(engine, message("go", channel="C0SALES001"))
    run = engine.runs()[0]
    assert run["status"] == "failed" and "more than 50 steps" in run["error"]
    assert len(slack.posts) == 50


def test_nesting_deeper_than_5_is_refused_at_apply(apply):
    step = "- post_message: {channel: C0SALES001, text: deep}"
    for _ in range(5):
        step = "- if: 'true'\n  then:\n" + "\n".join("    " + line for line in step.splitlines())
    text = "name: deep\ntrigger:\n  slack_message: {channel: C0SALES001}\nsteps:\n" + "\n".join(
        "  " + line for line in step.splitlines()
    )
    problems = apply(text)
    assert problems and "nested more than 5 levels" in problems[0]
    assert problems[0].startswith("flow0.yml:")


def test_runs_beyond_the_rate_limit_are_skipped_and_the_owner_told_once(
    apply, make_engine, ctx, slack, clock
):
    engine = make_engine(
        ctx.__class__.build(ctx.settings.model_copy(update={"flow_runs_per_minute": 3}))
    )
    assert (
        apply(
            "name: chatty\ntrigger:\n  slack_message: {channel: C0SALES001}\nsteps:\n  - stop: {}\n"
        )
        == []
    )
    for i in range(6):
        run_event(engine, message("hi", channel="C0SALES001", event_id=f"Ev{i}"))
    statuses = [r["status"] for r in reversed(engine.runs("chatty"))]
    assert statuses == ["succeeded"] * 3 + ["skipped"] * 3
    told = [text for user, text in slack.dms if user == OWNER]
    assert len(told) == 1 and "more than 3 times in a minute" in told[0]
    clock.advance(minutes=2)
    run_event(engine, message("hi", channel="C0SALES001", event_id="EvLater"))
    assert engine.runs("chatty")[0]["status"] == "succeeded"


def test_the_daily_api_budget_pauses_flows_and_tells_admins(apply, make_engine, ctx, emu, slack):
    emu.api_usage = (0, 50)  # the org's daily limit: 50 calls; flows get 20% = 10
    engine = make_engine()
    assert (
        apply(
            "name: looker\ntrigger:\n  slack_message: {channel: C0SALES001}\nsteps:\n"
            + "  - lookup_record: {name: Someone}\n" * 4
        )
        == []
    )
    for i in range(4):
        run_event(engine, message("x", channel="C0SALES001", event_id=f"Ev{i}"))
    statuses = [r["status"] for r in reversed(engine.runs("looker"))]
    assert statuses[:2] == ["succeeded", "succeeded"]
    assert statuses[2] == "failed" and "budget" in engine.runs("looker")[1]["error"]
    assert statuses[3] == "skipped"
    assert len(slack.admin_notices) == 1 and "budget" in slack.admin_notices[0]
    assert FlowRunStore(ctx.db).runs("looker")[0].error.startswith("the flows' daily")


def test_a_run_whose_process_died_is_recovered(apply, engine, ctx, clock, slack):
    assert (
        apply(
            "name: crashy\ntrigger:\n  slack_message: {channel: C0SALES001}\nsteps:\n  - stop: {}\n"
        )
        == []
    )
    flow = engine.flow("crashy")
    runs = FlowRunStore(ctx.db)
    # claimed by a process that died before its first step: run again
    ghost = claim_run(runs, flow, "EvDead", "dead:1", clock.now)
    # and one that died while creating a record: outcome unknown, never retried
    busy = claim_run(runs, flow, "EvBusy", "dead:1", clock.now, began=True)
    assert engine.recover() == 0  # not stale yet
    clock.advance(minutes=11)
    assert engine.recover() == 2
    engine.wait_idle(60)
    assert runs.get(ghost.id).status == "succeeded"
    assert runs.get(busy.id).status == "outcome_unknown"
    assert any("did not say whether" in text for _user, text in slack.dms)


def test_the_scheduler_keeps_a_job_per_schedule_flow_and_purges_old_runs(apply, engine, clock):
    assert apply(MORNING) == []
    scheduler = FlowScheduler(engine, tick_seconds=3600)
    scheduler.start()
    try:
        assert {job.id for job in scheduler.scheduler.get_jobs()} == {
            "sfbot:flows:reconcile",
            f"sfbot:flow:{engine.flow('morning').id}",
        }
        engine.set_enabled("morning", False)
        scheduler.sync()
        assert {job.id for job in scheduler.scheduler.get_jobs()} == {"sfbot:flows:reconcile"}
    finally:
        scheduler.shutdown()
    engine.set_enabled("morning", True)
    clock.advance(days=1)
    scheduler.run_all_due()
    engine.wait_idle(60)
    assert len(engine.runs("morning")) == 1
    clock.advance(days=91)
    assert scheduler.purge() == 1 and engine.runs("morning") == []


def test_a_run_taken_over_is_not_run_twice(apply, engine, make_engine, ctx, clock, slack):
    """A run that waited in one process's queue past the lease is run by the process that
    recovers it; the first process then finds it taken and leaves it alone."""
    assert (
        apply(
            "name: queued\ntrigger:\n  slack_message: {channel: C0SALES001}\nsteps:\n  - post_message: {channel: C0SALES001, text: once}\n"
        )
        == []
    )
    slow = make_engine()
    slow._submit = lambda fn, *args, **_kw: queued.append((fn, args))  # type: ignore[method-assign]
    queued: list = []
    slow.start(slow.flow("queued"), message("go", channel="C0SALES001"))
    clock.advance(minutes=11)
    assert engine.recover() == 1
    engine.wait_idle(60)
    for fn, args in queued:  # the slow process finally gets to it
        fn(*args)
    assert [p["text"] for p in slack.posts] == ["once"]
    assert engine.runs("queued")[0]["status"] == "succeeded"
