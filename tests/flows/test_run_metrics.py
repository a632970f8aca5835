"""``sfbot_flow_runs_total{status}`` (issue 13, "Metrics and logs"): every run that ends is
counted once by its status, whether it ran here, was skipped by a guard or was ended by
``recover``."""

from __future__ import annotations

from prometheus_client import REGISTRY

from storage.flow_run_store import FlowRunStore
from tests.flows.conftest import claim_run, message, run_event

FLOW = """
name: counted
trigger:
  slack_message: {channel: C0SALES001}
steps:
  - post_message: {channel: C0SALES001, text: "counted"}
"""
STATUSES = ("succeeded", "skipped", "outcome_unknown")


def runs_total(status: str) -> float:
    return REGISTRY.get_sample_value("sfbot_flow_runs_total", {"status": status}) or 0.0


def test_runs_are_counted_by_status(apply, make_engine, ctx, clock):
    assert apply(FLOW) == []
    engine = make_engine(
        ctx.__class__.build(ctx.settings.model_copy(update={"flow_runs_per_minute": 2}))
    )
    before = {s: runs_total(s) for s in STATUSES}
    for n in range(3):  # the third is over the per-minute limit: skipped
        run_event(engine, message("go", channel="C0SALES001", event_id=f"EvCount{n}"))
    flow = engine.flow("counted")
    runs = FlowRunStore(ctx.db)
    claim_run(runs, flow, "EvDied", "dead:1", clock(), began=True)  # died mid-write
    clock.advance(minutes=11)
    assert engine.recover() == 1
    grew = {s: runs_total(s) - before[s] for s in STATUSES}
    assert grew == {"succeeded": 2, "skipped": 1, "outcome_unknown": 1}
