"""`/sf help`: one section per subcommand the user may run, built from the subcommand registry.

What a user may run is ``bot.permissions.SUBCOMMANDS`` (the table the access middleware
checks) against their ``UserAccess``: admins see every command (tagged where it is for admins,
or where an allow list leaves them out); anyone else sees only what they may run, and a line
saying that some commands are for admins. App Home lists the same (``bot.blocks.home``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.text import escape_mrkdwn
from bot.ids import COMMAND
from bot.permissions import SUBCOMMANDS, Permission, UserAccess

ADMINS_NOTE = ":lock: Only the commands you may use are listed; some are for sfbot admins only."
NOT_ON_LIST = "you are not on its allow list"


class HelpEntry(Protocol):
    """What help needs of a subcommand (read-only)."""

    @property
    def name(self) -> str: ...
    @property
    def usage(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class OfferedCommand:
    entry: HelpEntry
    tag: str | None = None  # shown beside the usage, e.g. "admins"

    @property
    def usage_code(self) -> str:
        return f"`{COMMAND} {escape_mrkdwn(self.entry.usage)}`"

    @property
    def tag_text(self) -> str:
        return f"  _({self.tag})_" if self.tag else ""


def offered_commands(entries: Iterable[HelpEntry], access: UserAccess) -> list[OfferedCommand]:
    """The subcommands to list for this user, in the registry's order."""
    offered = []
    for entry in entries:
        need = SUBCOMMANDS.get(entry.name, Permission.MEMBER)
        if access.may(need):
            offered.append(OfferedCommand(entry, "admins" if need == Permission.ADMIN else None))
        elif access.is_admin:  # an admin sees everything, told what an allow list keeps
            offered.append(OfferedCommand(entry, NOT_ON_LIST))
    return offered


def admins_note(access: UserAccess) -> list[Block]:
    """The closing line for non-admins (nothing for admins)."""
    if access.is_admin:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=ADMINS_NOTE)])]


def help_text(entries: Iterable[HelpEntry], access: UserAccess) -> str:
    """The message's plain text (notifications, screen readers)."""
    usages = ", ".join(f"{COMMAND} {c.entry.usage}" for c in offered_commands(entries, access))
    return f"sfbot: Salesforce from Slack. Commands: {usages}"


def help_blocks(entries: Iterable[HelpEntry], access: UserAccess) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="sfbot: Salesforce without leaving Slack")]
    for command in offered_commands(entries, access):
        entry = command.entry
        lines = [f"*{command.usage_code}*{command.tag_text}", escape_mrkdwn(entry.summary)]
        if entry.examples:
            lines.append("e.g. " + "  ".join(f"`{escape_mrkdwn(e)}`" for e in entry.examples))
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Every change is made in Salesforce by sfbot's integration user and "
                    "recorded with your Slack name in sfbot's audit log."
                )
            ]
        )
    )
    blocks.extend(admins_note(access))
    return blocks
