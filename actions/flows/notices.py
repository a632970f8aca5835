"""What the engine tells people: a run's owner when it failed, admins when the budget ran out."""

from __future__ import annotations

import logging

from actions.flows.ports import FlowSlack

logger = logging.getLogger(__name__)


def run_failed(name: str, run_id: int, error: str) -> str:
    return (
        f":warning: Your flow *{name}* failed (run {run_id}): {error}\n"
        f"`sfbot flow runs {name}` shows its steps."
    )


def run_outcome_unknown(name: str, run_id: int, error: str) -> str:
    return (
        f":warning: Your flow *{name}* stopped (run {run_id}) because Salesforce did not say "
        f"whether a write happened: {error}\nsfbot does not retry it; check the record in "
        f"Salesforce. `sfbot flow runs {name}` shows the step and its input."
    )


def runs_skipped(name: str, per_minute: int) -> str:
    return (
        f":warning: Your flow *{name}* was started more than {per_minute} times in a minute; "
        "runs beyond that are skipped (recorded as `skipped`). You are told once until it "
        "calms down."
    )


def budget_used_up(allowance: int | None) -> str:
    share = f" ({allowance} calls)" if allowance else ""
    return (
        f":warning: sfbot's flows have used their daily Salesforce API budget{share}. Flows are "
        "paused until midnight UTC; runs until then are recorded as `skipped`. Raise "
        "SFBOT_FLOW_API_BUDGET_PERCENT or check `sfbot flow runs` for a flow that runs too often."
    )


def send_dm(slack: FlowSlack, user_id: str, text: str) -> None:
    try:
        slack.dm(user_id, text)
    except Exception:  # a notice that cannot be sent must not break the engine
        logger.exception("could not tell %s: %s", user_id, text)


def send_admins(slack: FlowSlack, text: str) -> None:
    try:
        slack.tell_admins(text)
    except Exception:  # a notice that cannot be sent must not break the engine
        logger.exception("could not tell the admins: %s", text)
