"""Message shortcut "Run a Salesforce flow": a modal lists the flows with a ``shortcut``
trigger; the agent picks one (``bot.listeners.views.run_flow`` starts it on the message).

The modal opens at once (a trigger_id lasts 3 s) from the cached flow definitions; the
message's channel, ts and the shortcut's trigger_id (the run's key) travel in
private_metadata.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions.flows.ports import SHORTCUT
from bot.blocks.flows import flow_picker_view, no_shortcut_flows_view
from bot.ids import CallbackId
from bot.services import services_of
from bot.signed_metadata import seal


def shortcut_flows(context: BoltContext) -> list[tuple[str, str]]:
    """(name, title) of every enabled flow with a shortcut trigger."""
    flows = services_of(context).flows.flows_for(SHORTCUT)
    return [(f.name, str(getattr(f.definition.trigger, "title", "") or f.name)) for f in flows]


def on_run_flow(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    flows = shortcut_flows(context)
    if not flows:
        client.views_open(trigger_id=shortcut["trigger_id"], view=no_shortcut_flows_view())
        return
    metadata = seal(
        {
            "channel": shortcut["channel"]["id"],
            "ts": shortcut["message"]["ts"],
            "key": f"shortcut:{shortcut['trigger_id']}",
        }
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=flow_picker_view(flows, metadata))


def register(app: App) -> None:
    app.message_shortcut(CallbackId.MESSAGE_RUN_FLOW)(on_run_flow)
