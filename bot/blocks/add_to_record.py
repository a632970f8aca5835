"""The "Add to Salesforce record" modal: pick a record, a subject, the text to log."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS
from bot.blocks.modal import modal, note
from bot.blocks.text import PLAIN_TEXT_MAX, escape_mrkdwn, link, truncate
from bot.ids import ActionId, BlockId, CallbackId

TITLE = "Add to Salesforce"
SUBJECT_MAX = 255
TEXT_MAX = 3000  # plain_text_input's limit; the message's permalink is logged as well
SEARCH_MIN_CHARS = 2


@dataclass(frozen=True)
class LogForm:
    subject: str
    text: str
    record: Option | None = None
    has_permalink: bool = True
    error: str | None = None


@dataclass(frozen=True)
class LoggedTask:
    record_title: str  # as the record was picked, e.g. "Lead: Ada Lovelace (Acme)"
    record_url: str
    subject: str


def default_subject(author: str) -> str:
    return truncate(f"Slack message from {author}", SUBJECT_MAX)


def record_option(record: RecordSummary) -> Option:
    """``Lead: Ada Lovelace (Acme)``, value = the record id."""
    text = f"{OBJECTS[record.object].label}: {record.name}"
    if record.company:
        text += f" ({record.company})"
    return Option(value=record.id, text=truncate(text, PLAIN_TEXT_MAX))


def record_options(records: list[RecordSummary]) -> list[Option]:
    return [record_option(r) for r in records]


def _modal(blocks: list[Block], *, submit: str | None = None, metadata: str = "") -> View:
    return modal(TITLE, CallbackId.ADD_TO_RECORD_MODAL, blocks, submit=submit, metadata=metadata)


def log_loading_view() -> View:
    return _modal([note(":hourglass_flowing_sand: Getting the message…")])


def log_working_view() -> View:
    return _modal([note(":hourglass_flowing_sand: Adding the message to Salesforce…")])


def log_notice_view(message: str) -> View:
    return _modal([note(message)])


def log_form_view(form: LogForm, private_metadata: str) -> View:
    blocks: list[Block] = []
    if form.error:
        blocks.append(
            SectionBlock(block_id=BlockId.ERROR, text=MarkdownTextObject(text=form.error))
        )
    blocks += [
        InputBlock(
            block_id=BlockId.RECORD,
            label="Record",
            hint="Contacts, leads and accounts by name, or paste any record id.",
            element=ExternalDataSelectElement(
                action_id=ActionId.RECORD_SEARCH,
                placeholder="Search Salesforce",
                min_query_length=SEARCH_MIN_CHARS,
                initial_option=form.record,
            ),
        ),
        InputBlock(
            block_id=BlockId.SUBJECT,
            label="Subject",
            element=PlainTextInputElement(
                action_id=ActionId.FIELD_INPUT,
                initial_value=truncate(form.subject, SUBJECT_MAX),
                max_length=SUBJECT_MAX,
            ),
        ),
        InputBlock(
            block_id=BlockId.DESCRIPTION,
            label="Message",
            optional=True,
            hint=(
                "Logged as a completed task, with a link to the message."
                if form.has_permalink
                else "Logged as a completed task."
            ),
            element=PlainTextInputElement(
                action_id=ActionId.FIELD_INPUT,
                multiline=True,
                initial_value=truncate(form.text, TEXT_MAX) or None,
                max_length=TEXT_MAX,
            ),
        ),
    ]
    return _modal(blocks, submit="Add", metadata=private_metadata)


def logged_text(task: LoggedTask) -> str:
    return f"Added the message to {escape_mrkdwn(task.record_title)}"


def logged_blocks(task: LoggedTask) -> list[Block]:
    return [
        note(
            f":white_check_mark: Added *{escape_mrkdwn(task.subject)}* as a completed task to "
            f"{link(task.record_url, task.record_title)}."
        )
    ]


def logged_view(task: LoggedTask) -> View:
    return _modal(logged_blocks(task))
