"""Starting flows for a Slack trigger, after the ack, on the background pool."""

from __future__ import annotations

import logging
from collections.abc import Callable

from actions.flows.engine import Flow
from actions.flows.ports import TriggerEvent
from bot.services import Services

logger = logging.getLogger(__name__)


def start_matching(services: Services, event: TriggerEvent, candidates: list[Flow]) -> list[int]:
    """Start every candidate flow ``event`` matches, once the author's name, email and the
    permalink were added (only when something matched). Returns the new runs' ids; a flow
    this event already started (Slack's retry, another replica) starts nothing."""
    engine = services.flows
    flows = [f for f in candidates if engine.matches(f, event)]
    if not flows:
        return []
    detailed = services.people.with_details(event)
    started = []
    for flow in flows:
        run_id = engine.start(flow, detailed)
        if run_id is not None:
            started.append(run_id)
    return started


def after_ack(services: Services, what: str, fn: Callable[[], object]) -> None:
    """Run ``fn`` on the background pool; there is nobody to tell, so failures are logged."""

    def run() -> None:
        fn()

    services.later(run, tell_user=lambda text: logger.warning("%s: %s", what, text))
