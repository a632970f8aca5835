"""Flow tables on SQLite and PostgreSQL: one claim per (flow, trigger key) among racing
threads, an ask closed once, the daily API count shared, re-apply keeps runs, delete removes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.flow_ask_store import ASK_ANSWERED, ASK_TIMED_OUT, FlowAskStore
from storage.flow_run_records import RUNNING
from storage.flow_run_store import FlowRunStore
from storage.flow_store import FlowStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DOC = {"name": "f", "trigger": {"schedule": {"cron": "0 9 * * *"}}, "steps": [{"stop": {}}]}


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def save(store: FlowStore, **changes):
    fields = dict(
        name="f",
        description="",
        trigger_kind="schedule",
        document=DOC,
        source="x: 1",
        enabled=True,
        owner_user_id="U0OWNER01",
        now=T0,
    )
    return store.save(**{**fields, **changes})


def claim(runs: FlowRunStore, flow_id: int, key: str, who: str = "p1"):
    return runs.claim(
        flow_id=flow_id,
        flow_name="f",
        flow_version=1,
        trigger_key=key,
        trigger_kind="schedule",
        event={"kind": "schedule", "key": key},
        claimed_by=who,
        now=T0,
    )


def test_racing_claims_give_one_run_per_key(db):
    flow, created = save(FlowStore(db))
    assert created
    runs = FlowRunStore(db)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: claim(runs, flow.id, f"k{i % 5}", f"p{i}"), range(40)))
    won = [r for r in results if r is not None]
    assert len(won) == 5 and {r.trigger_key for r in won} == {f"k{i}" for i in range(5)}


def test_reapply_keeps_runs_and_owner_and_delete_removes_them(db):
    store, runs = FlowStore(db), FlowRunStore(db)
    flow, _ = save(store)
    claim(runs, flow.id, "k1")
    again, created = save(store, owner_user_id=None, description="new")
    assert not created and again.id == flow.id and again.version == 2
    assert again.owner_user_id == "U0OWNER01" and again.description == "new"
    assert again.active_since == flow.active_since  # same trigger: its schedule goes on
    moved, _ = save(
        store,
        document={**DOC, "trigger": {"schedule": {"cron": "0 10 * * *"}}},
        now=T0 + timedelta(hours=1),
    )
    assert moved.active_since == T0 + timedelta(hours=1)
    assert len(runs.runs("f")) == 1
    assert store.delete("f") and store.get("f") is None and runs.runs("f") == []
    assert not store.delete("f")


def test_an_ask_is_closed_once_and_its_run_resumed_once(db):
    flow, _ = save(FlowStore(db))
    runs, asks = FlowRunStore(db), FlowAskStore(db)
    run = claim(runs, flow.id, "k1")
    ask_id = asks.pause(
        run.id,
        "0",
        text="ok?",
        choices=["yes", "no"],
        expires_at=T0 + timedelta(minutes=5),
        state={"outputs": {}},
        steps_executed=1,
        now=T0,
    )
    assert runs.get(run.id).status == "waiting"
    assert asks.expired_asks(T0) == [] and len(asks.expired_asks(T0 + timedelta(minutes=5))) == 1

    def close(i: int):
        status = ASK_ANSWERED if i % 2 else ASK_TIMED_OUT
        return asks.close(ask_id, status, choice="yes", user=f"U{i}", claimed_by=f"p{i}", now=T0)

    with ThreadPoolExecutor(8) as pool:
        closed = [c for c in pool.map(close, range(16)) if c is not None]
    assert len(closed) == 1
    run_now = runs.get(run.id)
    assert run_now.status == RUNNING and run_now.claimed_by == closed[0].answered_by.replace(
        "U", "p"
    )
    assert asks.get_ask(ask_id).status == closed[0].status


def test_the_daily_api_count_is_shared(db):
    asks = FlowAskStore(db)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _i: asks.add_api_calls("2026-03-02", 1), range(40)))
    assert asks.api_calls("2026-03-02") == 40 and asks.api_calls("2026-03-03") == 0
    assert asks.mark_budget_told("2026-03-02") and not asks.mark_budget_told("2026-03-02")


def test_the_migration_goes_down_and_up_again(db):
    from alembic import command

    from storage.db import _alembic_config

    save(FlowStore(db))
    cfg = _alembic_config()
    for target in ("0004", "head"):
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, "downgrade" if target == "0004" else "upgrade")(cfg, target)
    assert db.current_revision() == Database.head_revision()
    assert FlowStore(db).all_flows() == []
