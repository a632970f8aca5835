"""The create modal's object picker, and the Update button on record cards.

Both answer at once; what needs Salesforce (the object's describe and defaults, the record's
values) fills the modal afterwards, from the background pool.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.errors import InvalidInput
from actions.objects import OBJECTS
from bot.errors import user_message
from bot.ids import ActionId
from bot.listeners.slack_calls import show_in_view
from bot.listeners.views.record_modal import fill_create_form
from bot.listeners.views.record_update import open_update_modal
from bot.modal_submit import forged_view
from bot.services import SlackOrigin, services_of
from bot.signed_metadata import ForgedMetadata

logger = logging.getLogger(__name__)


def on_object_picked(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Show the chosen object's inputs (views.update with the view's hash)."""
    ack()
    chosen = (action.get("selected_option") or {}).get("value")
    if chosen in OBJECTS:
        try:
            fill_create_form(client, services_of(context), body["view"], chosen)
        except ForgedMetadata as exc:
            logger.warning("refused an object pick: %s", exc.message)
            show_in_view(client, body["view"]["id"], forged_view())


def on_update_clicked(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    try:
        open_update_modal(
            client,
            services_of(context),
            trigger_id=body["trigger_id"],
            origin=SlackOrigin.of(body),
            record_id=str(action.get("value") or ""),
        )
    except InvalidInput as exc:
        respond(response_type="ephemeral", replace_original=False, text=user_message(exc))


def register(app: App) -> None:
    app.action(ActionId.OBJECT_PICKER)(on_object_picked)
    app.action(ActionId.UPDATE_RECORD)(on_update_clicked)
