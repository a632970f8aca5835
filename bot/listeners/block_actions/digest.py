"""Digest clicks: the modal's kind and schedule switches and time zone search, and the list's
Run now, Pause/Resume, Edit and Delete buttons (admins only, checked on every click by
``bot.access_middleware``).

A change to a definition reschedules this process at once (``services.digests_changed``) and
replaces the list message with the updated list.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import available_timezones

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.digest_form import form_from_view, form_of_digest
from bot.blocks.digest_modal import digest_modal, timezone_option
from bot.blocks.text import escape_mrkdwn
from bot.digests.preview import preview_digest
from bot.ids import ActionId
from bot.listeners.views.digest import default_timezone, list_message
from bot.modal_submit import forged_view
from bot.services import Services, SlackOrigin, services_of
from bot.signed_metadata import ForgedMetadata
from storage.digest_store import Digest

MAX_OPTIONS = 100  # Slack shows at most 100 options
TIMEZONES = sorted(available_timezones() - {"localtime", "Factory"})


def _digest(services: Services, action: dict[str, Any], respond: Respond) -> Digest | None:
    """The digest a button is about; a stale list is refreshed if it is gone."""
    raw = str(action.get("value") or "").partition(":")[0]
    digest = services.digests.store.get(int(raw)) if raw.isdigit() else None
    if digest is None:
        text, blocks = list_message(services, ":information_source: That digest is gone.")
        respond(replace_original=True, text=text, blocks=blocks)
    return digest


def _show_list(services: Services, respond: Respond, notice: str) -> None:
    text, blocks = list_message(services, notice)
    respond(replace_original=True, text=text, blocks=blocks)


# --------------------------------------------------------------------------- the modal
def _switch(
    client: WebClient, services: Services, body: dict[str, Any], **choice: str | None
) -> None:
    """Re-render the modal for the new choice. No hash: the latest click wins, and a
    background time zone fill cannot swallow it (this render carries the time zone)."""
    view = body["view"]
    try:
        form = form_from_view(view).switched(**choice)
    except ForgedMetadata:
        client.views_update(view_id=view["id"], view=forged_view())
        return
    if form.timezone is None:
        form = replace(form, timezone=default_timezone(client, body["user"]["id"]))
    client.views_update(view_id=view["id"], view=digest_modal(form))


def on_kind_switched(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    kind = (action.get("selected_option") or {}).get("value")
    _switch(client, services_of(context), body, kind=kind)


def on_schedule_switched(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    schedule_type = (action.get("selected_option") or {}).get("value")
    _switch(client, services_of(context), body, schedule_type=schedule_type)


def timezone_matches(query: str, limit: int = MAX_OPTIONS) -> list[str]:
    """IANA zones containing every word typed (``new york`` finds America/New_York)."""
    words = query.lower().replace("_", " ").replace("/", " ").split()
    found = [z for z in TIMEZONES if all(w in z.lower().replace("_", " ") for w in words)]
    return found[:limit]


def on_timezone_search(ack: Ack, payload: dict[str, Any]) -> None:
    """Options for the time zone menu (public data: no admin check needed)."""
    matches = timezone_matches(str(payload.get("value") or "")[:100])
    ack(options=[timezone_option(z) for z in matches])


# --------------------------------------------------------------------------- the list
def on_run_now(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
) -> None:
    """A preview to the admin only, after the ack (it queries Salesforce)."""
    ack()
    services = services_of(context)
    digest = _digest(services, action, respond)
    if digest is None:
        return
    user_id = body["user"]["id"]

    def run() -> None:
        services.run_audited(
            SlackOrigin.of(body),
            "digest_run_now",
            lambda: preview_digest(services.digests, digest, user_id),
            object_name=digest.kind,
            record_ids=[],
        )
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f":mailbox_with_mail: Sent you a preview of *{escape_mrkdwn(digest.name)}* "
            f"in a DM. Nothing was posted to <#{digest.channel_id}>.",
        )

    services.later(
        run,
        tell_user=lambda text: respond(
            response_type="ephemeral", replace_original=False, text=text
        ),
    )


def on_toggle(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
) -> None:
    """Pause or resume, as the button said (a second click of a stale list changes nothing)."""
    ack()
    services = services_of(context)
    digest = _digest(services, action, respond)
    if digest is None:
        return
    pause = str(action.get("value") or "").endswith(":pause")
    if digest.paused != pause:
        services.run_audited(
            SlackOrigin.of(body),
            "digest_pause" if pause else "digest_resume",
            lambda: services.digests.store.update(digest.id, paused=pause),
            object_name=digest.kind,
            record_ids=[],
        )
        services.digests_changed()
    verb = "Paused" if pause else "Resumed"
    _show_list(services, respond, f":white_check_mark: {verb} *{escape_mrkdwn(digest.name)}*.")


def on_edit(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The same modal, pre-filled; saving it refreshes this list (see views.digest)."""
    ack()
    services = services_of(context)
    digest = _digest(services, action, respond)
    if digest is None:
        return
    form = form_of_digest(digest, body.get("response_url"))
    client.views_open(trigger_id=body["trigger_id"], view=digest_modal(form))


def on_delete(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
) -> None:
    """Confirmed in Slack's dialog first (the button's ``confirm``)."""
    ack()
    services = services_of(context)
    digest = _digest(services, action, respond)
    if digest is None:
        return
    services.run_audited(
        SlackOrigin.of(body),
        "digest_delete",
        lambda: services.digests.store.delete(digest.id),
        object_name=digest.kind,
        record_ids=[],
    )
    services.digests_changed()
    _show_list(services, respond, f":wastebasket: Deleted *{escape_mrkdwn(digest.name)}*.")


def register(app: App) -> None:
    app.action(ActionId.DIGEST_KIND)(on_kind_switched)
    app.action(ActionId.DIGEST_SCHEDULE_TYPE)(on_schedule_switched)
    app.options(ActionId.DIGEST_TIMEZONE)(on_timezone_search)
    app.action(ActionId.DIGEST_RUN_NOW)(on_run_now)
    app.action(ActionId.DIGEST_TOGGLE)(on_toggle)
    app.action(ActionId.DIGEST_EDIT)(on_edit)
    app.action(ActionId.DIGEST_DELETE)(on_delete)
