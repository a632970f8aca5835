"""create_record for every object: field mapping, defaults, and refusals before any write."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from actions.errors import InvalidInput
from tests.actions import api_requests, run, writes


def posted_body(emu, api_name: str) -> dict:
    (post,) = api_requests(emu, "POST", f"/sobjects/{api_name}/")
    return json.loads(post["body"])


def test_lead_name_is_split_and_company_defaults(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="lead",
        name="Ada King Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0000",
    )
    lead = emu.get(out["id"])
    assert out["id"].startswith("00Q") and len(out["id"]) == 18
    assert (lead["FirstName"], lead["LastName"]) == ("Ada King", "Lovelace")
    assert lead["Company"] == "[not provided]"
    assert (lead["Email"], lead["Phone"]) == ("ada@example.com", "+44 20 7946 0000")
    assert posted_body(emu, "Lead") == {
        "FirstName": "Ada King",
        "LastName": "Lovelace",
        "Email": "ada@example.com",
        "Phone": "+44 20 7946 0000",
        "Company": "[not provided]",
    }


def test_lead_company_from_fields_and_one_word_name(ctx, emu):
    out = run(ctx, "create_record", object="Lead", name="Cher", fields={"company": "Acme"})
    lead = emu.get(out["id"])
    assert (lead["FirstName"], lead["LastName"], lead["Company"]) == (None, "Cher", "Acme")
    assert "FirstName" not in posted_body(emu, "Lead")


def test_contact(ctx, emu):
    account = emu.insert("Account", {"Name": "Acme"})
    out = run(
        ctx,
        "create_record",
        object="contact",
        name="Grace Hopper",
        email="grace@example.com",
        phone="555-0100",
        description="Met at the conference",
        fields={"Title": "Rear Admiral", "AccountId": account[:15]},
    )
    contact = emu.get(out["id"])
    assert out["id"].startswith("003")
    assert (contact["FirstName"], contact["LastName"]) == ("Grace", "Hopper")
    assert contact["Email"] == "grace@example.com" and contact["Phone"] == "555-0100"
    assert contact["Title"] == "Rear Admiral" and contact["AccountId"] == account
    assert contact["Description"] == "Met at the conference"


def test_account(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="account",
        name="  Initech Ltd  ",
        phone="555-0199",
        fields={"Industry": "Technology"},
    )
    account = emu.get(out["id"])
    assert out["id"].startswith("001")
    assert (account["Name"], account["Phone"], account["Industry"]) == (
        "Initech Ltd",
        "555-0199",
        "Technology",
    )


def test_opportunity_defaults_to_first_open_stage_and_close_in_30_days(ctx, emu):
    out = run(ctx, "create_record", object="opportunity", name="Big deal")
    opp = emu.get(out["id"])
    assert out["id"].startswith("006")
    assert opp["Name"] == "Big deal"
    assert opp["StageName"] == "Prospecting"  # the org's first open stage
    assert opp["CloseDate"] == (date.today() + timedelta(days=30)).isoformat()
    stage_queries = [
        r for r in api_requests(emu, "GET", "/query/") if "OpportunityStage" in r["query"]
    ]
    assert len(stage_queries) == 1


def test_opportunity_keeps_given_stage_and_close_date(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="opportunity",
        name="Renewal",
        fields={"StageName": "Negotiation/Review", "CloseDate": "2030-01-31", "Amount": "1200.50"},
    )
    opp = emu.get(out["id"])
    assert (opp["StageName"], opp["CloseDate"], opp["Amount"]) == (
        "Negotiation/Review",
        "2030-01-31",
        1200.5,
    )
    assert not [r for r in api_requests(emu) if "OpportunityStage" in r["query"]]


def test_case_supplied_fields_and_subject_from_first_line(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="case",
        name="Alan Turing",
        phone="555-0142",
        email="alan@example.com",
        description="\n  Printer on fire\nIt started this morning.",
    )
    case = emu.get(out["id"])
    assert out["id"].startswith("500")
    assert (case["SuppliedName"], case["SuppliedPhone"], case["SuppliedEmail"]) == (
        "Alan Turing",
        "555-0142",
        "alan@example.com",
    )
    assert case["Subject"] == "Printer on fire"
    assert case["Description"].endswith("It started this morning.")


def test_case_subject_from_fields_wins(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="case",
        name="Alan Turing",
        description="first line",
        fields={"Subject": "Explicit subject", "Priority": "High"},
    )
    case = emu.get(out["id"])
    assert (case["Subject"], case["Priority"]) == ("Explicit subject", "High")


def test_campaign(ctx, emu):
    out = run(
        ctx,
        "create_record",
        object="campaign",
        name="Spring webinar",
        fields={"Type": "Webinar", "IsActive": True, "StartDate": "2030-03-01"},
    )
    campaign = emu.get(out["id"])
    assert out["id"].startswith("701")
    assert (campaign["Name"], campaign["Type"], campaign["IsActive"]) == (
        "Spring webinar",
        "Webinar",
        True,
    )


def test_phone_on_an_opportunity_is_refused_without_any_call(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object="opportunity", name="Deal", phone="555-0100")
    assert info.value.code == "FIELD_NOT_AVAILABLE" and info.value.fields == ["phone"]
    assert emu.request_log == [] and emu.api_calls == 0


def test_email_on_an_account_is_refused_without_any_call(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object="account", name="Acme", email="a@example.com")
    assert info.value.code == "FIELD_NOT_AVAILABLE" and info.value.fields == ["email"]
    assert emu.request_log == []


@pytest.mark.parametrize(
    ("obj", "fields", "code", "where"),
    [
        ("lead", {"Shoe_Size__c": 42}, "UNKNOWN_FIELD", "fields.Shoe_Size__c"),
        ("lead", {"IsConverted": True}, "FIELD_NOT_WRITABLE", "fields.IsConverted"),
        ("case", {"CaseNumber": "42"}, "FIELD_NOT_WRITABLE", "fields.CaseNumber"),
        ("lead", {"Status": "Maybe later"}, "INVALID_PICKLIST_VALUE", "fields.Status"),
        ("lead", {"Lead_Score__c": "high"}, "INVALID_TYPE", "fields.Lead_Score__c"),
        ("opportunity", {"CloseDate": "next week"}, "INVALID_TYPE", "fields.CloseDate"),
        ("contact", {"AccountId": "not-an-id"}, "MALFORMED_ID", "fields.AccountId"),
        ("lead", {"LastName": "Twice"}, "DUPLICATE_FIELD", "fields.LastName"),
        ("lead", {"Company": "x" * 256}, "STRING_TOO_LONG", "fields.Company"),
    ],
)
def test_bad_fields_are_refused_before_the_write(ctx, emu, obj, fields, code, where):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object=obj, name="Some Name", fields=fields)
    assert info.value.code == code and info.value.fields == [where]
    assert info.value.message
    assert writes(emu) == []
    assert emu.records(obj.capitalize()) == []


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "sp ace@example.com"])
def test_malformed_email_is_refused(ctx, emu, email):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object="contact", name="Some Body", email=email)
    assert info.value.code == "INVALID_EMAIL" and info.value.fields == ["email"]
    assert writes(emu) == []


def test_malformed_phone_is_refused(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object="lead", name="Some Body", phone="call me maybe")
    assert info.value.code == "INVALID_PHONE" and writes(emu) == []


@pytest.mark.parametrize(
    ("obj", "fields", "missing"),
    [
        ("lead", {"Company": None}, "fields.Company"),
        ("opportunity", {"CloseDate": None}, "fields.CloseDate"),
        ("opportunity", {"StageName": ""}, "fields.StageName"),
    ],
)
def test_missing_required_field_is_refused_before_the_write(ctx, emu, obj, fields, missing):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object=obj, name="Some Name", fields=fields)
    assert info.value.code == "REQUIRED_FIELD_MISSING"
    assert info.value.fields == [missing]
    assert writes(emu) == []


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"object": "widget", "name": "x"}, "object"),
        ({"object": "lead"}, "name"),
        ({"object": "lead", "name": ""}, "name"),
        ({"object": "lead", "name": "x", "colour": "red"}, "colour"),
        ({"object": "lead", "name": "x", "fields": {"Company": ["a", "b"]}}, "fields.Company"),
    ],
)
def test_input_shape_is_checked_first(ctx, emu, raw, where):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", **raw)
    assert info.value.code == "INVALID_INPUT"
    assert any(f == where or f.startswith(where + ".") for f in info.value.fields)
    assert emu.request_log == []


def test_describe_is_fetched_once_per_object(ctx, emu):
    for i in range(3):
        run(ctx, "create_record", object="lead", name=f"Lead {i}")
    assert len(api_requests(emu, "GET", "/sobjects/Lead/describe")) == 1
    assert len(api_requests(emu, "POST", "/sobjects/Lead/")) == 3
