"""convert_lead over SOAP: new or existing account, refusals, the cached converted status."""

from __future__ import annotations

import pytest

from actions.errors import InvalidInput, SalesforceRefused
from actions.objects import normalize_id
from tests.actions import api_requests, queries_sent, run


@pytest.fixture
def lead(emu) -> str:
    return emu.insert(
        "Lead",
        {
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "Company": "Analytical Engines",
            "Email": "ada@example.com",
            "Phone": "555-0100",
        },
    )


def soap_calls(emu) -> list[dict]:
    return api_requests(emu, "POST", "/services/Soap/u/")


def test_convert_into_a_new_account(ctx, emu, lead):
    out = run(ctx, "convert_lead", lead_id=lead)
    converted = emu.get(lead)
    assert converted["IsConverted"] is True and converted["Status"] == "Converted"
    assert converted["ConvertedAccountId"] == out["account_id"]
    assert converted["ConvertedContactId"] == out["contact_id"]
    assert converted["ConvertedOpportunityId"] == out["opportunity_id"]
    account, contact = emu.get(out["account_id"]), emu.get(out["contact_id"])
    assert account["Name"] == "Analytical Engines"
    assert (contact["FirstName"], contact["LastName"], contact["Email"]) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
    )
    assert contact["AccountId"] == out["account_id"]
    assert emu.get(out["opportunity_id"])["AccountId"] == out["account_id"]
    (soap,) = soap_calls(emu)
    assert f"<urn:leadId>{lead}</urn:leadId>" in soap["body"]
    assert "<urn:convertedStatus>Converted</urn:convertedStatus>" in soap["body"]
    assert "<urn:accountId>" not in soap["body"]


def test_convert_into_an_existing_account(ctx, emu, lead):
    account = emu.insert("Account", {"Name": "Existing Ltd"})
    out = run(
        ctx,
        "convert_lead",
        lead_id=lead[:15],
        account_id=account[:15],
        opportunity_name="Q3 <deal> & co",
    )
    assert out["account_id"] == account
    assert [a["Id"] for a in emu.records("Account")] == [account]  # no new account
    assert emu.get(out["contact_id"])["AccountId"] == account
    assert emu.get(out["opportunity_id"])["Name"] == "Q3 <deal> & co"
    assert emu.get(lead)["ConvertedAccountId"] == account
    (soap,) = soap_calls(emu)
    assert f"<urn:accountId>{account}</urn:accountId>" in soap["body"]
    assert "Q3 &lt;deal&gt; &amp; co" in soap["body"]


def test_already_converted_lead_gives_a_clear_error(ctx, emu, lead):
    run(ctx, "convert_lead", lead_id=lead)
    contacts = len(emu.records("Contact"))
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "convert_lead", lead_id=lead)
    err = info.value
    assert err.code == "CANNOT_UPDATE_CONVERTED_LEAD" and err.fields == ["lead_id"]
    assert err.message == f"lead {lead} is already converted"
    assert err.exit_code == 1
    assert len(emu.records("Contact")) == contacts


@pytest.mark.parametrize(
    ("sobject", "values"),
    [("Contact", {"LastName": "C"}), ("Account", {"Name": "A"}), ("Case", {"Subject": "S"})],
)
def test_a_non_lead_id_is_refused_locally(ctx, emu, sobject, values):
    record_id = emu.insert(sobject, values)
    with pytest.raises(InvalidInput) as info:
        run(ctx, "convert_lead", lead_id=record_id)
    assert info.value.code == "OBJECT_MISMATCH" and info.value.fields == ["lead_id"]
    assert emu.request_log == []


def test_account_id_must_be_an_account(ctx, emu, lead):
    contact = emu.insert("Contact", {"LastName": "C"})
    with pytest.raises(InvalidInput) as info:
        run(ctx, "convert_lead", lead_id=lead, account_id=contact)
    assert info.value.code == "OBJECT_MISMATCH" and info.value.fields == ["account_id"]
    assert emu.request_log == [] and emu.get(lead)["IsConverted"] is False


@pytest.mark.parametrize("bad", ["00QHs000000BcGpAAA", "00Q' OR Id != '", "<x/>00Q00000000"])
def test_malformed_lead_id_is_refused(ctx, emu, bad):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "convert_lead", lead_id=bad)
    assert info.value.fields == ["lead_id"] and emu.request_log == []


def test_unknown_lead_is_refused_by_salesforce(ctx, emu):
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "convert_lead", lead_id=normalize_id("00QHs0000ZZZZZZ"))
    assert info.value.code == "INVALID_CROSS_REFERENCE_KEY"


def test_deleted_account_is_refused_by_salesforce(ctx, emu, lead):
    account = emu.insert("Account", {"Name": "Gone"})
    emu.store.delete(emu.store.raw(account))
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "convert_lead", lead_id=lead, account_id=account)
    assert info.value.code == "INVALID_CROSS_REFERENCE_KEY"
    assert info.value.fields == ["accountId"]
    assert emu.get(lead)["IsConverted"] is False


def test_converted_status_is_the_api_name_not_the_renamed_label(ctx, emu, lead):
    # The emulator's org renamed its converted status: label "Won - converted", API name
    # "Converted". convertLead takes the API name; the label gets INVALID_STATUS.
    (status,) = [s for s in emu.store.live("LeadStatus") if s["IsConverted"]]
    assert (status["MasterLabel"], status["ApiName"]) == ("Won - converted", "Converted")
    run(ctx, "convert_lead", lead_id=lead)
    (soap,) = soap_calls(emu)
    assert "<urn:convertedStatus>Converted</urn:convertedStatus>" in soap["body"]
    (query,) = [q for q in queries_sent(emu, "query") if "LeadStatus" in q]
    assert query.startswith("SELECT ApiName FROM LeadStatus WHERE IsConverted = true")
    assert emu.get(lead)["IsConverted"] is True


def test_converted_status_is_queried_once_then_cached(ctx, make_ctx, emu):
    leads = [emu.insert("Lead", {"LastName": f"L{i}", "Company": "C"}) for i in range(3)]
    run(ctx, "convert_lead", lead_id=leads[0])
    assert emu.api_calls == 2  # LeadStatus query + convertLead
    status_queries = [r for r in api_requests(emu, "GET", "/query/") if "LeadStatus" in r["query"]]
    assert len(status_queries) == 1

    emu.reset_counters()
    run(ctx, "convert_lead", lead_id=leads[1])
    assert emu.api_calls == 1 and len(soap_calls(emu)) == 1

    emu.reset_counters()
    other_process = make_ctx()  # same database: the cached value is shared
    run(other_process, "convert_lead", lead_id=leads[2])
    assert emu.api_calls == 1 and emu.token_requests == 0
