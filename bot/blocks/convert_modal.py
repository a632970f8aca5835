"""The lead conversion modal: account (existing or new), opportunity name, and the result."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from actions.create_record import LEAD_COMPANY_PLACEHOLDER
from actions.lookup_record import RecordSummary
from bot.blocks.modal import modal, note
from bot.blocks.text import PLAIN_TEXT_MAX, escape_mrkdwn, link, truncate
from bot.ids import ActionId, BlockId, CallbackId

NEW_ACCOUNT = "new"
EXISTING_ACCOUNT = "existing"
OPPORTUNITY_NAME_MAX = 120
SEARCH_MIN_CHARS = 2
TITLE = "Convert lead"


@dataclass(frozen=True)
class LeadInfo:
    """What the modal shows about the lead (kept in the view's private_metadata)."""

    id: str
    name: str
    url: str
    company: str | None = None


@dataclass(frozen=True)
class AccountPick:
    id: str
    name: str


@dataclass(frozen=True)
class ConvertForm:
    lead: LeadInfo
    account: AccountPick | None = None
    opportunity_name: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ConvertedLinks:
    """What a conversion made, with each record's page."""

    lead_name: str
    account_name: str
    account_url: str
    contact_url: str
    opportunity_name: str | None = None
    opportunity_url: str | None = None


def lead_info(lead: RecordSummary) -> LeadInfo:
    company = lead.company if lead.company != LEAD_COMPANY_PLACEHOLDER else None
    return LeadInfo(id=lead.id, name=lead.name, url=lead.url, company=company)


def default_opportunity_name(lead: LeadInfo) -> str:
    """Salesforce names the opportunity after the company; the agent may add to it."""
    return truncate(lead.company or lead.name, OPPORTUNITY_NAME_MAX)


def account_option(account: AccountPick) -> Option:
    return Option(value=account.id, text=truncate(account.name, PLAIN_TEXT_MAX))


def account_options(records: list[RecordSummary]) -> list[Option]:
    """The accounts found for a type-ahead query (value = account id)."""
    return [account_option(AccountPick(id=r.id, name=r.name)) for r in records]


def _modal(blocks: list[Block], *, submit: str | None = None, metadata: str = "") -> View:
    return modal(TITLE, CallbackId.CONVERT_MODAL, blocks, submit=submit, metadata=metadata)


def convert_loading_view(lead_id: str) -> View:
    return _modal([note(f":hourglass_flowing_sand: Loading lead `{lead_id}` from Salesforce…")])


def convert_working_view() -> View:
    return _modal([note(":hourglass_flowing_sand: Converting the lead in Salesforce…")])


def convert_notice_view(message: str) -> View:
    """A modal with one message and no form (e.g. why this lead cannot be converted)."""
    return _modal([note(message)])


def convert_form_view(form: ConvertForm, private_metadata: str) -> View:
    lead = form.lead
    about = f":bust_in_silhouette: Convert *{link(lead.url, lead.name)}*"
    if lead.company:
        about += f" ({escape_mrkdwn(lead.company)})"
    blocks: list[Block] = []
    if form.error:
        blocks.append(
            SectionBlock(block_id=BlockId.ERROR, text=MarkdownTextObject(text=form.error))
        )
    choices = [
        Option(value=NEW_ACCOUNT, text="Create a new account"),
        Option(value=EXISTING_ACCOUNT, text="Use the existing account picked below"),
    ]
    blocks += [
        note(about + " into an account, a contact and an opportunity."),
        InputBlock(
            block_id=BlockId.ACCOUNT_CHOICE,
            label="Account",
            element=RadioButtonsElement(
                action_id=ActionId.ACCOUNT_CHOICE,
                options=choices,
                initial_option=choices[1] if form.account else choices[0],
            ),
        ),
        InputBlock(
            block_id=BlockId.ACCOUNT,
            label="Existing account",
            optional=True,
            hint="Type at least two letters of the account's name.",
            element=ExternalDataSelectElement(
                action_id=ActionId.ACCOUNT_SEARCH,
                placeholder="Search accounts",
                min_query_length=SEARCH_MIN_CHARS,
                initial_option=account_option(form.account) if form.account else None,
            ),
        ),
        InputBlock(
            block_id=BlockId.OPPORTUNITY_NAME,
            label="Opportunity name",
            optional=True,
            hint="Leave it empty to let Salesforce name the opportunity.",
            element=PlainTextInputElement(
                action_id=ActionId.FIELD_INPUT,
                initial_value=form.opportunity_name or default_opportunity_name(lead),
                max_length=OPPORTUNITY_NAME_MAX,
            ),
        ),
    ]
    return _modal(blocks, submit="Convert", metadata=private_metadata)


def converted_text(links: ConvertedLinks) -> str:
    return f"Converted the lead {escape_mrkdwn(links.lead_name)}"


def converted_blocks(links: ConvertedLinks) -> list[Block]:
    """The records the conversion made or used, each linked to its Salesforce page."""
    lines = [
        f":white_check_mark: Converted the lead *{escape_mrkdwn(links.lead_name)}*.",
        f":office: Account: {link(links.account_url, links.account_name)}",
        f":busts_in_silhouette: Contact: {link(links.contact_url, links.lead_name)}",
    ]
    if links.opportunity_url:
        lines.append(
            f":moneybag: Opportunity: "
            f"{link(links.opportunity_url, links.opportunity_name or 'Opportunity')}"
        )
    return [
        note("\n".join(lines)),
        ContextBlock(
            elements=[MarkdownTextObject(text="The lead is now read-only in Salesforce.")]
        ),
    ]


def convert_result_view(links: ConvertedLinks) -> View:
    return _modal(converted_blocks(links))
