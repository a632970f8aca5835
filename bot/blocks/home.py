"""The App Home tab: the connection card, the user's recent actions and a short how-to."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from actions.connect import ConnectionStatus
from bot.blocks.status import connection_card
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND
from storage.audit_store import AuditEntry

OUTCOME_EMOJI = {"ok": ":white_check_mark:", "error": ":x:"}
IDS_SHOWN = 3

HOW_TO = (
    "*How to use sfbot*\n"
    f"• `{COMMAND} lookup ada@example.com`: find contacts, leads and accounts, then update, "
    "convert or delete them from the card.\n"
    f"• `{COMMAND} help`: every command, with examples.\n"
    f"• `{COMMAND} status`: the connection and the actions sfbot can run.\n"
    f"• Admins: `{COMMAND} connect` and `{COMMAND} disconnect` manage the connection."
)


def audit_line(entry: AuditEntry) -> str:
    """``<date> lookup_record lead 00Q… :white_check_mark:`` (dates in the reader's time zone)."""
    fallback = entry.at.strftime("%Y-%m-%d %H:%M UTC")
    when = f"<!date^{int(entry.at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
    parts = [when, f"`{escape_mrkdwn(entry.action)}`"]
    if entry.object:
        parts.append(escape_mrkdwn(entry.object))
    ids = entry.record_ids[:IDS_SHOWN]
    if ids:
        more = len(entry.record_ids) - len(ids)
        parts.append(
            " ".join(f"`{escape_mrkdwn(i)}`" for i in ids) + (f" +{more}" if more > 0 else "")
        )
    parts.append(OUTCOME_EMOJI.get(entry.outcome, escape_mrkdwn(entry.outcome)))
    if entry.error_code:
        parts.append(f"`{escape_mrkdwn(entry.error_code)}`")
    return " ".join(parts)


def recent_actions(entries: list[AuditEntry]) -> list[Block]:
    if not entries:
        text = "*Your recent actions*\nNothing yet: try `/sf lookup` with an email address."
    else:
        text = "*Your recent actions*\n" + "\n".join(audit_line(e) for e in entries)
    return [SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))]


def home_view(status: ConnectionStatus, entries: list[AuditEntry]) -> View:
    blocks: list[Block] = [HeaderBlock(text="sfbot: Salesforce in Slack")]
    blocks.extend(connection_card(status))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"As last seen by sfbot; `{COMMAND} status` checks it with Salesforce."
                )
            ]
        )
    )
    blocks.append(DividerBlock())
    blocks.extend(recent_actions(entries))
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=MarkdownTextObject(text=HOW_TO)))
    return View(type="home", blocks=blocks)
