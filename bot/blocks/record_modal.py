"""The create/update record modal: which inputs an object gets, the view, and reading it back.

One input per Salesforce value: Name, Phone, Email and Description (the actions' seed inputs,
only those the object has), then the object's other fields by their Salesforce label (block id
``field_block_id(api_name)``). Every input uses ``ActionId.FIELD_INPUT``; block ids tell them
apart, so Slack keeps what the user typed across ``views.update``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from actions.metadata import FieldInfo, ObjectDescribe
from actions.objects import OBJECTS, ObjectSpec
from bot.blocks.text import PLAIN_TEXT_MAX, SECTION_TEXT_MAX, TITLE_MAX, escape_mrkdwn, truncate
from bot.blocks.view_state import ViewState
from bot.ids import ActionId, BlockId, CallbackId, field_block_id, field_from_block_id

FieldKind = Literal["text", "multiline", "select", "date"]
Values = dict[str, str | None]  # block_id -> value shown in the modal

INPUT_MAX = 3000  # plain_text_input max_length
OPTIONS_MAX = 100  # static_select options
OPTION_VALUE_MAX = 150
# Fields shown for an object besides the seed inputs and its required fields.
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "lead": ("Company",),
    "opportunity": ("StageName", "CloseDate"),
    "case": ("Subject",),
}
HINTS = {("case", "Subject"): "Left empty, the description's first line is used."}


@dataclass(frozen=True)
class FormField:
    """One input of the modal."""

    block_id: str
    label: str
    kind: FieldKind = "text"
    optional: bool = True
    options: tuple[str, ...] = ()
    placeholder: str | None = None
    hint: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class RecordForm:
    """What the modal shows: the object's inputs with their values, or the picker alone."""

    callback_id: CallbackId
    object: str | None
    fields: tuple[FormField, ...]
    metadata: str
    values: Values = field(default_factory=dict)
    picker: bool = False
    note: str | None = None  # e.g. "Loading the lead fields…"
    error: str | None = None  # mrkdwn, shown at the top
    top: list[Block] = field(default_factory=list)  # e.g. the duplicates a rule found
    submit: str | None = None  # the submit button's label when not Create/Save


def common_fields() -> tuple[FormField, ...]:
    """Name and Description: what every object has, shown before one is chosen."""
    return (
        FormField(BlockId.NAME, "Name", optional=False, max_length=255),
        FormField(BlockId.DESCRIPTION, "Description", kind="multiline", max_length=INPUT_MAX),
    )


def _kind(info: FieldInfo) -> FieldKind:
    if info.type == "picklist" and info.picklist:
        return "select"
    if info.type == "date":
        return "date"
    return "multiline" if info.type == "textarea" else "text"


def extra_field_names(spec: ObjectSpec, describe: ObjectDescribe) -> list[str]:
    """API names of the inputs after the seed ones: the object's extras and required fields."""
    seeded = {n.lower() for n in (*spec.name_fields, spec.phone_field, spec.email_field) if n}
    seeded.add("description")
    names = [n for n in EXTRA_FIELDS.get(spec.key, ()) if describe.field(n)]
    names += [f.name for f in describe.required_on_create() if f.name not in names]
    return [n for n in names if n.lower() not in seeded]


def record_fields(
    spec: ObjectSpec,
    describe: ObjectDescribe,
    *,
    for_create: bool,
    defaults: dict[str, Any] | None = None,
) -> tuple[FormField, ...]:
    """The inputs for ``spec``. On create, a field the action fills when left empty
    (``defaults``) is optional, a text default is its placeholder."""
    defaults = defaults or {}
    fields = [FormField(BlockId.NAME, "Name", optional=False, max_length=255)]
    if spec.phone_field:
        fields.append(FormField(BlockId.PHONE, "Phone", max_length=40))
    if spec.email_field:
        fields.append(FormField(BlockId.EMAIL, "Email", max_length=80))
    fields.append(
        FormField(BlockId.DESCRIPTION, "Description", kind="multiline", max_length=INPUT_MAX)
    )
    for name in extra_field_names(spec, describe):
        info = describe.field(name)
        if info is None or not (info.createable if for_create else info.updateable):
            continue
        kind = _kind(info)
        default = defaults.get(info.name) if for_create else None
        fields.append(
            FormField(
                field_block_id(info.name),
                info.label,
                kind=kind,
                optional=not info.required_on_create or default is not None,
                options=info.picklist[:OPTIONS_MAX],
                placeholder=str(default) if default is not None and kind == "text" else None,
                hint=HINTS.get((spec.key, info.name)),
                max_length=min(info.length, INPUT_MAX) if info.length else None,
            )
        )
    return tuple(fields)


def initial_values(fields: tuple[FormField, ...], defaults: dict[str, Any]) -> Values:
    """Defaults shown as values: those of selects and dates (text ones are placeholders)."""
    shown: Values = {}
    for f in fields:
        default = defaults.get(field_from_block_id(f.block_id) or "")
        if f.kind in ("select", "date") and default is not None:
            shown[f.block_id] = str(default)
    return shown


