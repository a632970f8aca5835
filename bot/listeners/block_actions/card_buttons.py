"""Buttons on record cards and on the delete confirmation: Delete, Cancel, Convert, Open.

Delete runs ``delete_record`` after the ack (background pool) and replaces the message it was
clicked in with the outcome; Convert opens the conversion modal; Open in Salesforce is a link,
acknowledged only.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.delete_record import DeleteRecordInput, delete_record
from actions.errors import ActionError, NotFound
from actions.objects import BY_PREFIX
from bot.errors import user_message
from bot.ids import ActionId
from bot.listeners.views.convert import open_convert_modal
from bot.services import Services, SlackOrigin, services_of


def delete_outcome(services: Services, origin: SlackOrigin, record_id: str) -> str:
    """Delete the record; what to tell the agent, whichever way it went."""
    spec = BY_PREFIX.get(record_id[:3])
    label = spec.label.lower() if spec else "record"
    try:
        inp = DeleteRecordInput.parse({"object_id": record_id})
        services.run_audited(
            origin,
            "delete_record",
            lambda: delete_record(services.actions, inp),
            object_name=spec.key if spec else None,
            record_ids=[record_id],
        )
    except NotFound:
        return (
            f":information_source: The {label} `{record_id}` is already deleted "
            "(or no longer visible to sfbot)."
        )
    except ActionError as exc:
        return user_message(exc)
    return f":wastebasket: Deleted the {label} `{record_id}`. It is in Salesforce's recycle bin."


def on_delete(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services, origin = services_of(context), SlackOrigin.of(body)
    record_id = str(action.get("value") or "")

    def run() -> None:
        text = delete_outcome(services, origin, record_id)
        respond(text=text, replace_original=True, response_type="ephemeral")

    services.later(
        run,
        tell_user=lambda text: respond(
            text=text, replace_original=False, response_type="ephemeral"
        ),
    )


def on_delete_cancel(ack: Ack, respond: Respond) -> None:
    ack()
    respond(delete_original=True)


def on_convert(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    open_convert_modal(
        client,
        services_of(context),
        body["trigger_id"],
        SlackOrigin.of(body),
        str(action.get("value") or ""),
        response_url=body.get("response_url"),
    )


def on_open_record(ack: Ack) -> None:
    """The link opens in the browser; Slack still sends the click, which needs an ack."""
    ack()


def register(app: App) -> None:
    app.action(ActionId.DELETE_RECORD)(on_delete)
    app.action(ActionId.DELETE_CANCEL)(on_delete_cancel)
    app.action(ActionId.CONVERT_LEAD)(on_convert)
    app.action(ActionId.OPEN_RECORD)(on_open_record)
