"""The App Home tab: the connection card, the user's recent actions and the commands they may
use (the same list as `/sf help`, see ``bot.blocks.help``)."""

from __future__ import annotations

from collections.abc import Iterable

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
from bot.blocks.help import HelpEntry, admins_note, offered_commands
from bot.blocks.status import connection_card
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.ids import COMMAND
from bot.permissions import Permission, UserAccess
from storage.audit_store import AuditEntry

OUTCOME_EMOJI = {"ok": ":white_check_mark:", "error": ":x:"}
IDS_SHOWN = 3


def how_to(commands: Iterable[HelpEntry], access: UserAccess) -> list[Block]:
    """One line per command the user may use (help itself is the closing line)."""
    lines = [
        f"• {c.usage_code}{c.tag_text}: {escape_mrkdwn(c.entry.summary)}"
        for c in offered_commands(commands, access)
        if c.entry.name != "help"
    ]
    text = "\n".join(
        ["*How to use sfbot*", *lines, f"`{COMMAND} help` shows each one with examples."]
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))),
        *admins_note(access),
    ]


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


def recent_actions(entries: list[AuditEntry], *, may_look_up: bool = True) -> list[Block]:
    if not entries:
        hint = f": try `{COMMAND} lookup` with an email address" if may_look_up else ""
        text = f"*Your recent actions*\nNothing yet{hint}."
    else:
        text = "*Your recent actions*\n" + "\n".join(audit_line(e) for e in entries)
    return [SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))]


def home_view(
    status: ConnectionStatus,
    entries: list[AuditEntry],
    commands: Iterable[HelpEntry],
    access: UserAccess,
) -> View:
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
    blocks.extend(recent_actions(entries, may_look_up=access.may(Permission.LOOKUP_RECORD)))
    blocks.append(DividerBlock())
    blocks.extend(how_to(commands, access))
    return View(type="home", blocks=blocks)