def _option(value: str, text: str | None = None) -> Option:
    return Option(value=value[:OPTION_VALUE_MAX], text=truncate(text or value, PLAIN_TEXT_MAX))


def object_picker(selected: str | None) -> InputBlock:
    options = [_option(spec.key, spec.label) for spec in OBJECTS.values()]
    initial = next((o for o in options if o.value == selected), None)
    return InputBlock(
        block_id=BlockId.OBJECT,
        label="Object",
        dispatch_action=True,
        element=StaticSelectElement(
            action_id=ActionId.OBJECT_PICKER,
            placeholder="Choose what to create",
            options=options,
            initial_option=initial,
        ),
    )


def select_choices(f: FormField, value: str | None) -> tuple[str, ...]:
    """A select's options: the field's, and the value it shows when that is not among them
    (an inactive picklist value, or one after the first 100), so the record's value is shown
    and an untouched select reads it back."""
    if not value or value in f.options:
        return f.options
    return (value, *f.options)[:OPTIONS_MAX]


def shown_value(f: FormField, value: str | None) -> str | None:
    """What ``f``'s input shows for ``value``, which is also what it reads back untouched."""
    if not value:
        return None
    if f.kind == "select":
        return value[:OPTION_VALUE_MAX]
    if f.kind == "date":
        return value
    return value[: f.max_length or INPUT_MAX]


def _element(f: FormField, value: str | None) -> InputInteractiveElement:
    if f.kind == "select":
        options = [_option(o) for o in select_choices(f, value)]
        initial = next((o for o in options if o.value == shown_value(f, value)), None)
        return StaticSelectElement(
            action_id=ActionId.FIELD_INPUT,
            placeholder=truncate(f"Choose a {f.label.lower()}", PLAIN_TEXT_MAX),
            options=options,
            initial_option=initial,
        )
    if f.kind == "date":
        return DatePickerElement(action_id=ActionId.FIELD_INPUT, initial_date=value or None)
    limit = f.max_length or INPUT_MAX
    return PlainTextInputElement(
        action_id=ActionId.FIELD_INPUT,
        multiline=f.kind == "multiline" or None,
        max_length=limit,
        initial_value=value[:limit] if value else None,
        placeholder=truncate(f.placeholder, 150) if f.placeholder else None,
    )


def field_block(f: FormField, value: str | None) -> InputBlock:
    return InputBlock(
        block_id=f.block_id,
        label=truncate(f.label, 2000),
        optional=f.optional or None,
        hint=f.hint,
        element=_element(f, value),
    )


def form_title(callback_id: CallbackId, object_name: str | None) -> str:
    verb = "Update" if callback_id == CallbackId.UPDATE_MODAL else "Create"
    label = OBJECTS[object_name].label if object_name in OBJECTS else "record"
    return truncate(f"{verb} {label}", TITLE_MAX)


def record_form_view(form: RecordForm) -> View:
    blocks: list[Block] = []
    if form.error:
        blocks.append(
            SectionBlock(
                block_id=BlockId.ERROR,
                text=MarkdownTextObject(text=truncate(form.error, SECTION_TEXT_MAX)),
            )
        )
    blocks.extend(form.top)
    if form.picker:
        blocks.append(object_picker(form.object))
    blocks.extend(field_block(f, form.values.get(f.block_id)) for f in form.fields)
    if form.note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=form.note)]))
    update = form.callback_id == CallbackId.UPDATE_MODAL
    return View(
        type="modal",
        callback_id=form.callback_id,
        title=form_title(form.callback_id, form.object),
        submit=form.submit or ("Save" if update else "Create"),
        close="Cancel",
        private_metadata=form.metadata,
        blocks=blocks,
    )


def message_view(title: str, text: str, *, callback_id: str = CallbackId.RESULT_MODAL) -> View:
    """A modal with one paragraph and a Close button: loading, working, done, failed."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=truncate(title, TITLE_MAX),
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))],
    )


def error_text(message: str) -> str:
    """An error for the top of the modal (``message`` is mrkdwn from bot.errors)."""
    return f"{escape_mrkdwn(message)}\nNothing was saved; fix the values and try again."


# --------------------------------------------------------------------------- reading back
def _element_value(element: dict[str, Any], entry: dict[str, Any] | None) -> str | None:
    """The value an element shows: the user's entry (state) if any, else its initial one."""
    if entry is not None:
        option = entry.get("selected_option") or {}
        value = entry.get("value", entry.get("selected_date", option.get("value")))
    else:
        option = element.get("initial_option") or {}
        value = element.get("initial_value", element.get("initial_date", option.get("value")))
    return value if isinstance(value, str) else None


def view_values(view: dict[str, Any]) -> Values:
    """block_id -> value of every input of a view payload (``view.state`` over initials)."""
    state = ViewState(view)
    values: Values = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        block_id, action_id = block["block_id"], element.get("action_id", "")
        entry = state.entry(block_id, action_id) if state.has_entry(block_id, action_id) else None
        values[block_id] = _element_value(element, entry)
    return values


def input_block_ids(view: dict[str, Any]) -> set[str]:
    return {b.get("block_id", "") for b in view.get("blocks") or [] if b.get("type") == "input"}
