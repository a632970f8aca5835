"""Connection management clicks: the flow picker of the connect modal, the disconnect button
(admins only, checked on every click by ``bot.access_middleware``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.connect import connection_status, disconnect, scope_review
from bot.blocks.connect_modal import FLOWS, connect_modal
from bot.blocks.status import disconnect_outcome, disconnect_outcome_text
from bot.ids import ActionId
from bot.listeners.commands.connect import replacing_text
from bot.listeners.slack_calls import update_view
from bot.services import SlackOrigin, services_of


def switch_flow(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Re-render the connect modal with the chosen flow's inputs (typed values stay in Slack)."""
    ack()
    services = services_of(context)
    flow = (action.get("selected_option") or {}).get("value") or ""
    if flow not in FLOWS:
        return
    status = connection_status(services.actions, live=False)
    # guarded by the hash: a newer update (another click) wins
    update_view(
        client,
        body["view"],
        connect_modal(flow, scope_review(flow), replacing=replacing_text(status)),
    )


def confirm_disconnect(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """The admin confirmed the dialog: revoke, delete the secrets, replace the prompt."""
    ack()
    services = services_of(context)
    user_id = body["user"]["id"]
    origin = SlackOrigin.of(body)

    def run() -> None:
        result = services.run_audited(origin, "disconnect", lambda: disconnect(services.actions))
        respond(
            replace_original=True,
            text=disconnect_outcome_text(result, user_id),
            blocks=disconnect_outcome(result, user_id),
        )

    services.later(
        run,
        tell_user=lambda text: respond(
            response_type="ephemeral", replace_original=False, text=text
        ),
    )


def register(app: App) -> None:
    app.action(ActionId.CONNECT_FLOW)(switch_flow)
    app.action(ActionId.DISCONNECT)(confirm_disconnect)
