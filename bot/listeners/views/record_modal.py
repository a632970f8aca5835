"""The create modal: opening it, filling it, and its submission (the update modal is in
``record_update``; what both share is in ``record_submit``).

Opening never waits for Salesforce: the modal opens at once (a trigger_id dies after 3 s) with
what needs no API call, then is completed with ``views.update`` guarded by the view's hash, so
an older fill never overwrites a newer one (e.g. after the user picked another object).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from actions.create_record import CreateRecordInput, create_record, creation_defaults
from actions.errors import ActionError
from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS, ObjectSpec, record_url
from bot.blocks.duplicates import duplicates_panel
from bot.blocks.record_modal import (
    INPUT_MAX,
    FormField,
    RecordForm,
    Values,
    common_fields,
    form_title,
    initial_values,
    message_view,
    record_fields,
    record_form_view,
    view_values,
)
from bot.blocks.record_result import record_summary
from bot.blocks.text import with_permalink
from bot.duplicate_check import (
    Duplicates,
    check_duplicates,
    duplicates_of_refusal,
    input_digest,
)
from bot.ids import BlockId, CallbackId, field_block_id, field_from_block_id
from bot.listeners.slack_calls import show_in_view, update_view
from bot.listeners.views.record_submit import (
    SEED_INPUTS,
    RecordMeta,
    answer_now,
    clean,
    error_of,
    submit_record,
)
from bot.modal_submit import (
    refuses_forged_metadata,
)
from bot.services import Services, SlackOrigin, services_of


# --------------------------------------------------------------------------- create: open
def create_fields(
    services: Services, spec: ObjectSpec, description: str | None
) -> tuple[tuple[FormField, ...], dict[str, Any]]:
    """The object's inputs and the action's defaults (describe and first stage are cached)."""
    ctx = services.actions
    describe = ctx.metadata.describe(spec.api_name)
    probe = CreateRecordInput.model_construct(object=spec.key, fields={}, description=description)
    defaults = creation_defaults(ctx, probe)
    return record_fields(spec, describe, for_create=True, defaults=defaults), defaults


def create_form_view(
    services: Services,
    meta: RecordMeta,
    object_name: str | None,
    values: Values,
    error: str | None = None,
    duplicates: Duplicates | None = None,
) -> View:
    """The create modal with ``object_name``'s inputs (or, without one, the picker, Name and
    Description) showing ``values``; the action's defaults fill the inputs not in ``values``."""
    fields, shown = common_fields(), values
    if object_name:
        try:
            fields, defaults = create_fields(
                services, OBJECTS[object_name], values.get(BlockId.DESCRIPTION)
            )
            shown = {**initial_values(fields, defaults), **values}
        except ActionError as exc:
            object_name, error = None, error_of(exc)
    offered = [f.block_id for f in fields if field_from_block_id(f.block_id)]
    meta = meta.model_copy(update={"object": object_name, "offered": offered})
    note = ":link: The message's link is added to the description." if meta.permalink else None
    top, submit = [], None
    if duplicates is not None and object_name:
        label = OBJECTS[object_name].label.lower()
        top = duplicates_panel(label, duplicates.rule, duplicates.matches, duplicates.blocked)
        submit = "Check again" if duplicates.blocked else "Create anyway"
    form = RecordForm(
        CallbackId.CREATE_MODAL,
        object_name,
        fields,
        meta.dumps(),
        shown,
        picker=True,
        error=error,
        note=note,
        top=top,
        submit=submit,
    )
    return record_form_view(form)


