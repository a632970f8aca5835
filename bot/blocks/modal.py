"""What every sfbot modal shares: the view around the blocks, and a plain note."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks.text import SECTION_TEXT_MAX, truncate
from bot.ids import CallbackId


def modal(
    title: str,
    callback_id: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: str = "",
) -> View:
    """A modal; without ``submit`` it is a result view (``RESULT_MODAL``) with Close only."""
    return View(
        type="modal",
        callback_id=callback_id if submit else CallbackId.RESULT_MODAL,
        title=title,
        submit=submit,
        close="Cancel" if submit else "Close",
        private_metadata=metadata,
        blocks=blocks,
    )


def note(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)))
