"""What the create and update modals share: their signed metadata, errors shown on the
fields, and the one-write-per-view submission that sends the record card."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject
from slack_sdk.models.views import View

from actions.errors import ActionError
from actions.lookup_record import RecordSummary
from actions.objects import ObjectSpec
from bot.blocks.record_modal import (
    error_text,
    form_title,
    input_block_ids,
    message_view,
    view_values,
)
from bot.blocks.record_result import done_text, result_message, where_to_check
from bot.errors import user_message
from bot.ids import BlockId, CallbackId, field_from_block_id
from bot.modal_submit import (
    Submission,
    SubmitOutcome,
    ack_outcome,
    submit,
    unknown_text,
)
from bot.notify import tell_user
from bot.services import Services, SlackOrigin
from bot.signed_metadata import SignedMeta

SEED_INPUTS: dict[str, str] = {
    BlockId.NAME: "name",
    BlockId.PHONE: "phone",
    BlockId.EMAIL: "email",
    BlockId.DESCRIPTION: "description",
}


class RecordMeta(SignedMeta):
    """The modal's ``private_metadata`` (JSON, far below Slack's 3,000 characters)."""

    object: str | None = None  # the object whose fields the modal shows
    channel: str | None = None  # where the result card goes (else a DM)
    record_id: str | None = None  # update only
    initial: dict[str, str] = Field(
        default_factory=dict
    )  # block_id -> value_hash of the value shown
    converted: bool | None = None
    permalink: str | None = None  # create from a message: added to the description
    offered: list[str] = Field(default_factory=list)  # create: the field blocks it shows
    # create: how many times the duplicates were shown (part of the submission's key), and
    # the values they were shown for when every rule allows saving ("Create anyway").
    attempt: int = 0
    allow_save_for: str | None = None


def value_hash(value: str | None) -> str:
    """A short hash of what an input shows, to tell later whether the user changed it."""
    return hashlib.sha256((value or "").strip().encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- errors
def error_of(exc: ActionError) -> str:
    return error_text(user_message(exc))


def block_for(spec: ObjectSpec, name: str, present: set[str]) -> str | None:
    """The block showing an action input (``email``, ``fields.Company``) or a Salesforce field."""
    key = name.removeprefix("fields.")
    lowered = key.lower()
    by_input = {v: k for k, v in SEED_INPUTS.items()} | {"object": BlockId.OBJECT}
    block: str | None = by_input.get(name)
    if block is None:
        if lowered in {n.lower() for n in spec.name_fields}:
            block = BlockId.NAME
        elif lowered == (spec.phone_field or "").lower():
            block = BlockId.PHONE
        elif lowered == (spec.email_field or "").lower():
            block = BlockId.EMAIL
        elif lowered == "description":
            block = BlockId.DESCRIPTION
        else:
            block = next(
                (b for b in present if (field_from_block_id(b) or "").lower() == lowered), None
            )
    return block if block in present else None


def error_outcome(
    exc: ActionError,
    spec: ObjectSpec,
    view: dict[str, Any],
    form: Callable[[str], View],
    *,
    late: bool,
) -> SubmitOutcome:
    """Errors on the fields Salesforce or the input check named, and the modal again with the
    error at the top. That modal is built (it may need the describe) only if Slack will show
    it: when no field is named, or when the answer comes after the ack (``late``)."""
    present = input_block_ids(view)
    errors = {b: exc.message[:150] for f in exc.fields if (b := block_for(spec, f, present))}
    shown = form(error_of(exc)) if late or not errors else None
    return SubmitOutcome(view=shown, errors=errors or None)


def answer_now(
    ack: Ack, exc: ActionError, spec: ObjectSpec, view: dict[str, Any], form: Callable[[str], View]
) -> None:
    """Refuse the submission before anything ran: field errors, else the form with the error."""
    ack_outcome(ack, error_outcome(exc, spec, view, form, late=False))


def clean(value: str | None) -> str | None:
    return value.strip() or None if value else None


def submit_record(
    ack: Ack,
    client: WebClient,
    services: Services,
    view: dict[str, Any],
    action: Literal["create", "update"],
    spec: ObjectSpec,
    meta: RecordMeta,
    origin: SlackOrigin,
    form: Callable[[str], View],
    work: Callable[[], RecordSummary | View],
) -> None:
    """Run a create or update once per view (``bot.modal_submit``) and send the card (where
    the user started, else by DM) from the worker; the modal closes. A create that found
    duplicates instead returns the modal to show (nothing was written)."""
    doing, done = ("Creating", "Created") if action == "create" else ("Saving", "Updated")
    modal = CallbackId.CREATE_MODAL if action == "create" else CallbackId.UPDATE_MODAL
    title = form_title(modal, spec.key)
    late = threading.Event()  # set once the ack went out before the outcome

    def work_and_tell() -> RecordSummary | View:
        record = work()
        if isinstance(record, View):
            return record
        text, blocks = result_message(done, record, services.access.offered(client, origin.user_id))
        note = services.audit_note()
        if note:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
        tell_user(client, origin.user_id, text=text, blocks=blocks, channel_id=meta.channel)
        return record

    def working_view() -> View:
        late.set()
        return message_view(
            title, f":hourglass_flowing_sand: {doing} the {spec.label.lower()} in Salesforce…"
        )

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"{action}:{view['id']}:{meta.attempt}",
            work=work_and_tell,
            on_success=lambda result: result if isinstance(result, View) else None,
            on_error=lambda exc: error_outcome(exc, spec, view, form, late=late.is_set()),
            working_view=working_view,
            closed_view=lambda: message_view(title, done_text(done, spec.label, meta.channel)),
            replay=lambda stored: View(**stored["view"]) if "view" in (stored or {}) else None,
            to_store=lambda result: (
                {"view": result.to_dict()}
                if isinstance(result, View)
                else result.model_dump(mode="json")
            ),
            unknown_view=lambda message: message_view(
                title, unknown_text(message, unknown_check(services, spec, meta, view))
            ),
        ),
    )


def unknown_check(
    services: Services, spec: ObjectSpec, meta: RecordMeta, view: dict[str, Any]
) -> str:
    """Where to check a create or update whose outcome is unknown (links need the instance)."""
    try:
        instance: str | None = services.actions.instance_url()
    except ActionError:
        instance = None
    name = " ".join((view_values(view).get(BlockId.NAME) or "").split())
    return where_to_check(spec, instance, meta.record_id, name)
