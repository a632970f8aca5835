"""update_record: only the given fields, in one PATCH; the object comes from the id."""

from __future__ import annotations

import json

import pytest

from actions.errors import InvalidInput, NotFound, SalesforceRefused
from actions.objects import normalize_id
from tests.actions import api_requests, run, writes


def patch_of(emu) -> tuple[str, dict]:
    (patch,) = api_requests(emu, "PATCH")
    return patch["path"], json.loads(patch["body"])


def missing_id(prefix: str) -> str:
    """A well-formed id (right checksum) that no record has."""
    return normalize_id(prefix + "Hs0000ZZZZZZ")


def test_only_the_given_fields_are_sent(ctx, emu):
    lead_id = emu.insert(
        "Lead",
        {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Analytical", "Email": "a@x.io"},
    )
    out = run(ctx, "update_record", id=lead_id, phone="555-0101", fields={"Rating": "Hot"})
    assert out == {"id": lead_id}
    path, body = patch_of(emu)
    assert path.endswith(f"/sobjects/Lead/{lead_id}")
    assert body == {"Phone": "555-0101", "Rating": "Hot"}
    lead = emu.get(lead_id)
    assert (lead["Phone"], lead["Rating"]) == ("555-0101", "Hot")
    assert (lead["FirstName"], lead["Email"], lead["Company"]) == ("Ada", "a@x.io", "Analytical")


def test_name_sets_both_name_fields_of_a_person(ctx, emu):
    contact_id = emu.insert("Contact", {"FirstName": "Old", "LastName": "Name"})
    run(ctx, "update_record", id=contact_id, name="Prince")
    _, body = patch_of(emu)
    assert body == {"LastName": "Prince", "FirstName": None}
    contact = emu.get(contact_id)
    assert (contact["FirstName"], contact["LastName"], contact["Name"]) == (
        None,
        "Prince",
        "Prince",
    )


@pytest.mark.parametrize(
    ("sobject", "values", "update", "expected"),
    [
        ("Account", {"Name": "Acme"}, {"name": "Acme Corp"}, {"Name": "Acme Corp"}),
        (
            "Opportunity",
            {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
            {"fields": {"StageName": "Closed Won", "Amount": 10}},
            {"StageName": "Closed Won", "Amount": 10},
        ),
        (
            "Case",
            {"Subject": "Broken"},
            {"email": "who@example.com", "fields": {"Status": "Working"}},
            {"SuppliedEmail": "who@example.com", "Status": "Working"},
        ),
        ("Campaign", {"Name": "C"}, {"description": "Spring"}, {"Description": "Spring"}),
    ],
)
def test_object_comes_from_the_key_prefix(ctx, emu, sobject, values, update, expected):
    record_id = emu.insert(sobject, values)
    run(ctx, "update_record", id=record_id, **update)
    path, body = patch_of(emu)
    assert path.endswith(f"/sobjects/{sobject}/{record_id}")
    assert body == expected
    record = emu.get(record_id)
    assert {k: record[k] for k in expected} == expected


def test_15_character_id_is_accepted(ctx, emu):
    account_id = emu.insert("Account", {"Name": "Acme"})
    out = run(ctx, "update_record", id=account_id[:15], phone="555-0102")
    assert out == {"id": account_id}
    path, _ = patch_of(emu)
    assert path.endswith(f"/sobjects/Account/{account_id}")
    assert emu.get(account_id)["Phone"] == "555-0102"


def test_18_character_id_in_other_case_is_accepted(ctx, emu):
    account_id = emu.insert("Account", {"Name": "Acme"})
    out = run(ctx, "update_record", id=account_id[:15] + account_id[15:].lower(), phone="1234567")
    assert out == {"id": account_id}


@pytest.mark.parametrize(
    "bad_id",
    ["001Hs000000BcGpAAA", "001Hs000000BcGp!!!", "001Hs000000BcG-p", "00QHs000000 BcGp"],
)
def test_malformed_id_is_refused_without_a_request(ctx, emu, bad_id):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "update_record", id=bad_id, phone="555-0103")
    assert info.value.code == "MALFORMED_ID" and info.value.fields == ["id"]
    assert emu.request_log == []


def test_id_of_an_unsupported_object_is_refused(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "update_record", id=emu.user_id, phone="555-0104")
    assert info.value.code == "UNSUPPORTED_OBJECT" and emu.request_log == []


def test_unknown_record_is_not_found(ctx, emu):
    with pytest.raises(NotFound) as info:
        run(ctx, "update_record", id=missing_id("003"), phone="555-0105")
    assert info.value.code == "NOT_FOUND" and info.value.exit_code == 1
    assert len(api_requests(emu, "PATCH")) == 1


def test_nothing_to_update(ctx, emu):
    lead_id = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    with pytest.raises(InvalidInput) as info:
        run(ctx, "update_record", id=lead_id)
    assert info.value.code == "NOTHING_TO_UPDATE" and emu.request_log == []


def test_phone_on_an_opportunity_is_refused_without_any_call(ctx, emu):
    opp = emu.insert(
        "Opportunity", {"Name": "D", "StageName": "Prospecting", "CloseDate": "2030-01-01"}
    )
    with pytest.raises(InvalidInput) as info:
        run(ctx, "update_record", id=opp, phone="555-0106")
    assert info.value.code == "FIELD_NOT_AVAILABLE" and emu.request_log == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"IsConverted": True}, "FIELD_NOT_WRITABLE"),
        ({"Nope__c": 1}, "UNKNOWN_FIELD"),
        ({"Status": "Sleeping"}, "INVALID_PICKLIST_VALUE"),
        ({"Email": "nope"}, "INVALID_EMAIL"),
    ],
)
def test_bad_fields_are_refused_before_the_patch(ctx, emu, fields, code):
    lead_id = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    with pytest.raises(InvalidInput) as info:
        run(ctx, "update_record", id=lead_id, fields=fields)
    assert info.value.code == code
    assert writes(emu) == []


def test_converted_lead_cannot_be_updated(ctx, emu):
    lead_id = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    run(ctx, "convert_lead", lead_id=lead_id)
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "update_record", id=lead_id, phone="555-0107")
    assert info.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert emu.get(lead_id)["Phone"] is None
