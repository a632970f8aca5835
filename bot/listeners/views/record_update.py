"""The update modal: opened from `/sf update <id>` or a card's Update button, pre-filled with
the record's current values (one read), and saved with only the fields the user changed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from actions.context import ActionContext
from actions.errors import ActionError, NotFound
from actions.escaping import format_soql
from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS, ObjectSpec, a_or_an, normalize_id, record_url, spec_for_id
from actions.update_record import UpdateRecordInput, update_record
from bot.blocks.record_modal import (
    FormField,
    RecordForm,
    Values,
    form_title,
    message_view,
    record_fields,
    record_form_view,
    shown_value,
    view_values,
)
from bot.blocks.record_result import record_summary
from bot.ids import BlockId, CallbackId, field_from_block_id
from bot.listeners.slack_calls import show_in_view, update_view
from bot.listeners.views.record_submit import (
    SEED_INPUTS,
    RecordMeta,
    answer_now,
    clean,
    error_of,
    submit_record,
    value_hash,
)
from bot.modal_submit import refuses_forged_metadata
from bot.services import Services, SlackOrigin, services_of
from bot.signed_metadata import ForgedMetadata


def seed_fields(spec: ObjectSpec) -> dict[str, str | None]:
    """block_id -> the Salesforce field behind Phone, Email and Description."""
    return {
        BlockId.PHONE: spec.phone_field,
        BlockId.EMAIL: spec.email_field,
        BlockId.DESCRIPTION: "Description",
    }


# --------------------------------------------------------------------------- open
def read_record(
    ctx: ActionContext, spec: ObjectSpec, record_id: str, columns: list[str]
) -> dict[str, Any]:
    soql = format_soql(
        "SELECT {:literal} FROM {:literal} WHERE Id = {}",
        ", ".join(columns),
        spec.api_name,
        record_id,
    )
    rows = ctx.connection.call(lambda sf: sf.query(soql)).get("records") or []
    if not rows:
        raise NotFound(
            f"no {spec.label.lower()} {record_id} (deleted, or sfbot cannot see it)", fields=["id"]
        )
    return dict(rows[0])


def shown_values(spec: ObjectSpec, fields: tuple[FormField, ...], row: dict[str, Any]) -> Values:
    """block_id -> the record's value as its input shows it (and reads it back untouched)."""
    values: Values = {}
    for f in fields:
        if f.block_id == BlockId.NAME:
            raw: Any = " ".join(str(row[n]) for n in spec.name_fields if row.get(n))
        else:
            api = field_from_block_id(f.block_id) or seed_fields(spec).get(f.block_id)
            raw = row.get(api) if api else None
        values[f.block_id] = shown_value(f, None if raw in (None, "") else str(raw))
    return values


def update_form_view(
    services: Services, origin: SlackOrigin, spec: ObjectSpec, record_id: str
) -> View:
    ctx = services.actions
    fields = record_fields(spec, ctx.metadata.describe(spec.api_name), for_create=False)
    columns = [*spec.name_fields, *(c for c in seed_fields(spec).values() if c)]
    columns += [api for f in fields if (api := field_from_block_id(f.block_id))]
    if spec.key == "lead":
        columns.append("IsConverted")
    row = services.run_audited(
        origin,
        "read_record",
        lambda: read_record(ctx, spec, record_id, list(dict.fromkeys(columns))),
        object_name=spec.key,
        record_ids=[record_id],
    )
    values = shown_values(spec, fields, row)
    # What each input shows is what it reads back untouched: comparing with that, an input
    # the user did not touch is never sent (e.g. a picklist value the select cannot offer).
    meta = RecordMeta(
        object=spec.key,
        channel=origin.channel_id,
        record_id=record_id,
        initial={block: value_hash(value) for block, value in values.items()},
        converted=row.get("IsConverted"),
    )
    return record_form_view(
        RecordForm(CallbackId.UPDATE_MODAL, spec.key, fields, meta.dumps(), values)
    )


