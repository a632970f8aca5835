"""``salesforce_record`` triggers against the emulator: hot leads converted once, cold ones when
their score is raised, one API call per object per idle interval, more than 2,000 changes, ties
on SystemModstamp, a change during a restart, and the shipped example."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actions.context import ActionContext
from actions.flows.apply import apply_files
from actions.flows.engine import FlowEngine
from actions.flows.record_check import record_trigger_check
from actions.flows.record_poller import RecordPoller, record_poller
from actions.record_changes import parse_stamp
from storage.flow_store import FlowStore
from tests.actions import queries_sent
from tests.fakes.salesforce import SalesforceEmulator
from tests.flows.conftest import OWNER, Clock
from tests.flows.fake_port import FakeFlowSlack

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flows"
HOT_LEADS = (EXAMPLES / "auto-convert-hot-leads.yml").read_text()


@pytest.fixture
def clock() -> Clock:
    """Real time: the emulator stamps records with the real clock, as Salesforce does."""
    return Clock(datetime.now(UTC))


@pytest.fixture
def apply_checked(ctx: ActionContext, slack: FakeFlowSlack, clock: Clock):
    """Apply as ``sfbot flow apply`` does, with the Salesforce checks of the trigger."""

    def do(text: str) -> list[str]:
        files = [("flow0.yml", text)]
        check = record_trigger_check(lambda: ctx)
        result = apply_files(
            files, FlowStore(ctx.db), slack, OWNER, now=clock(), check_trigger=check
        )
        return result.problems

    return do


def lead(emu: SalesforceEmulator, score: float, name: str = "Hot") -> str:
    return emu.insert("Lead", {"LastName": name, "Company": f"{name} Co", "Lead_Score__c": score})


def set_score(emu: SalesforceEmulator, lead_id: str, score: float) -> None:
    """An edit in Salesforce, a second or more after the last one: a new value and a new
    SystemModstamp (two edits within one second share it, and count as one change)."""
    obj = emu.store.obj("Lead")
    assert obj is not None
    rec = emu.store.raw(lead_id)
    last = rec["SystemModstamp"]
    emu.store.update(obj, rec, {"Lead_Score__c": score}, strict=False)
    rec = emu.store.raw(lead_id)
    rec["SystemModstamp"] = max(rec["SystemModstamp"], last + timedelta(seconds=1))


def tick(poller: RecordPoller, engine: FlowEngine, clock: Clock) -> int:
    """One poll (the clock moves a full interval first); waits for the runs; the runs started."""
    results = poller.tick(clock.advance(seconds=61))
    assert engine.wait_idle(60)
    return sum(r.runs for r in results)


def runs_of(engine: FlowEngine, name: str) -> list[dict]:
    return engine.runs(name, limit=1000)


def test_hot_lead_converted_once_cold_lead_when_its_score_is_raised(
    apply, engine: FlowEngine, emu: SalesforceEmulator, slack: FakeFlowSlack
) -> None:
    assert apply(HOT_LEADS) == []
    poller = record_poller(engine)
    clock = engine.now
    assert isinstance(clock, Clock)
    before = lead(emu, 95, "Before")  # noqa: F841 (changed before the first poll: counted)
    assert tick(poller, engine, clock) == 1
    hot = lead(emu, 91, "Hot")
    cold = lead(emu, 20, "Cold")
    assert tick(poller, engine, clock) == 1
    assert emu.get(hot)["IsConverted"] is True
    assert emu.get(cold)["IsConverted"] is False
    # the conversion changed the lead again; it no longer matches: nothing starts
    assert tick(poller, engine, clock) == 0
    set_score(emu, cold, 85)
    assert tick(poller, engine, clock) == 1
    assert emu.get(cold)["IsConverted"] is True
    runs = runs_of(engine, "auto-convert-hot-leads")
    assert [r["status"] for r in runs] == ["succeeded"] * 3
    assert slack.posts[-1]["text"].startswith(":fire: Cold (Cold Co) scored 85")
    assert slack.posts[-1]["record"]["id"].startswith("006")
    assert runs[0]["trigger_key"].startswith(f"salesforce:{cold}:")


def test_an_idle_org_costs_one_call_per_object_per_interval(
    apply, engine: FlowEngine, emu: SalesforceEmulator
) -> None:
    flows = [
        f"""
        name: watch-{obj.lower()}-{i}
        trigger:
          salesforce_record: {{object: {obj}, where: "Name != null", every: 60}}
        steps:
          - stop: {{}}
        """
        for obj in ("Lead", "Contact")
        for i in range(25)
    ]
    assert apply(*flows) == []
    poller = record_poller(engine)
    clock = engine.now
    assert isinstance(clock, Clock)
    tick(poller, engine, clock)  # the seeded records (changed "now") pass once
    emu.reset_counters()
    for _ in range(10):
        assert tick(poller, engine, clock) == 0
    polls = queries_sent(emu, "query")
    assert len(polls) == 20  # 10 intervals x 2 objects, whatever the 50 flows
    assert all("SystemModstamp >=" in q for q in polls)


def test_more_than_2000_changes_in_one_interval(
    apply, engine: FlowEngine, emu: SalesforceEmulator
) -> None:
    assert apply(HOT_LEADS) == []
    poller = record_poller(engine)
    clock = engine.now
    assert isinstance(clock, Clock)
    tick(poller, engine, clock)
    cold = [lead(emu, 10, f"Cold{i}") for i in range(2100)]
    hot = [lead(emu, 99, f"Hot{i}") for i in range(3)]
    results = poller.tick(clock.advance(seconds=61))
    assert engine.wait_idle(120)
    (result,) = results
    assert result.changes == 2103
    assert result.runs == 3
    assert all(emu.get(h)["IsConverted"] for h in hot)
    assert not any(emu.get(c)["IsConverted"] for c in cold[:50])
    # 2 pages of changes, then the flow's check of 2,103 ids, 200 at a time
    assert result.calls == 2 + 11


def test_ties_on_systemmodstamp_and_late_commits_run_once_each(
    apply, engine: FlowEngine, emu: SalesforceEmulator
) -> None:
    clock = engine.now
    assert isinstance(clock, Clock)
    clock.advance(seconds=-30)  # applied a while ago
    assert apply(HOT_LEADS) == []
    poller = record_poller(engine)
    tick(poller, engine, clock)
    first = [lead(emu, 90, f"A{i}") for i in range(3)]
    stamp = emu.store.raw(first[0])["SystemModstamp"]
    for lead_id in first:
        emu.store.raw(lead_id)["SystemModstamp"] = stamp  # one second, three records
    assert tick(poller, engine, clock) == 3
    late = lead(emu, 90, "Late")
    emu.store.raw(late)["SystemModstamp"] = stamp - timedelta(seconds=5)  # committed late
    assert tick(poller, engine, clock) == 1
    assert tick(poller, engine, clock) == 0
    keys = [r["trigger_key"] for r in runs_of(engine, "auto-convert-hot-leads")]
    assert len(keys) == len(set(keys)) == 4


def test_a_change_during_a_restart_is_picked_up_after_it(
    apply,
    make_engine: Callable[..., FlowEngine],
    emu: SalesforceEmulator,
) -> None:
    assert apply(HOT_LEADS) == []
    engine = make_engine()
    poller = record_poller(engine)
    clock = engine.now
    assert isinstance(clock, Clock)
    tick(poller, engine, clock)
    poller.release()  # a clean stop hands the lease back
    hot = lead(emu, 88, "WhileDown")
    again = make_engine()  # the next process
    assert tick(record_poller(again), again, clock) == 1
    assert emu.get(hot)["IsConverted"] is True


def test_a_crashed_pollers_lease_is_taken_over(
    apply, make_engine: Callable[..., FlowEngine], emu: SalesforceEmulator
) -> None:
    assert apply(HOT_LEADS) == []
    crashed = make_engine()
    clock = crashed.now
    assert isinstance(clock, Clock)
    tick(record_poller(crashed), crashed, clock)
    hot = lead(emu, 88, "AfterCrash")
    survivor = make_engine()
    poller = record_poller(survivor)
    assert tick(poller, survivor, clock) == 0  # the lease (2 intervals + 1 min) still holds
    clock.advance(seconds=120)
    assert tick(poller, survivor, clock) == 1
    assert emu.get(hot)["IsConverted"] is True


def test_backfill_starts_for_records_that_already_match(
    apply, engine: FlowEngine, emu: SalesforceEmulator
) -> None:
    old = lead(emu, 97, "Old")
    engine_clock = engine.now
    assert isinstance(engine_clock, Clock)
    engine_clock.advance(seconds=30)  # applied well after the lead last changed
    assert apply(HOT_LEADS.replace("    every: 60\n", "    every: 60\n    backfill: true\n")) == []
    poller = record_poller(engine)
    assert tick(poller, engine, engine_clock) == 1
    assert emu.get(old)["IsConverted"] is True
    assert tick(poller, engine, engine_clock) == 0


def test_changes_before_the_flow_was_applied_do_not_count(
    apply, engine: FlowEngine, emu: SalesforceEmulator
) -> None:
    old = lead(emu, 97, "Old")
    clock = engine.now
    assert isinstance(clock, Clock)
    clock.advance(seconds=30)
    assert apply(HOT_LEADS) == []
    assert tick(record_poller(engine), engine, clock) == 0
    assert emu.get(old)["IsConverted"] is False


def test_apply_refuses_a_bad_object_field_or_condition_with_its_line(
    ctx: ActionContext, apply_checked
) -> None:
    bad_where = HOT_LEADS.replace("Lead_Score__c >= 80", "Lead_Scor__c >= 80")
    (problem,) = apply_checked(bad_where)
    assert problem.startswith("flow0.yml:9: Salesforce refused the condition")
    (problem,) = apply_checked(HOT_LEADS.replace("object: Lead", "object: Leed"))
    assert problem.startswith("flow0.yml:8: Salesforce has no object 'Leed'")
    (problem,) = apply_checked(HOT_LEADS.replace("[Name, Company, Email]", "[Name, Nope__c]"))
    assert problem.startswith("flow0.yml:11: fields: no field 'Nope__c'")
    (problem,) = apply_checked(HOT_LEADS.replace("every: 60", "every: 5"))
    assert problem.startswith("flow0.yml:10:") and "15" in problem


def test_stamps_keep_their_second() -> None:
    assert parse_stamp("2026-12-02T10:00:05.000+0000").second == 5
