"""The lead conversion modal: opened by `/sf convert` and a card's Convert button, submitted here.

The modal opens at once with a "Loading" view (a trigger_id lasts 3 s) and is filled with the
lead from Salesforce through ``views.update``, after the ack on the background pool. The
submission converts through ``bot.modal_submit.submit`` (one conversion per view, whatever the
clicks), then shows the new records in the modal and in an ephemeral message where the agent
started (or a DM).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from actions.convert_lead import ConvertLeadInput, ConvertLeadOutput, convert_lead
from actions.errors import ActionError, InvalidInput
from actions.lookup_record import LookupRecordInput, RecordSummary, lookup_record
from actions.objects import ObjectName, record_url
from bot.blocks.convert_modal import (
    EXISTING_ACCOUNT,
    NEW_ACCOUNT,
    AccountPick,
    ConvertedLinks,
    ConvertForm,
    LeadInfo,
    convert_form_view,
    convert_loading_view,
    convert_notice_view,
    convert_result_view,
    convert_working_view,
    converted_blocks,
    converted_text,
    default_opportunity_name,
    lead_info,
)
from bot.blocks.text import escape_mrkdwn
from bot.blocks.view_state import ViewState
from bot.errors import user_message
from bot.ids import ActionId, BlockId, CallbackId
from bot.listeners.slack_calls import show_in_view
from bot.modal_submit import (
    Submission,
    SubmitOutcome,
    ack_outcome,
    invalid_to_errors,
    refuses_forged_metadata,
    submit,
    unknown_text,
)
from bot.notify import tell_user
from bot.services import Services, SlackOrigin, services_of
from bot.signed_metadata import ForgedMetadata, seal, unseal

ALREADY_CONVERTED = "CANNOT_UPDATE_CONVERTED_LEAD"
FIELD_BLOCKS = {"account_id": BlockId.ACCOUNT, "opportunity_name": BlockId.OPPORTUNITY_NAME}


@dataclass(frozen=True)
class ConvertMeta:
    """The modal's private_metadata: the lead, and where to tell the agent the outcome."""

    lead: LeadInfo
    channel_id: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        return seal(asdict(self))

    @classmethod
    def load(cls, raw: str | None) -> ConvertMeta:
        """Raises ForgedMetadata unless sfbot wrote ``raw``."""
        data = unseal(raw)
        try:
            return cls(
                lead=LeadInfo(**data["lead"]),
                channel_id=data.get("channel_id"),
                response_url=data.get("response_url"),
            )
        except (KeyError, TypeError) as exc:
            raise ForgedMetadata("private_metadata has the wrong shape") from exc


def already_converted(lead_name: str) -> str:
    return f":information_source: The lead *{escape_mrkdwn(lead_name)}* is already converted."


def find_record(
    services: Services, origin: SlackOrigin, record_id: str, object_name: ObjectName
) -> RecordSummary | None:
    inp = LookupRecordInput(id=record_id, object=object_name, limit=1)
    found = services.run_audited(
        origin,
        "lookup_record",
        lambda: lookup_record(services.actions, inp),
        object_name=object_name,
        record_ids=[record_id],
    )
    return found.records[0] if found.records else None


def open_convert_modal(
    client: WebClient,
    services: Services,
    trigger_id: str,
    origin: SlackOrigin,
    lead_id: str,
    account_id: str | None = None,
    *,
    response_url: str | None = None,
) -> None:
    """Open the modal now; fill it with the lead (and the account to preselect) after the ack,
    from the background pool. A failure is shown in the modal."""
    opened = client.views_open(trigger_id=trigger_id, view=convert_loading_view(lead_id))
    view_id = opened["view"]["id"]
    services.later(
        lambda: fill_convert_modal(
            client, services, view_id, origin, lead_id, account_id, response_url=response_url
        ),
        tell_user=lambda text: show_in_view(client, view_id, convert_notice_view(text)),
    )


def fill_convert_modal(
    client: WebClient,
    services: Services,
    view_id: str,
    origin: SlackOrigin,
    lead_id: str,
    account_id: str | None,
    *,
    response_url: str | None,
) -> None:
    """Read the lead (and the account) and show the form, or why the lead cannot be converted."""
    lead = find_record(services, origin, lead_id, "lead")
    account = find_record(services, origin, account_id, "account") if account_id else None
    if lead is None:
        reason = (
            f":mag: There is no lead `{lead_id}` in Salesforce (deleted, or not visible to sfbot)."
        )
        client.views_update(view_id=view_id, view=convert_notice_view(reason))
        return
    if lead.is_converted:
        client.views_update(view_id=view_id, view=convert_notice_view(already_converted(lead.name)))
        return
    form = ConvertForm(
        lead=lead_info(lead),
        account=AccountPick(id=account.id, name=account.name) if account else None,
        error=f":warning: There is no account `{account_id}`; pick one below."
        if account_id and account is None
        else None,
    )
    meta = ConvertMeta(lead=form.lead, channel_id=origin.channel_id, response_url=response_url)
    client.views_update(view_id=view_id, view=convert_form_view(form, meta.dump()))


