"""`/sf help`: one section per subcommand, built from the subcommand registry."""

from __future__ import annotations

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


class HelpEntry(Protocol):
    """What help needs of a subcommand (read-only)."""

    @property
    def usage(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...
    @property
    def admin_only(self) -> bool: ...


def help_blocks(entries: list[HelpEntry]) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="sfbot: Salesforce without leaving Slack")]
    for entry in entries:
        lines = [
            f"*`{COMMAND} {escape_mrkdwn(entry.usage)}`*"
            + ("  _(admins)_" if entry.admin_only else "")
        ]
        lines.append(escape_mrkdwn(entry.summary))
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
    return blocks
