"""Buttons on record cards and on the delete confirmation: Delete, Cancel, Convert, Open.

Delete runs ``delete_record`` after the ack (background pool) and replaces the message it was
clicked in with the outcome; Convert opens the conversion modal; Open in Salesforce is a link,
acknowledged only.

A Delete click is claimed in the idempotency store by record and message first: a double
click, or the same signed click replayed, gets "already deleted" (or the first click's
outcome) without a second DELETE to Salesforce.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from actions.delete_record import DeleteRecordInput, delete_record
from actions.errors import ActionError, NotFound, OutcomeUnknown
from actions.objects import BY_PREFIX
from bot.errors import user_message
from bot.ids import ActionId
from bot.listeners.views.convert import open_convert_modal
from bot.services import Services, SlackOrigin, services_of


def delete_key(record_id: str, body: dict[str, Any]) -> str:
    """One delete per record and message the button is in (a new card may delete again, e.g.
    after the record was restored from the recycle bin)."""
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    where = (container or {}).get("message_ts") or (container or {}).get("view_id") or ""
    return f"delete:{record_id}:{where}"


def delete_once(services: Services, origin: SlackOrigin, record_id: str, key: str) -> str:
    """``delete_outcome`` once per ``key``; a repeat is told the first one's outcome."""
    claimed, state, stored = services.idempotency.claim(key)
    if not claimed:
        if state == services.idempotency.DONE and isinstance(stored, str):
            return stored
        return f":hourglass_flowing_sand: `{record_id}` is already being deleted."
    try:
        text, replay = delete_outcome(services, origin, record_id)
    except RetryableRefusal as exc:
        services.idempotency.release(key)
        return exc.text
    except BaseException:
        services.idempotency.finish(key, None)
        raise
    services.idempotency.finish(key, replay)
    return text


class RetryableRefusal(Exception):
    """Nothing was deleted and trying again may work: the claim is released."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def delete_outcome(services: Services, origin: SlackOrigin, record_id: str) -> tuple[str, str]:
    """Delete the record: what to tell the agent now, and what to tell a repeated click."""
    spec = BY_PREFIX.get(record_id[:3])
    label = spec.label.lower() if spec else "record"
    gone = (
        f":information_source: The {label} `{record_id}` is already deleted "
        "(or no longer visible to sfbot)."
    )
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
        return gone, gone
    except OutcomeUnknown as exc:  # the record may be deleted: never sent again
        return user_message(exc), user_message(exc)
    except ActionError as exc:
        raise RetryableRefusal(user_message(exc)) from exc
    deleted = f":wastebasket: Deleted the {label} `{record_id}`. It is in Salesforce's recycle bin."
    note = services.audit_note()
    return (f"{deleted}\n{note}" if note else deleted), gone


def on_delete(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    ack()
    services, origin = services_of(context), SlackOrigin.of(body)
    record_id = str(action.get("value") or "")
    key = delete_key(record_id, body)

    def run() -> None:
        text = delete_once(services, origin, record_id, key)
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
