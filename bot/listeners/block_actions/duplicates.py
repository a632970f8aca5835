"""Buttons about duplicates: "Update this one instead" in the create modal's matches, and
"Merge…" on record cards and duplicates digest groups."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.errors import InvalidInput
from actions.objects import normalize_id, spec_for_id
from bot.blocks.record_modal import form_title, message_view
from bot.errors import user_message
from bot.ids import ActionId, CallbackId
from bot.listeners.slack_calls import show_in_view, update_view
from bot.listeners.views.merge import open_merge_modal
from bot.listeners.views.record_update import update_form_view
from bot.services import SlackOrigin, services_of


def on_update_instead(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Turn the create modal into the update modal of the chosen match (no record created)."""
    ack()
    services, view = services_of(context), body["view"]
    try:
        record_id = normalize_id(str(action.get("value") or ""))
        spec = spec_for_id(record_id)
    except InvalidInput as exc:
        show_in_view(client, view["id"], message_view("sfbot", user_message(exc)))
        return
    origin = SlackOrigin.of(body)
    title = form_title(CallbackId.UPDATE_MODAL, spec.key)
    loading = message_view(
        title,
        f":hourglass_flowing_sand: Reading the {spec.label.lower()} from Salesforce…",
        callback_id=CallbackId.UPDATE_MODAL,
    )
    opened = client.views_update(view_id=view["id"], view=loading)["view"]
    services.later(
        lambda: update_view(client, opened, update_form_view(services, origin, spec, record_id)),
        tell_user=lambda text: show_in_view(client, opened["id"], message_view(title, text)),
    )


def on_merge_clicked(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    ack()
    ids = [i.strip() for i in str(action.get("value") or "").split(",") if i.strip()]
    try:
        open_merge_modal(
            client,
            services_of(context),
            trigger_id=body["trigger_id"],
            origin=SlackOrigin.of(body),
            ids=ids,
        )
    except InvalidInput as exc:
        respond(response_type="ephemeral", replace_original=False, text=user_message(exc))


def register(app: App) -> None:
    app.action(ActionId.UPDATE_INSTEAD)(on_update_instead)
    app.action(ActionId.MERGE_RECORDS)(on_merge_clicked)
