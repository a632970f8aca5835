"""`/sf flow list` buttons: Enable/Disable a flow, and show its last runs. The list message is
replaced with the updated list. Admins only, checked on every click by
``bot.access_middleware`` (``bot.permissions.BLOCK_ACTIONS``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.blocks.flows import flow_list_message, flow_runs_message
from bot.blocks.text import escape_mrkdwn
from bot.ids import ActionId
from bot.services import services_of


def on_toggle(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    engine = services_of(context).flows
    name = str(action.get("value") or "")
    flow = engine.flow(name)
    if flow is None:
        notice = f":information_source: Flow *{escape_mrkdwn(name)}* is gone."
    else:
        engine.set_enabled(name, not flow.enabled)
        state = "disabled" if flow.enabled else "enabled"
        notice = f":white_check_mark: Flow *{escape_mrkdwn(name)}* {state}."
    blocks = flow_list_message(engine.list_flows(), notice)
    respond(replace_original=True, text=notice, blocks=blocks)


def on_runs(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    name = str(action.get("value") or "")
    runs = services_of(context).flows.runs(name, limit=10)
    text = f"Last runs of {name}"
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=text,
        blocks=flow_runs_message(name, runs),
    )


def register(app: App) -> None:
    app.action(ActionId.FLOW_TOGGLE)(on_toggle)
    app.action(ActionId.FLOW_RUNS)(on_runs)