def _choice_errors(choice: str | None, account: dict[str, Any] | None) -> dict[str, str] | None:
    """The radio and the account must agree: nothing is converted by guesswork."""
    if choice == EXISTING_ACCOUNT and account is None:
        return {BlockId.ACCOUNT: "Pick the account, or choose “Create a new account”."}
    if choice == NEW_ACCOUNT and account is not None:
        return {BlockId.ACCOUNT_CHOICE: "You picked an account below: choose to use it."}
    return None


def _on_error(exc: ActionError, form: ConvertForm, metadata: str) -> SubmitOutcome:
    if exc.code == ALREADY_CONVERTED:
        return SubmitOutcome(view=convert_notice_view(already_converted(form.lead.name)))
    errors = invalid_to_errors(exc, FIELD_BLOCKS.get) if isinstance(exc, InvalidInput) else None
    shown = replace(form, error=user_message(exc))
    return SubmitOutcome(errors=errors, view=convert_form_view(shown, metadata))


@refuses_forged_metadata
def on_convert_submit(
    ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any], context: BoltContext
) -> None:
    services = services_of(context)
    meta = ConvertMeta.load(view["private_metadata"])
    state = ViewState(view)
    choice = state.selected_value(BlockId.ACCOUNT_CHOICE, ActionId.ACCOUNT_CHOICE)
    account = state.selected(BlockId.ACCOUNT, ActionId.ACCOUNT_SEARCH) or None
    name = state.text(BlockId.OPPORTUNITY_NAME)
    choice_errors = _choice_errors(choice, account)
    if choice_errors:
        ack(response_action="errors", errors=choice_errors)
        return
    picked = AccountPick(id=account["value"], name=account["text"]["text"]) if account else None
    form = ConvertForm(lead=meta.lead, account=picked, opportunity_name=name)
    raw = {"lead_id": meta.lead.id, "account_id": picked.id if picked else None}
    raw["opportunity_name"] = (name or "").strip() or None
    try:
        inp = ConvertLeadInput.parse(raw)
    except InvalidInput as exc:
        ack_outcome(ack, _on_error(exc, form, view["private_metadata"]))
        return
    origin = SlackOrigin.of(body, meta.channel_id)
    user_id = origin.user_id

    def work() -> ConvertedLinks:
        # Read before the write: after it, nothing may fail (the claim would be released).
        instance = services.actions.instance_url()
        out: ConvertLeadOutput = services.run_audited(
            origin,
            "convert_lead",
            lambda: convert_lead(services.actions, inp),
            object_name="lead",
            record_ids=[meta.lead.id],
            result_ids=lambda o: [o.account_id, o.contact_id, o.opportunity_id or ""],
        )
        links = _links(instance, meta.lead, picked, inp, out)
        tell_user(
            client,
            user_id,
            text=converted_text(links),
            blocks=converted_blocks(links),
            response_url=meta.response_url,
        )
        return links

    submit(
        ack,
        client,
        view["id"],
        services,
        Submission(
            key=f"convert:{view['id']}",
            work=work,
            on_success=convert_result_view,
            on_error=lambda exc: _on_error(exc, form, view["private_metadata"]),
            working_view=convert_working_view,
            closed_view=lambda: convert_notice_view(":white_check_mark: The lead is converted."),
            replay=lambda stored: convert_result_view(ConvertedLinks(**stored)),
            to_store=asdict,
            unknown_view=lambda message: convert_notice_view(
                unknown_text(message, check_lead(services, meta.lead))
            ),
        ),
    )


def check_lead(services: Services, lead: LeadInfo) -> str:
    """Where to see whether a conversion whose outcome is unknown happened: the lead."""
    try:
        url = record_url(services.actions.instance_url(), "Lead", lead.id)
    except ActionError:
        return f"Check the lead `{lead.id}` in Salesforce before trying again."
    return f"Check whether the lead is converted before trying again: <{url}|open it>."


def _links(
    instance: str,
    lead: LeadInfo,
    account: AccountPick | None,
    inp: ConvertLeadInput,
    out: ConvertLeadOutput,
) -> ConvertedLinks:
    return ConvertedLinks(
        lead_name=lead.name,
        account_name=account.name if account else lead.company or lead.name,
        account_url=record_url(instance, "Account", out.account_id),
        contact_url=record_url(instance, "Contact", out.contact_id),
        opportunity_name=inp.opportunity_name or default_opportunity_name(lead),
        opportunity_url=record_url(instance, "Opportunity", out.opportunity_id)
        if out.opportunity_id
        else None,
    )


def register(app: App) -> None:
    app.view(CallbackId.CONVERT_MODAL)(on_convert_submit)
