"""Record cards: one section per record with its key fields, a link and next-step buttons."""

from __future__ import annotations

from collections.abc import Collection

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, link, truncate
from bot.ids import ActionId

EMOJI = {
    "lead": ":bust_in_silhouette:",
    "contact": ":busts_in_silhouette:",
    "account": ":office:",
    "opportunity": ":moneybag:",
    "case": ":briefcase:",
    "campaign": ":mega:",
}


def card_text(record: RecordSummary) -> str:
    label = OBJECTS[record.object].label
    lines = [f"{EMOJI.get(record.object, '')} *{link(record.url, record.name)}*  ·  {label}"]
    details = []
    if record.company:
        details.append(("Account" if record.object != "lead" else "Company", record.company))
    if record.email:
        details.append(("Email", record.email))
    if record.phone:
        details.append(("Phone", record.phone))
    if record.status:
        details.append(("Stage" if record.object == "opportunity" else "Status", record.status))
    if record.is_converted:
        details.append(("Converted", "yes"))
    for name, value in details:
        lines.append(f"*{name}:* {escape_mrkdwn(value)}")
    return truncate("\n".join(lines), SECTION_TEXT_MAX)


def delete_confirm(record: RecordSummary) -> ConfirmObject:
    return ConfirmObject(
        title="Delete this record?",
        text=truncate(
            f"This deletes the {OBJECTS[record.object].label.lower()} "
            f"*{escape_mrkdwn(record.name)}* ({record.id}) in Salesforce. "
            "It goes to Salesforce's recycle bin.",
            300,
        ),
        confirm="Delete",
        deny="Cancel",
        style="danger",
    )


# Objects whose duplicates Salesforce's duplicate rules find (and merge() merges).
MERGE_FROM_CARD = ("lead", "contact", "account")


def card_buttons(
    record: RecordSummary, offered: Collection[str] | None = None
) -> list[ButtonElement]:
    """Open; Update for every record; Convert for open leads; Merge… for leads, contacts and
    accounts; Delete for leads and cases.

    ``offered``: the actions the user may use (``AccessPolicy.offered``); None: all. A
    button for an action outside it is left out.
    """

    def may(action: str) -> bool:
        return offered is None or action in offered

    buttons = [
        ButtonElement(
            text="Open in Salesforce",
            action_id=ActionId.OPEN_RECORD,
            url=record.url,
            value=record.id,
        ),
    ]
    if may("update_record"):
        buttons.append(
            ButtonElement(text="Update", action_id=ActionId.UPDATE_RECORD, value=record.id)
        )
    if record.object == "lead" and not record.is_converted and may("convert_lead"):
        buttons.append(
            ButtonElement(
                text="Convert", action_id=ActionId.CONVERT_LEAD, value=record.id, style="primary"
            )
        )
    if record.object in MERGE_FROM_CARD and not record.is_converted and may("merge_records"):
        # The modal finds the duplicates Salesforce's rules match (no call for the card).
        buttons.append(
            ButtonElement(text="Merge…", action_id=ActionId.MERGE_RECORDS, value=record.id)
        )
    if OBJECTS[record.object].deletable and may("delete_record"):
        buttons.append(
            ButtonElement(
                text="Delete",
                action_id=ActionId.DELETE_RECORD,
                value=record.id,
                style="danger",
                confirm=delete_confirm(record),
            )
        )
    return buttons


def record_card(
    record: RecordSummary, *, buttons: bool = True, offered: Collection[str] | None = None
) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(block_id=f"card:{record.id}", text=MarkdownTextObject(text=card_text(record)))
    ]
    if buttons:
        blocks.append(
            ActionsBlock(
                block_id=f"card_actions:{record.id}", elements=card_buttons(record, offered)
            )
        )
    return blocks


def lookup_results(
    query: str,
    records: list[RecordSummary],
    count: int,
    offered: Collection[str] | None = None,
) -> list[Block]:
    """The answer to `/sf lookup`: a card per record (at most 10) and how many more."""
    if not records:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":mag: No Salesforce records match *{escape_mrkdwn(truncate(query, 200))}*."
                )
            )
        ]
    shown = records[:10]
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f":mag: {count} match{'es' if count != 1 else ''} for "
                    f"*{escape_mrkdwn(truncate(query, 200))}*"
                )
            ]
        )
    ]
    for record in shown:
        blocks.extend(record_card(record, offered=offered))
    more = count - len(shown)
    if more > 0:
        blocks.append(
            ContextBlock(
                elements=[
                    PlainTextObject(
                        text=f"…and {more} more. Narrow the search, e.g. /sf lookup lead <email>."
                    )
                ]
            )
        )
    return blocks
