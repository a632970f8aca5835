"""What a pasted Salesforce record link unfurls to, per sharing level.

``names``: the record's type and name only (never its email, phone, company or status);
``cards``: the record card (``bot.blocks.cards``) with the Open button only: an unfurl is
seen by everyone in the channel, so it carries no Update/Convert/Delete buttons.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from actions.lookup_record import RecordSummary
from actions.objects import OBJECTS
from bot.blocks.cards import EMOJI, record_card
from bot.blocks.text import escape_mrkdwn, truncate


def names_text(record: RecordSummary) -> str:
    label = OBJECTS[record.object].label
    name = escape_mrkdwn(truncate(record.name, 200))
    return f"{EMOJI.get(record.object, '')} *{name}*  ·  Salesforce {label.lower()}".strip()


def record_unfurl(record: RecordSummary, level: str) -> dict[str, Any]:
    """The ``unfurls`` value for one URL (``chat.unfurl``): blocks at ``level``."""
    if level == "cards":
        blocks = record_card(record, offered=frozenset())
    else:
        blocks = [SectionBlock(text=MarkdownTextObject(text=names_text(record)))]
    return {"blocks": [b.to_dict() for b in blocks]}
