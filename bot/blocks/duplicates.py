"""Duplicates in Slack: the panel the create modal shows when Salesforce's duplicate rules find
matches, and the merge modal (master record, then per differing field which value to keep,
as Salesforce's merge page does) with its confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from actions.objects import OBJECTS
from bot.blocks.modal import modal, note
from bot.blocks.text import SECTION_TEXT_MAX, escape_mrkdwn, link, truncate
from bot.ids import ActionId, BlockId, CallbackId, merge_field_block_id

OPTION_TEXT_MAX = 75
RADIO_MAX = 10


@dataclass(frozen=True)
class MatchCard:
    """One record a duplicate rule matched, as the modal shows it."""

    id: str
    object: str  # lead, contact, account (or an API name)
    name: str
    url: str
    company: str | None = None
    email: str | None = None
    owner: str | None = None


def _label(obj: str) -> str:
    spec = OBJECTS.get(obj)
    return spec.label if spec else obj


def match_block(m: MatchCard) -> SectionBlock:
    lines = [f"*{link(m.url, m.name)}*  ·  {_label(m.object)}"]
    details = [("Company", m.company), ("Email", m.email), ("Owner", m.owner)]
    lines += [f"*{k}:* {escape_mrkdwn(v)}" for k, v in details if v]
    return SectionBlock(
        block_id=f"{BlockId.DUPLICATE}:{m.id}",
        text=MarkdownTextObject(text=truncate("\n".join(lines), SECTION_TEXT_MAX)),
        accessory=ButtonElement(
            text="Update this one instead", action_id=ActionId.UPDATE_INSTEAD, value=m.id
        ),
    )


def duplicates_panel(
    object_label: str, rule: str | None, matches: list[MatchCard], blocked: bool
) -> list[Block]:
    """The blocks shown above the create form: what the rule found and the ways out."""
    rule_text = f" *{escape_mrkdwn(rule)}*" if rule else ""
    if blocked:
        head = (
            f":no_entry: Salesforce's duplicate rule{rule_text} blocks creating this "
            f"{object_label}: it matches the records below. Update one of them instead, or "
            "change the values and check again."
        )
    else:
        head = (
            f":warning: Salesforce's duplicate rule{rule_text} finds "
            f"{len(matches)} record{'s' if len(matches) != 1 else ''} like this {object_label}. "
            "Update one of them instead, or *Create anyway*."
        )
    blocks: list[Block] = [
        SectionBlock(block_id=BlockId.DUPLICATES, text=MarkdownTextObject(text=head))
    ]
    blocks += [match_block(m) for m in matches[:RADIO_MAX]]
    if len(matches) > RADIO_MAX:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"…and {len(matches) - RADIO_MAX} more.")]
            )
        )
    blocks.append(DividerBlock())
    return blocks


# --------------------------------------------------------------------------- merge
@dataclass(frozen=True)
class MergeRecord:
    id: str
    name: str
    url: str
    values: dict[str, str] = field(default_factory=dict)  # API name -> value shown


@dataclass(frozen=True)
class MergeChoice:
    """A field whose values differ: its label and each record's value."""

    api_name: str
    label: str


def _option(text: str, value: str) -> Option:
    return Option(text=truncate(text or "(empty)", OPTION_TEXT_MAX), value=value)


def merge_form(
    object_key: str,
    records: list[MergeRecord],
    choices: list[MergeChoice],
    metadata: str,
    notes: list[str],
) -> View:
    """Pick the master record, then for each differing field the record whose value to keep."""
    label = _label(object_key).lower()
    blocks: list[Block] = [
        note(
            f"Salesforce keeps the *master* {label} and deletes the others; their related "
            "records (activities, contacts, opportunities, cases) move to the master."
        )
    ]
    blocks += [ContextBlock(elements=[MarkdownTextObject(text=n)]) for n in notes]
    options = [_option(f"{r.name} ({r.id})", r.id) for r in records]
    blocks.append(
        InputBlock(
            block_id=BlockId.MERGE_MASTER,
            label="Master record",
            element=RadioButtonsElement(
                action_id=ActionId.MERGE_CHOICE, options=options, initial_option=options[0]
            ),
        )
    )
    for c in choices:
        # No value chosen keeps the master's, whichever record the master is.
        opts = [_option(r.values.get(c.api_name, ""), r.id) for r in records]
        blocks.append(
            InputBlock(
                block_id=merge_field_block_id(c.api_name),
                label=truncate(c.label, OPTION_TEXT_MAX),
                element=RadioButtonsElement(action_id=ActionId.MERGE_CHOICE, options=opts),
                optional=True,
                hint="Leave it empty to keep the master's value.",
            )
        )
    if not choices:
        blocks.append(note("Every field holds the same value in these records."))
    return modal(
        f"Merge {label}s"[:24], CallbackId.MERGE_MODAL, blocks, submit="Next", metadata=metadata
    )


def merge_confirm(
    object_key: str,
    master: MergeRecord,
    others: list[MergeRecord],
    kept: dict[str, tuple[str, str]],
    metadata: str,
) -> View:
    """What will happen, with a Merge button (``kept``: label -> (value, from record name))."""
    label = _label(object_key).lower()
    lines = [
        f"*{link(master.url, master.name)}* is kept; "
        + ", ".join(f"*{link(o.url, o.name)}*" for o in others)
        + f" {'is' if len(others) == 1 else 'are'} merged into it and deleted."
    ]
    if kept:
        lines.append("The master takes these values:")
        lines += [
            f"• *{escape_mrkdwn(k)}:* {escape_mrkdwn(truncate(v, 200))} (from {escape_mrkdwn(src)})"
            for k, (v, src) in kept.items()
        ]
    lines.append("This cannot be undone from Slack.")
    return modal(
        f"Merge {label}s?"[:24],
        CallbackId.MERGE_CONFIRM_MODAL,
        [note("\n".join(lines))],
        submit="Merge",
        metadata=metadata,
    )
