"""convert_lead: convert a lead into an account, a contact and an opportunity (SOAP)."""

from __future__ import annotations

from pydantic import Field

from actions.base import ActionInput, ActionOutput, RecordId
from actions.context import ActionContext
from actions.errors import SalesforceRefused
from actions.objects import expect_object
from actions.soap import convert_lead_call, convert_lead_envelope, parse_convert_response
from storage.connection_store import StoredConnection


class ConvertLeadInput(ActionInput):
    lead_id: RecordId
    account_id: RecordId | None = Field(
        default=None, description="Attach to this account; a new one is created when omitted"
    )
    opportunity_name: str | None = Field(
        default=None, max_length=120, description="Default: Salesforce's, from the company"
    )


class ConvertLeadOutput(ActionOutput):
    opportunity_id: str | None
    account_id: str
    contact_id: str


def convert_lead(ctx: ActionContext, inp: ConvertLeadInput) -> ConvertLeadOutput:
    lead_id = expect_object(inp.lead_id, "lead", "lead_id")
    account_id = expect_object(inp.account_id, "account", "account_id") if inp.account_id else None
    status = ctx.metadata.converted_lead_status()

    def attempt(conn: StoredConnection) -> ConvertLeadOutput:
        envelope = convert_lead_envelope(
            conn.access_token or "", lead_id, status, account_id, inp.opportunity_name
        )
        code, content = convert_lead_call(
            ctx.connection.http, conn.instance_url, conn.api_version, envelope
        )
        result = parse_convert_response(code, content)
        return ConvertLeadOutput(
            opportunity_id=result.opportunity_id,
            account_id=result.account_id,
            contact_id=result.contact_id,
        )

    try:
        return ctx.connection.call_raw(attempt, write=True)
    except SalesforceRefused as exc:
        if exc.code == "CANNOT_UPDATE_CONVERTED_LEAD":
            raise SalesforceRefused(
                f"lead {lead_id} is already converted", code=exc.code, fields=["lead_id"]
            ) from exc
        raise
