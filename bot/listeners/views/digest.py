"""The digest modal: opening it (add, edit), its submission, and the list it refreshes.

The modal opens at once (a trigger_id dies after 3 s); the admin's time zone is looked up
afterwards and filled in with ``views.update``. A submission is checked without Salesforce
first (inputs, schedule, time zone, and sfbot's membership of the channel, the one Slack call
before the ack: field errors, nothing saved); then the save runs once per view through
``bot.modal_submit``: a custom query checked by Salesforce, a hot-lead score field against the
cached Lead describe. Only admins get this far: ``bot.access_middleware`` refuses the modal's
submissions and clicks to anyone else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from actions.digest_kinds import check_custom_query
from actions.errors import ActionError, InvalidInput
from bot.blocks.digest_form import DigestForm, DigestMeta, form_from_view
from bot.blocks.digest_list import DigestEntry, digest_list_blocks, digest_list_text, format_when
from bot.blocks.digest_modal import (
    closed_view,
    digest_modal,
    input_block_ids,
    saved_view,
    working_view,
)
from bot.errors import user_message
from bot.ids import BlockId, CallbackId
from bot.listeners.slack_calls import update_view
from bot.listeners.views.digest_checks import (
    DigestDraft,
    channel_problem,
    check_form,
    check_score_field,
    field_errors,
)
from bot.modal_submit import Submission, SubmitOutcome, refuses_forged_metadata, submit
from bot.services import Services, SlackOrigin, services_of
from storage.digest_store import Digest

logger = logging.getLogger(__name__)


def default_timezone(client: WebClient, user_id: str) -> str:
    """The user's Slack time zone (users.info ``tz``), else UTC."""
    try:
        tz = client.users_info(user=user_id)["user"].get("tz")
    except SlackApiError as exc:
        logger.warning("users.info failed (%s); defaulting to UTC", exc.response.get("error"))
        return "UTC"
    return str(tz) if tz else "UTC"


# --------------------------------------------------------------------------- the list
def digest_entries(services: Services) -> list[DigestEntry]:
    store = services.digests.store
    entries = []
    for digest in store.all_digests():
        last = next(iter(store.runs(digest.id, limit=1)), None)
        upcoming = None if digest.paused else next_run(services, digest)
        entries.append(DigestEntry(digest, upcoming, last))
    return entries


def next_run(services: Services, digest: Digest) -> datetime | None:
    try:
        return services.digests.next_run(digest)
    except (ActionError, ValueError):
        return None  # a stored schedule that no longer parses: the list says so


def list_message(services: Services, notice: str | None = None) -> tuple[str, list[Block]]:
    entries = digest_entries(services)
    return digest_list_text(entries), digest_list_blocks(entries, notice=notice)


def refresh_list(services: Services, response_url: str, notice: str) -> None:
    """Replace the list message an Edit was clicked in (the digest is saved either way)."""
    text, blocks = list_message(services, notice)
    try:
        sent = WebhookClient(response_url, timeout=5).send(
            text=text, blocks=blocks, replace_original=True, response_type="ephemeral"
        )
    except OSError as exc:
        logger.warning("could not refresh the digest list (%s)", type(exc).__name__)
        return
    if sent.status_code != 200:
        logger.warning("could not refresh the digest list (HTTP %s)", sent.status_code)


# --------------------------------------------------------------------------- opening
def open_add_modal(
    client: WebClient,
    services: Services,
    *,
    trigger_id: str,
    user_id: str,
    tell_user: Callable[[str], object],
) -> None:
    """Open the empty form now; fill in the admin's time zone right after."""
    opened = client.views_open(trigger_id=trigger_id, view=digest_modal(DigestForm()))["view"]

    def fill_timezone() -> None:
        # guarded by the hash: if the admin switched kind or schedule first, that update
        # already carried the time zone
        form = DigestForm(timezone=default_timezone(client, user_id))
        update_view(client, opened, digest_modal(form))

    services.later(fill_timezone, tell_user=tell_user)


# --------------------------------------------------------------------------- saving
def save_work(
    services: Services, origin: SlackOrigin, draft: DigestDraft, meta: DigestMeta
) -> Callable[[], dict[str, Any]]:
    """Check with Salesforce where needed; save, reschedule; what the result view shows."""
    store = services.digests.store
    fields: dict[str, Any] = {
        "name": draft.name,
        "kind": draft.kind,
        "params": draft.params,
        "channel_id": draft.channel_id,
        "schedule": draft.schedule,
        "timezone": draft.timezone,
        "post_when_empty": draft.post_when_empty,
    }

    def save() -> Digest:
        if draft.kind == "custom":
            check_custom_query(services.actions, draft.params["soql"])
        if draft.kind == "hot_leads":
            check_score_field(services.actions, draft.params["score_field"])
        if meta.digest_id is None:
            return store.create(**fields, owner_user_id=origin.user_id)
        saved = store.update(meta.digest_id, **fields)
        if saved is None:
            raise InvalidInput("This digest was deleted meanwhile.", code="DIGEST_NOT_FOUND")
        return saved

    def run() -> dict[str, Any]:
        action = "digest_add" if meta.digest_id is None else "digest_edit"
        digest = services.run_audited(origin, action, save, object_name=draft.kind, record_ids=[])
        services.digests_changed()
        if meta.response_url:
            refresh_list(services, meta.response_url, f":pencil2: Saved *{digest.name}*.")
        upcoming = next_run(services, digest)
        return {
            "name": digest.name,
            "channel_id": digest.channel_id,
            "edited": meta.digest_id is not None,
            "next_run": format_when(upcoming, digest.timezone) if upcoming else None,
        }

    return run


@refuses_forged_metadata
def handle_digest_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    form = form_from_view(view)
    meta = DigestMeta.loads(view.get("private_metadata"))
    if (form.kind, form.schedule_type) != (meta.kind, meta.schedule_type):
        # the switch's views.update had not landed: show the chosen kind's inputs first
        note = ":point_down: Check the inputs for your choice, then save again."
        ack(response_action="update", view=digest_modal(replace(form, error=note)))
        return
    draft, errors = check_form(form)
    if form.channel_id:
        problem = channel_problem(client, form.channel_id)
        if problem:
            errors[BlockId.DIGEST_CHANNEL] = problem
    if draft is None or errors:
        ack(response_action="errors", errors=errors)
        return
    present = input_block_ids(digest_modal(form))

    def on_error(exc: ActionError) -> SubmitOutcome:
        shown = replace(form, error=user_message(exc))
        return SubmitOutcome(view=digest_modal(shown), errors=field_errors(exc, present))

    def result(stored: dict[str, Any]) -> View:
        return saved_view(**stored)

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"digest:{view['id']}",
            work=save_work(services, SlackOrigin.of(body, draft.channel_id), draft, meta),
            on_success=result,
            on_error=on_error,
            working_view=working_view,
            closed_view=closed_view,
            replay=result,
            to_store=lambda stored: stored,
        ),
    )


def register(app: App) -> None:
    app.view(CallbackId.DIGEST_MODAL)(handle_digest_submission)
