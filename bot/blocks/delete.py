"""`/sf delete`: the confirmation message naming the record, with Delete and Cancel."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS
from bot.blocks.cards import delete_confirm, record_card
from bot.ids import ActionId


def delete_question(record: RecordSummary) -> str:
    return f"Delete this {OBJECTS[record.object].label.lower()}?"


def delete_confirmation(record: RecordSummary) -> list[Block]:
    """The record's card without its buttons, then Delete (with Slack's confirm) and Cancel."""
    return [
        SectionBlock(text=MarkdownTextObject(text=f":wastebasket: *{delete_question(record)}*")),
        *record_card(record, buttons=False),
        ActionsBlock(
            block_id=f"delete_actions:{record.id}",
            elements=[
                ButtonElement(
                    text="Delete",
                    action_id=ActionId.DELETE_RECORD,
                    value=record.id,
                    style="danger",
                    confirm=delete_confirm(record),
                ),
                ButtonElement(text="Cancel", action_id=ActionId.DELETE_CANCEL, value=record.id),
            ],
        ),
    ]
