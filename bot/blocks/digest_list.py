"""`/sf digest list`: every digest with its schedule, next and last run, and its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from actions.digest_kinds import KINDS
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, truncate
from bot.digests.schedule import Schedule
from bot.ids import COMMAND, ActionId, digest_block_id
from storage.digest_store import FAILED, Digest, DigestRun

# 50 blocks per message: header, context, two per digest, one "more" context
MAX_SHOWN = 23
ERROR_MAX = 300


@dataclass(frozen=True)
class DigestEntry:
    """One digest as the list shows it."""

    digest: Digest
    next_run: datetime | None
    last_run: DigestRun | None


def format_when(value: datetime, tz_name: str) -> str:
    """``Mon 06 May 2024 09:00 CEST`` in the digest's time zone."""
    return value.astimezone(ZoneInfo(tz_name)).strftime("%a %d %b %Y %H:%M %Z")


def schedule_text(digest: Digest) -> str:
    """``daily at 09:00 (Europe/Paris)``; a stored schedule that no longer parses says so."""
    try:
        described = Schedule.model_validate(digest.schedule).describe()
    except ValueError:
        described = "an invalid schedule"
    return f"{escape_mrkdwn(described)} ({escape_mrkdwn(digest.timezone)})"


def last_run_text(run: DigestRun | None, tz_name: str) -> str:
    if run is None:
        return "never"
    text = f"{run.state} for {format_when(run.scheduled_for, tz_name)}"
    if run.late:
        text += " (late)"
    if run.state == FAILED and run.error:
        text += f": {escape_mrkdwn(truncate(run.error, ERROR_MAX))}"
    return text


def entry_text(entry: DigestEntry) -> str:
    d = entry.digest
    kind = KINDS[d.kind].label if d.kind in KINDS else d.kind
    lines = [
        f"*{escape_mrkdwn(d.name)}*  ·  {escape_mrkdwn(kind)}  ·  <#{d.channel_id}>",
        f":calendar: {schedule_text(d)}",
    ]
    if d.paused:
        lines.append(":double_vertical_bar: *Paused*: it does not run until resumed.")
    elif entry.next_run is not None:
        lines.append(f"*Next run:* {format_when(entry.next_run, d.timezone)}")
    else:
        lines.append("*Next run:* none (the schedule never fires again)")
    lines.append(f"*Last run:* {last_run_text(entry.last_run, d.timezone)}")
    return truncate("\n".join(lines), SECTION_TEXT_MAX)


def delete_confirm(digest: Digest) -> ConfirmObject:
    return ConfirmObject(
        title="Delete this digest?",
        text=truncate(
            f"*{escape_mrkdwn(digest.name)}* stops posting to <#{digest.channel_id}> and its "
            "run history is deleted. This cannot be undone.",
            300,
        ),
        confirm="Delete",
        deny="Cancel",
        style="danger",
    )


def entry_buttons(digest: Digest) -> ActionsBlock:
    value = str(digest.id)
    toggle = "resume" if digest.paused else "pause"
    return ActionsBlock(
        block_id=digest_block_id(digest.id),
        elements=[
            ButtonElement(text="Run now", action_id=ActionId.DIGEST_RUN_NOW, value=value),
            ButtonElement(
                text=toggle.capitalize(),
                action_id=ActionId.DIGEST_TOGGLE,
                value=f"{value}:{toggle}",
            ),
            ButtonElement(text="Edit", action_id=ActionId.DIGEST_EDIT, value=value),
            ButtonElement(
                text="Delete",
                action_id=ActionId.DIGEST_DELETE,
                value=value,
                style="danger",
                confirm=delete_confirm(digest),
            ),
        ],
    )


def digest_list_blocks(entries: list[DigestEntry], *, notice: str | None = None) -> list[Block]:
    """The list; ``notice`` (mrkdwn, already escaped) says what the last click changed."""
    blocks: list[Block] = [HeaderBlock(text="Scheduled digests")]
    intro = (
        "*Run now* sends you a private preview; nothing is posted to the channel. "
        "Times are in each digest's time zone."
    )
    if notice:
        intro = f"{notice}\n{intro}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(intro, 3000))]))
    if not entries:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"No digests yet. `{COMMAND} digest add` schedules one."
                )
            )
        )
        return blocks
    for entry in entries[:MAX_SHOWN]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=entry_text(entry))))
        blocks.append(entry_buttons(entry.digest))
    hidden = len(entries) - MAX_SHOWN
    if hidden > 0:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {hidden} more. `sfbot digest list` on the server lists "
                        "them all."
                    )
                ]
            )
        )
    return blocks


def digest_list_text(entries: list[DigestEntry]) -> str:
    """The notification fallback."""
    return f"{len(entries)} scheduled digest(s)"
