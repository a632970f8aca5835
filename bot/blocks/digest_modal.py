"""The digest modal (`/sf digest add`, and Edit in the list) and the views it turns into.

Choosing another kind or schedule type re-renders the modal (``views.update``) with that
choice's inputs; Slack keeps what was typed in inputs whose block_id and action_id stay the
same. The form's data and reading it back are in ``bot.blocks.digest_form``.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from actions.digest_kinds import KINDS
from bot.blocks.digest_form import (
    DEFAULT_TIME,
    POST_WHEN_EMPTY,
    SCHEDULE_TYPES,
    WEEKDAY_LABELS,
    DigestForm,
    param_names,
)
from bot.blocks.text import PLAIN_TEXT_MAX, SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND, ActionId, BlockId, CallbackId

NAME_MAX = 100  # the digests.name column
SOQL_MAX = 3000  # plain_text_input max_length (the params model allows more)
TIMEZONE_MIN_QUERY = 2
DAYS_LABEL = {
    "closing_opportunities": "Closing within how many days",
    "stale_leads": "Untouched for how many days",
}


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=truncate(label, PLAIN_TEXT_MAX))


def _number_text(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _param_default(kind: str, name: str) -> Any:
    info = KINDS[kind].params.model_fields[name]
    return None if info.is_required() else info.get_default()


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    hint: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        element=PlainTextInputElement(
            action_id=ActionId.FIELD_INPUT,
            initial_value=initial or None,
            placeholder=placeholder,
            multiline=multiline or None,
            max_length=max_length,
        ),
    )


def param_blocks(form: DigestForm) -> list[Block]:
    blocks: list[Block] = []
    for name in param_names(form.kind):
        value = form.params.get(name, _param_default(form.kind, name))
        if name == "days":
            blocks.append(
                InputBlock(
                    block_id=BlockId.DIGEST_DAYS,
                    label=DAYS_LABEL.get(form.kind, "Days"),
                    element=NumberInputElement(
                        action_id=ActionId.FIELD_INPUT,
                        is_decimal_allowed=False,
                        min_value=1,
                        max_value=365,
                        initial_value=_number_text(value),
                    ),
                )
            )
        elif name == "threshold":
            blocks.append(
                InputBlock(
                    block_id=BlockId.DIGEST_THRESHOLD,
                    label="Minimum score",
                    element=NumberInputElement(
                        action_id=ActionId.FIELD_INPUT,
                        is_decimal_allowed=True,
                        initial_value=_number_text(value),
                    ),
                )
            )
        elif name == "score_field":
            blocks.append(
                _text_input(
                    BlockId.DIGEST_SCORE_FIELD,
                    "Score field (API name)",
                    initial=value,
                    hint="A number field on Lead, e.g. Lead_Score__c.",
                    max_length=80,
                )
            )
        elif name == "soql":
            blocks.append(
                _text_input(
                    BlockId.DIGEST_SOQL,
                    "SOQL query",
                    initial=value,
                    hint="One read-only SELECT. Salesforce checks it when you save; without a "
                    "LIMIT, sfbot reads at most 200 rows.",
                    placeholder="SELECT Id, Name, Company FROM Lead WHERE Status = 'Open'",
                    multiline=True,
                    max_length=SOQL_MAX,
                )
            )
    return blocks


def schedule_blocks(form: DigestForm) -> list[Block]:
    types = [_option(k, v) for k, v in SCHEDULE_TYPES.items()]
    blocks: list[Block] = [
        InputBlock(
            block_id=BlockId.DIGEST_SCHEDULE_TYPE,
            label="When",
            dispatch_action=True,
            element=RadioButtonsElement(
                action_id=ActionId.DIGEST_SCHEDULE_TYPE,
                options=types,
                initial_option=_option(form.schedule_type, SCHEDULE_TYPES[form.schedule_type]),
            ),
        )
    ]
    if form.schedule_type == "weekdays":
        days = [_option(k, v) for k, v in WEEKDAY_LABELS.items()]
        chosen = [o for o in days if o.value in form.days]
        blocks.append(
            InputBlock(
                block_id=BlockId.DIGEST_WEEKDAYS,
                label="On",
                element=CheckboxesElement(
                    action_id=ActionId.FIELD_INPUT, options=days, initial_options=chosen or None
                ),
            )
        )
    if form.schedule_type in ("daily", "weekdays"):
        blocks.append(
            InputBlock(
                block_id=BlockId.DIGEST_TIME,
                label="At",
                element=TimePickerElement(
                    action_id=ActionId.FIELD_INPUT, initial_time=form.time or DEFAULT_TIME
                ),
            )
        )
    else:
        blocks.append(
            _text_input(
                BlockId.DIGEST_CRON,
                "Cron expression",
                initial=form.cron,
                hint="minute hour day month weekday, as in crontab (0 or 7 = Sunday), "
                "in the time zone below.",
                placeholder="0 9 * * 1-5",
                max_length=100,
            )
        )
    return blocks


def timezone_option(name: str) -> Option:
    return _option(name, name)


def timezone_block(form: DigestForm) -> InputBlock:
    return InputBlock(
        block_id=BlockId.DIGEST_TIMEZONE,
        label="Time zone",
        hint="Type part of a city or region, e.g. Paris or New_York.",
        element=ExternalDataSelectElement(
            action_id=ActionId.DIGEST_TIMEZONE,
            placeholder="Search time zones",
            min_query_length=TIMEZONE_MIN_QUERY,
            initial_option=timezone_option(form.timezone) if form.timezone else None,
        ),
    )


def digest_modal(form: DigestForm) -> View:
    """The whole form for ``form.kind`` and ``form.schedule_type``."""
    kinds = [_option(k.name, k.label) for k in KINDS.values()]
    kind = KINDS[form.kind]
    blocks: list[Block] = []
    if form.error:
        blocks.append(
            SectionBlock(
                block_id=BlockId.ERROR,
                text=MarkdownTextObject(text=truncate(form.error, SECTION_TEXT_MAX)),
            )
        )
    channel = ConversationSelectElement(
        action_id=ActionId.FIELD_INPUT,
        initial_conversation=form.channel_id,
        default_to_current_conversation=None if form.channel_id else True,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    empty = _option(POST_WHEN_EMPTY, "Post even when there is nothing to report")
    blocks += [
        _text_input(
            BlockId.DIGEST_NAME,
            "Name",
            initial=form.name,
            placeholder="Morning new leads",
            max_length=NAME_MAX,
        ),
        InputBlock(
            block_id=BlockId.DIGEST_CHANNEL,
            label="Post to",
            hint="sfbot must be a member: /invite @sfbot in that channel first.",
            element=channel,
        ),
        InputBlock(
            block_id=BlockId.DIGEST_KIND,
            label="What",
            hint=kind.description,
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=ActionId.DIGEST_KIND,
                options=kinds,
                initial_option=_option(kind.name, kind.label),
            ),
        ),
        *param_blocks(form),
        *schedule_blocks(form),
        timezone_block(form),
        InputBlock(
            block_id=BlockId.DIGEST_OPTIONS,
            label="Options",
            optional=True,
            element=CheckboxesElement(
                action_id=ActionId.FIELD_INPUT,
                options=[empty],
                initial_options=[empty] if form.post_when_empty else None,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.DIGEST_MODAL,
        title="Edit digest" if form.digest_id else "New digest",
        submit="Save",
        close="Cancel",
        private_metadata=form.meta.dumps(),
        blocks=blocks,
    )


def input_block_ids(view: View) -> set[str]:
    """Where field errors may go (Slack refuses errors for blocks not in the view)."""
    return {b.block_id for b in view.blocks or [] if isinstance(b, InputBlock) and b.block_id}


# --------------------------------------------------------------------------- result views
def _message_view(title: str, text: str, *, close: str = "Close") -> View:
    return View(
        type="modal",
        callback_id=CallbackId.RESULT_MODAL,
        title=title,
        close=close,
        blocks=[SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))],
    )


def saved_view(*, name: str, channel_id: str, edited: bool, next_run: str | None) -> View:
    """After saving; ``next_run`` is already formatted in the digest's time zone."""
    when = f"The next run is *{next_run}*." if next_run else "Its schedule never fires again."
    text = (
        f":white_check_mark: Digest *{escape_mrkdwn(name)}* "
        f"{'updated' if edited else 'scheduled'}: it posts to <#{channel_id}>. {when}\n"
        f"`{COMMAND} digest list` shows every digest, with Run now for a private preview."
    )
    return _message_view("Digest saved", text, close="Done")


def working_view() -> View:
    return _message_view(
        "Saving digest…",
        ":hourglass_flowing_sand: Checking the digest with Salesforce… "
        "This view updates when it is done.",
    )


def closed_view() -> View:
    return _message_view("Digest saved", f"Done. `{COMMAND} digest list` shows it.")