def open_create_modal(
    client: WebClient,
    *,
    trigger_id: str,
    channel_id: str | None,
    object_name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Open the create modal at once: the picker, Name and Description (no API call)."""
    label = OBJECTS[object_name].label.lower() if object_name else ""
    form = RecordForm(
        callback_id=CallbackId.CREATE_MODAL,
        object=object_name,
        fields=common_fields(),
        metadata=RecordMeta(channel=channel_id).dumps(),
        values={BlockId.DESCRIPTION: description} if description else {},
        picker=True,
        note=f":hourglass_flowing_sand: Loading the {label} fields…" if object_name else None,
    )
    return dict(client.views_open(trigger_id=trigger_id, view=record_form_view(form))["view"])


def fill_create_form(
    client: WebClient, services: Services, view: dict[str, Any], object_name: str
) -> None:
    """Show ``object_name``'s inputs in the open modal, keeping the values it already holds,
    after the ack: on the background pool (describe and first stage may call Salesforce).
    A failure the form cannot show replaces the modal with what went wrong."""
    values = {k: v for k, v in view_values(view).items() if k != BlockId.OBJECT}
    meta = RecordMeta.loads(view.get("private_metadata"))
    title = form_title(CallbackId.CREATE_MODAL, object_name)
    services.later(
        lambda: update_view(client, view, create_form_view(services, meta, object_name, values)),
        tell_user=lambda text: show_in_view(client, view["id"], message_view(title, text)),
    )


def remember_permalink(
    client: WebClient, services: Services, view: dict[str, Any], permalink: str
) -> None:
    """Keep a message's permalink in the private_metadata of the create modal just opened
    (no object chosen yet, so no Salesforce call; a newer view is left alone)."""
    meta = RecordMeta.loads(view.get("private_metadata")).model_copy(
        update={"permalink": permalink}
    )
    values = {k: v for k, v in view_values(view).items() if k != BlockId.OBJECT}
    update_view(client, view, create_form_view(services, meta, None, values))


# --------------------------------------------------------------------------- create: submit
def create_input(spec: ObjectSpec, values: Values, offered: list[str]) -> CreateRecordInput:
    """The create action's input from the modal's values: only the field inputs the modal
    offered (``offered``, from the signed metadata): a block added on the way is ignored."""
    raw: dict[str, Any] = {"object": spec.key, "name": values.get(BlockId.NAME) or ""}
    for block, name in SEED_INPUTS.items():
        if block != BlockId.NAME and clean(values.get(block)):
            raw[name] = values[block]
    fields = {
        api: clean(v) for b, v in values.items() if b in offered and (api := field_from_block_id(b))
    }
    raw["fields"] = {api: v for api, v in fields.items() if v is not None}
    return CreateRecordInput.parse(raw)


@refuses_forged_metadata
def on_create_submit(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    meta = RecordMeta.loads(view.get("private_metadata"))
    values = view_values(view)
    chosen = values.get(BlockId.OBJECT)
    if meta.object not in OBJECTS or chosen != meta.object:
        # Submitted before the chosen object's inputs arrived: show them, then let the user
        # check and submit again.
        ack(
            response_action="errors",
            errors={BlockId.OBJECT: "Loading its fields: check them, then submit again."},
        )
        if chosen in OBJECTS:
            fill_create_form(client, services, view, chosen)
        return
    spec = OBJECTS[meta.object]
    origin = SlackOrigin.of(body, meta.channel)
    if meta.permalink:
        values[BlockId.DESCRIPTION] = with_permalink(
            values.get(BlockId.DESCRIPTION), meta.permalink, INPUT_MAX
        )

    def form(error: str) -> View:
        shown = {k: v for k, v in values.items() if k != BlockId.OBJECT}
        return create_form_view(services, meta, spec.key, shown, error)

    try:
        inp = create_input(spec, values, meta.offered)
    except ActionError as exc:
        answer_now(ack, exc, spec, view, form)
        return
    checked = input_digest(inp)
    if meta.allow_save_for == checked:  # "Create anyway" for the values the matches were for
        inp = inp.model_copy(update={"allow_save": True})

    def duplicates_view(found: Duplicates) -> View:
        shown = {k: v for k, v in values.items() if k != BlockId.OBJECT}
        if meta.permalink:  # the link is added again on the next submission
            shown[BlockId.DESCRIPTION] = view_values(view).get(BlockId.DESCRIPTION)
        seen = meta.model_copy(
            update={
                "attempt": meta.attempt + 1,
                "allow_save_for": None if found.blocked else checked,
            }
        )
        return create_form_view(services, seen, spec.key, shown, duplicates=found)

    def work() -> RecordSummary | View:
        if not inp.allow_save and (found := check_duplicates(services, origin, inp)):
            return duplicates_view(found)
        try:
            return create_and_summarize()
        except ActionError as exc:
            refused = duplicates_of_refusal(services, exc)
            if refused is None:
                raise
            return duplicates_view(refused)

    def create_and_summarize() -> RecordSummary:
        ctx = services.actions
        # The defaults first: after the write, nothing may fail (the claim would be released).
        defaults = creation_defaults(ctx, inp)
        instance = ctx.instance_url()
        out = services.run_audited(
            origin,
            "create_record",
            lambda: create_record(ctx, inp),
            object_name=spec.key,
            result_ids=lambda o: [o.id],
        )
        shown = {**values, **{field_block_id(k): str(v) for k, v in defaults.items()}}
        url = record_url(instance, spec.api_name, out.id)
        return record_summary(spec, out.id, url, shown, is_converted=False)

    submit_record(ack, client, services, view, "create", spec, meta, origin, form, work)


def register(app: App) -> None:
    app.view_submission(CallbackId.CREATE_MODAL)(on_create_submit)
