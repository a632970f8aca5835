"""`/sf flow list` buttons (admins only, checked on every click): Enable/Disable a flow,
and show its last runs. The list message is replaced with the updated list."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.flows import flow_list_message, flow_runs_message
from bot.blocks.text import escape_mrkdwn
from bot.ids import ActionId
from bot.services import services_of

ADMINS_ONLY = ":lock: Managing flows is for sfbot admins only."


def _allowed(
    client: WebClient, body: dict[str, Any], context: BoltContext, respond: Respond
) -> bool:
    if services_of(context).admins.is_admin(client, body["user"]["id"]):
        return True
    respond(response_type="ephemeral", replace_original=False, text=ADMINS_ONLY)
    return False


def on_toggle(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    if not _allowed(client, body, context, respond):
        return
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


def on_runs(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    if not _allowed(client, body, context, respond):
        return
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