def open_update_modal(
    client: WebClient, services: Services, *, trigger_id: str, origin: SlackOrigin, record_id: str
) -> None:
    """Check the id, open a loading modal at once, then fill it with the record's values after
    the ack (the read runs on the background pool; a failure is shown in the modal).

    A malformed or unsupported id raises InvalidInput before anything opens (no call)."""
    record_id = normalize_id(record_id)
    spec = spec_for_id(record_id)
    title = form_title(CallbackId.UPDATE_MODAL, spec.key)
    loading = message_view(
        title,
        f":hourglass_flowing_sand: Reading the {spec.label.lower()} from Salesforce…",
        callback_id=CallbackId.UPDATE_MODAL,
    )
    opened = client.views_open(trigger_id=trigger_id, view=loading)["view"]
    services.later(
        lambda: update_view(client, opened, update_form_view(services, origin, spec, record_id)),
        tell_user=lambda text: show_in_view(client, opened["id"], message_view(title, text)),
    )


# --------------------------------------------------------------------------- submit
def update_input(spec: ObjectSpec, record_id: str, changed: Values) -> UpdateRecordInput:
    """Only the changed values; an emptied input clears its Salesforce field."""
    raw: dict[str, Any] = {"id": record_id, "fields": {}}
    for block, value in changed.items():
        api = field_from_block_id(block) or seed_fields(spec).get(block)
        if block == BlockId.NAME:
            raw["name"] = value or ""
        elif block in SEED_INPUTS and clean(value):
            raw[SEED_INPUTS[block]] = value
        elif api:
            raw["fields"][api] = clean(value)
    return UpdateRecordInput.parse(raw)


@refuses_forged_metadata
def on_update_submit(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    meta = RecordMeta.loads(view.get("private_metadata"))
    if meta.object not in OBJECTS or not meta.record_id:
        ack()  # the loading or error view: nothing to save
        return
    spec, record_id = OBJECTS[meta.object], meta.record_id
    if spec_for_id(record_id) is not spec:  # the id must be of the object the form shows
        raise ForgedMetadata(f"{record_id} is not {a_or_an(spec.label.lower())}")
    origin = SlackOrigin.of(body, meta.channel)
    values = view_values(view)
    changed = {
        block: value
        for block, value in values.items()
        if block in meta.initial and value_hash(value) != meta.initial[block]
    }
    if not changed:
        ack(
            response_action="update",
            view=message_view(
                form_title(CallbackId.UPDATE_MODAL, spec.key),
                "Nothing changed, so nothing was sent to Salesforce.",
            ),
        )
        return

    def form(error: str) -> View:
        try:
            describe = services.actions.metadata.describe(spec.api_name)
        except ActionError as exc:  # the form cannot be rebuilt: say both things plainly
            return message_view(
                form_title(CallbackId.UPDATE_MODAL, spec.key),
                f"{error}\n\nNothing was changed. ({error_of(exc)})",
            )
        fields = record_fields(spec, describe, for_create=False)
        return record_form_view(
            RecordForm(CallbackId.UPDATE_MODAL, spec.key, fields, meta.dumps(), values, error=error)
        )

    try:
        inp = update_input(spec, record_id, changed)
    except ActionError as exc:
        answer_now(ack, exc, spec, view, form)
        return

    def work() -> RecordSummary:
        ctx = services.actions
        # Read before the write: after it, nothing may fail (the claim would be released).
        instance = ctx.instance_url()
        services.run_audited(
            origin,
            "update_record",
            lambda: update_record(ctx, inp),
            object_name=spec.key,
            record_ids=[record_id],
        )
        url = record_url(instance, spec.api_name, record_id)
        return record_summary(spec, record_id, url, values, is_converted=meta.converted)

    submit_record(ack, client, services, view, "update", spec, meta, origin, form, work)


def register(app: App) -> None:
    app.view_submission(CallbackId.UPDATE_MODAL)(on_update_submit)
