"""Fixtures for the flow engine: the Salesforce emulator, a connected ActionContext, the fake
Slack port, a clock, engines (one per "process") and applying flow text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.connect import connect_client_credentials
from actions.context import ActionContext
from actions.flows.apply import apply_files
from actions.flows.engine import FlowEngine
from actions.flows.ports import SLACK_MESSAGE, TriggerEvent
from storage.flow_run_records import StoredRun
from storage.flow_run_store import FlowRunStore
from storage.flow_store import FlowStore
from tests.actions.conftest import ContextFactory, emu, make_ctx, settings  # noqa: F401 (fixtures)
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET
from tests.fakes.salesforce import SalesforceEmulator
from tests.flows.fake_port import FakeFlowSlack

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OWNER = "U0OWNER01"


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def ctx(emu: SalesforceEmulator, make_ctx: ContextFactory) -> ActionContext:  # noqa: F811
    """Connected to the emulator with client credentials."""
    context = make_ctx()
    connect_client_credentials(
        context, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, connected_by="test"
    )
    emu.reset_counters()
    return context


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slack() -> FakeFlowSlack:
    return FakeFlowSlack()


@pytest.fixture
def make_engine(
    ctx: ActionContext, slack: FakeFlowSlack, clock: Clock
) -> Iterator[Callable[..., FlowEngine]]:
    engines: list[FlowEngine] = []

    def factory(context: ActionContext | None = None, **kw: Any) -> FlowEngine:
        engine = FlowEngine(
            context or ctx, kw.pop("port", slack), clock=clock, refresh_seconds=0, **kw
        )
        engines.append(engine)
        return engine

    yield factory
    for engine in engines:
        engine.wait_idle(60)
        engine.shutdown()


@pytest.fixture
def engine(make_engine: Callable[..., FlowEngine]) -> FlowEngine:
    return make_engine()


@pytest.fixture
def apply(ctx: ActionContext, slack: FakeFlowSlack, clock: Clock) -> Callable[..., list[str]]:
    """Apply flow YAML (dedented); returns the problems (empty when stored)."""

    def do(*texts: str, owner: str | None = OWNER) -> list[str]:
        files = [(f"flow{i}.yml", textwrap.dedent(t)) for i, t in enumerate(texts)]
        return apply_files(files, FlowStore(ctx.db), slack, owner, now=clock()).problems

    return do


def message(
    text: str, *, channel: str = "C0INBOUND1", event_id: str = "Ev1", **more: Any
) -> TriggerEvent:
    ts = more.pop("ts", "1700000100.000100")
    variables = {
        "text": text,
        "channel": channel,
        "ts": ts,
        "user": "U0WRITER1",
        "user_name": "Ada Lovelace",
        "user_email": "ada@example.com",
        "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        "thread_ts": more.get("thread_ts"),
        **more,
    }
    return TriggerEvent(
        kind=SLACK_MESSAGE,
        key=f"slack:{event_id}",
        variables=variables,
        channel=channel,
        ts=ts,
        thread_ts=more.get("thread_ts"),
    )


def run_event(engine: FlowEngine, event: TriggerEvent) -> list[int | None]:
    """What the Slack side does: every matching flow started; waits for the runs."""
    started = [
        engine.start(f, event)
        for f in engine.flows_for(event.kind, channel=event.channel)
        if engine.matches(f, event)
    ]
    assert engine.wait_idle(60)
    return started


def claim_run(
    store: FlowRunStore, flow: Any, key: str, holder: str, now: datetime, *, began: bool = False
) -> StoredRun:
    """A run of ``flow`` claimed by ``holder`` for ``slack:<key>``, as a (maybe dead) process
    left it; ``began``: a create_record step was under way."""
    run = store.claim(
        flow_id=flow.id,
        flow_name=flow.name,
        flow_version=flow.version,
        trigger_key=f"slack:{key}",
        trigger_kind=SLACK_MESSAGE,
        event={"kind": SLACK_MESSAGE, "key": f"slack:{key}", "variables": {}},
        claimed_by=holder,
        now=now,
    )
    assert run is not None
    if began:
        store.step_started(
            run.id, seq=1, path="0", step_id=None, kind="create_record", input={}, now=now
        )
    return run
