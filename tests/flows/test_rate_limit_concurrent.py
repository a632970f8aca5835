"""The per-minute rate limit holds under concurrent deliveries: many threads in two processes
(two engines, each with its own database connections) start the same flow at the same moment,
and exactly ``per_minute`` runs go ahead; the rest are recorded skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from actions.flows.engine import FlowEngine
from tests.flows.conftest import message

PER_MINUTE = 3
DELIVERIES = 12
FLOW = """
name: limited
trigger:
  slack_message: {channel: C0SALES001}
steps:
  - stop: {}
"""


def start_all_at_once(engines: list[FlowEngine]) -> list[str]:
    """Every delivery started at the same moment, alternating engines; the runs' statuses."""
    barrier = threading.Barrier(DELIVERIES)

    def deliver(n: int) -> None:
        engine = engines[n % len(engines)]
        barrier.wait()
        engine.start(
            engine.flow("limited"), message("go", channel="C0SALES001", event_id=f"EvLim{n}")
        )

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(DELIVERIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for engine in engines:
        assert engine.wait_idle(60)
    return [r["status"] for r in engines[0].runs("limited", limit=100)]


def test_concurrent_deliveries_never_pass_the_limit(
    apply, make_engine: Callable[..., FlowEngine], ctx: Any
) -> None:
    assert apply(FLOW) == []
    limited = ctx.settings.model_copy(update={"flow_runs_per_minute": PER_MINUTE})
    engines = [make_engine(ctx.__class__.build(limited)) for _ in range(2)]
    statuses = start_all_at_once(engines)
    assert len(statuses) == DELIVERIES
    assert statuses.count("succeeded") == PER_MINUTE
    assert statuses.count("skipped") == DELIVERIES - PER_MINUTE
