"""The "Run a Salesforce flow" modal submitted: start the picked flow on the message.

The modal is answered at once (a flow that is gone or disabled meanwhile is an error on the
picker); the message is read and the run started after, on the background pool. The run's key
is the shortcut's trigger_id, so the same pick submitted twice runs once.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions.flows.ports import SHORTCUT
from bot.blocks.flows import flow_started_view
from bot.flows.starting import after_ack, start_matching
from bot.flows.triggers import fetch_message, message_event
from bot.ids import ActionId, BlockId, CallbackId
from bot.modal_submit import refuses_forged_metadata
from bot.services import services_of
from bot.signed_metadata import ForgedMetadata, unseal

GONE = "That flow was disabled or deleted meanwhile; pick another."


def picked_flow(view: dict[str, Any]) -> str | None:
    state = (view.get("state") or {}).get("values") or {}
    picked = (state.get(BlockId.FLOW_PICK) or {}).get(ActionId.FLOW_PICK) or {}
    return (picked.get("selected_option") or {}).get("value")


@refuses_forged_metadata
def on_flow_picked(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    meta = unseal(view.get("private_metadata"))
    if not all(isinstance(meta.get(k), str) for k in ("channel", "ts", "key")):
        raise ForgedMetadata("private_metadata has the wrong shape")
    name = picked_flow(view)
    flow = services.flows.flow(name) if name else None
    if flow is None or not flow.enabled or flow.trigger_kind != SHORTCUT:
        ack(response_action="errors", errors={BlockId.FLOW_PICK: GONE})
        return
    title = str(getattr(flow.definition.trigger, "title", "") or flow.name)
    ack(response_action="update", view=flow_started_view(title))
    channel, ts, runner = str(meta["channel"]), str(meta["ts"]), body["user"]["id"]

    def run() -> object:
        message = fetch_message(client, channel, ts)
        if message is None:  # deleted meanwhile
            return None
        event = message_event(SHORTCUT, str(meta["key"]), channel, message, flow=flow.name)
        return start_matching(services, event.with_variables(runner=runner), [flow])

    after_ack(services, "shortcut trigger", run)


def register(app: App) -> None:
    app.view(CallbackId.FLOW_PICK_MODAL)(on_flow_picked)
