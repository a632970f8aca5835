"""A digest message: header with the name and period, counts, the records, a footer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from actions.digest_item import DigestItem
from actions.digest_kinds import KINDS, Window
from bot.blocks.text import HEADER_MAX, SECTION_TEXT_MAX, escape_mrkdwn, link, truncate
from bot.ids import ActionId
from storage.digest_store import Digest

MAX_ITEMS = 40  # 50 blocks per message: header, context, divider, items, "more", footer


def _when(value: datetime, tz_name: str) -> str:
    return value.astimezone(ZoneInfo(tz_name)).strftime("%a %d %b %Y %H:%M %Z")


def item_block(item: DigestItem) -> SectionBlock:
    title = link(item.url, item.title) if item.url else escape_mrkdwn(item.title)
    details = "  ·  ".join(
        f"*{escape_mrkdwn(k)}:* {v if k == 'Records' else escape_mrkdwn(v)}" for k, v in item.fields
    )
    text = truncate(f"*{title}*" + (f"\n{details}" if details else ""), SECTION_TEXT_MAX)
    accessory = None
    if item.convertible_lead and item.record_id:
        accessory = ButtonElement(
            text="Convert", action_id=ActionId.CONVERT_LEAD, value=item.record_id, style="primary"
        )
    elif len(item.merge_ids) > 1:
        accessory = ButtonElement(
            text="Merge…", action_id=ActionId.MERGE_RECORDS, value=",".join(item.merge_ids)
        )
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)


def digest_blocks(
    *,
    name: str,
    kind_label: str,
    period_start: datetime | None,
    period_end: datetime,
    tz_name: str,
    items: list[DigestItem],
    ran_at: datetime,
    next_run: datetime | None,
    late: bool = False,
    preview: bool = False,
) -> list[Block]:
    prefix = "Preview: " if preview else ""
    blocks: list[Block] = [HeaderBlock(text=truncate(f"{prefix}{name}", HEADER_MAX))]
    period = (
        f"{_when(period_start, tz_name)} → {_when(period_end, tz_name)}"
        if period_start
        else f"as of {_when(period_end, tz_name)}"
    )
    count = len(items)
    summary = f"*{kind_label}* · {count} record{'s' if count != 1 else ''} · {period}"
    if late:
        summary += " · :hourglass: posted late (sfbot was down at the scheduled time)"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(summary, 3000))]))
    blocks.append(DividerBlock())
    if not items:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="_Nothing to report._")))
    blocks.extend(item_block(i) for i in items[:MAX_ITEMS])
    if count > MAX_ITEMS:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"…and {count - MAX_ITEMS} more in Salesforce.")]
            )
        )
    footer = f"Ran {_when(ran_at, tz_name)}"
    if next_run is not None:
        footer += f" · next run {_when(next_run, tz_name)}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return blocks


def digest_fallback_text(name: str, count: int) -> str:
    return f"{escape_mrkdwn(name)}: {count} record{'s' if count != 1 else ''}"


def digest_message(
    digest: Digest,
    window: Window,
    items: list[DigestItem],
    ran_at: datetime,
    next_run: datetime | None,
    *,
    late: bool = False,
    preview: bool = False,
) -> list[Block]:
    """A digest's message for one run (or a preview) over ``window``."""
    return digest_blocks(
        name=digest.name,
        kind_label=KINDS[digest.kind].label,
        period_start=window.start,
        period_end=window.end,
        tz_name=digest.timezone,
        items=items,
        ran_at=ran_at,
        next_run=next_run,
        late=late,
        preview=preview,
    )
