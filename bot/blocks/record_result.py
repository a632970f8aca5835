"""What the user sees after a record was created or updated from the modal."""

from __future__ import annotations

from collections.abc import Collection

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from actions.lookup_record import RecordSummary
from actions.objects import ObjectSpec, record_url
from bot.blocks.cards import record_card
from bot.blocks.record_modal import Values
from bot.blocks.text import escape_mrkdwn, truncate
from bot.ids import COMMAND, BlockId, field_block_id


def record_summary(
    spec: ObjectSpec,
    record_id: str,
    url: str,
    values: Values,
    *,
    is_converted: bool | None = None,
) -> RecordSummary:
    """A record card's data from the modal's values (block id -> value), without a read."""

    def value(block_id: str) -> str | None:
        return values.get(block_id) or None

    name = value(BlockId.NAME)
    if spec.key == "case":
        name = value(field_block_id("Subject")) or name
    return RecordSummary(
        object=spec.key,
        id=record_id,
        name=name or f"New {spec.label.lower()}",
        email=value(BlockId.EMAIL),
        phone=value(BlockId.PHONE),
        company=value(field_block_id("Company")),
        status=value(field_block_id("StageName")) or value(field_block_id("Status")),
        is_converted=is_converted if spec.key == "lead" else None,
        url=url,
    )


def result_message(
    verb: str, record: RecordSummary, offered: Collection[str] | None = None
) -> tuple[str, list[Block]]:
    """``(text, blocks)`` for the message with the record's card, e.g. verb "Created"
    (``offered``: the actions whose buttons the user gets; None: all)."""
    text = truncate(f"{verb} {record.name}", 300)
    blocks: list[Block] = [
        ContextBlock(
            elements=[MarkdownTextObject(text=f":white_check_mark: {escape_mrkdwn(text)}")]
        ),
        *record_card(record, offered=offered),
    ]
    return escape_mrkdwn(text), blocks


def done_text(verb: str, record_label: str, channel_id: str | None) -> str:
    """The short success view's text, e.g. after a submission that outlived its ack."""
    where = f"in <#{channel_id}>" if channel_id else "in your direct messages with sfbot"
    return f":white_check_mark: {verb} the {record_label.lower()}. Its card is {where}."


def where_to_check(
    spec: ObjectSpec, instance_url: str | None, record_id: str | None, name: str
) -> str:
    """After a write whose outcome is unknown: where the user can see whether it happened.

    An update links the record itself; a create links the object's list in Salesforce and the
    `/sf lookup` that finds the record by its name."""
    label = spec.label.lower()
    if record_id:
        if instance_url:
            url = record_url(instance_url, spec.api_name, record_id)
            return f"Check the {label} before trying again: <{url}|open it in Salesforce>."
        return f"Check the {label} `{record_id}` in Salesforce before trying again."
    lookup = f"`{COMMAND} lookup {escape_mrkdwn(name)}`" if name else f"`{COMMAND} lookup`"
    where = f"look it up with {lookup}"
    if instance_url:
        lists = f"{instance_url}/lightning/o/{spec.api_name}/list"
        where += f" or in <{lists}|the {spec.plural.lower()} in Salesforce>"
    return f"Check whether the {label} was created before trying again: {where}."
