"""A clean stop hands back the flow runs claimed here that never began (issue 13, "Restarts and
health"): the next process's ``recover`` runs them at once, not after the 10-minute lease; a
run that had begun is left for ``recover`` to end (never repeated)."""

from __future__ import annotations

import threading

from storage.flow_run_store import RELEASED_HEARTBEAT, FlowRunStore
from tests.flows.conftest import claim_run, message

ONCE = """
name: once
trigger:
  slack_message: {channel: C0SALES001}
steps:
  - post_message: {channel: C0SALES001, text: "once {{ trigger.text }}"}
"""


def test_queued_runs_are_handed_back_and_run_once_by_the_next_process(
    apply, make_engine, ctx, clock, slack
):
    assert apply(ONCE) == []
    stopping = make_engine(workers=1)
    gate = threading.Event()
    stopping.pool.submit(gate.wait)  # its only worker is busy: the runs wait in the queue
    flow = stopping.flow("once")
    ids = [
        stopping.start(flow, message(text, channel="C0SALES001", event_id=f"Ev{text}"))
        for text in ("a", "b")
    ]
    assert all(ids)

    assert stopping.release_queued() == 2
    store = FlowRunStore(ctx.db)
    assert all(store.get(i).status == "running" for i in ids)

    nxt = make_engine()
    assert nxt.recover() == 2  # at once: the clock has not moved
    assert nxt.wait_idle(60)
    gate.set()  # the stopped process's queue finally drains: the tasks do nothing
    assert stopping.wait_idle(60)
    assert sorted(p["text"] for p in slack.posts) == ["once a", "once b"]
    assert [store.get(i).status for i in ids] == ["succeeded", "succeeded"]
    assert stopping.release_queued() == 0  # nothing left to hand back


def test_a_run_that_began_is_not_handed_back(apply, engine, ctx, clock):
    assert apply(ONCE) == []
    flow = engine.flow("once")
    store = FlowRunStore(ctx.db)

    begun = claim_run(store, flow, "EvBegun", "me:1", clock(), began=True)
    theirs = claim_run(store, flow, "EvTheirs", "other:2", clock())
    fresh = claim_run(store, flow, "EvFresh", "me:1", clock())
    assert store.release_unstarted([begun.id, theirs.id, fresh.id], "me:1") == 1
    assert store.release_unstarted([], "me:1") == 0
    stale = {r.id for r in store.stale_running(clock())}
    assert stale == {fresh.id}
    assert clock() > RELEASED_HEARTBEAT
    assert engine.recover() == 1  # only the fresh one: begun stays until its lease runs out
