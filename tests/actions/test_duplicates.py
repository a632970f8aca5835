"""find_duplicates and merge_records over SOAP: the org's rules, across leads and contacts,
merges with field choices and re-parented records, and every refusal (nothing sent)."""

from __future__ import annotations

import pytest

from actions.errors import InvalidInput, NotFound, SalesforceRefused
from tests.actions import api_requests, run

LEAD_RULE = "Standard_Rule_for_Leads_with_Duplicate_Contacts_and_Leads"
CONTACT_RULE = "Standard_Rule_for_Contacts_with_Duplicate_Leads_and_Contacts"
ACCOUNT_RULE = "Block_Duplicate_Accounts"


def soap_calls(emu) -> list[dict]:
    return api_requests(emu, "POST", "/services/Soap/u/")


@pytest.fixture
def rules(emu):
    emu.activate_duplicate_rules(LEAD_RULE, CONTACT_RULE, ACCOUNT_RULE)


def test_find_duplicates_looks_across_leads_and_contacts_in_one_call(ctx, emu, rules):
    lead = emu.insert(
        "Lead", {"FirstName": "Ada", "LastName": "L", "Company": "AE", "Email": "ada@x.io"}
    )
    contact = emu.insert("Contact", {"FirstName": "Ada", "LastName": "L", "Email": "ADA@x.io"})
    emu.insert("Contact", {"LastName": "Other", "Email": "other@x.io"})
    ctx.metadata.describe("Lead")  # cached, as in a running sfbot
    emu.reset_counters()
    out = run(ctx, "find_duplicates", object="lead", name="Someone", email="ada@x.io")
    found = {d["id"]: d for d in out["duplicates"]}
    assert set(found) == {lead, contact}
    assert found[lead]["object"] == "lead" and found[contact]["object"] == "contact"
    assert found[lead]["company"] == "AE" and found[lead]["name"] == "Ada L"
    assert found[lead]["rule"] == LEAD_RULE and found[lead]["allow_save"] is True
    assert found[contact]["url"].endswith(f"/lightning/r/Contact/{contact}/view")
    assert found[lead]["confidence"] == 100.0
    (call,) = soap_calls(emu)
    assert "<urn:findDuplicates>" in call["body"] and "<urn1:type>Lead</urn1:type>" in call["body"]
    assert emu.api_calls == 1


def test_find_duplicates_of_a_stored_record_leaves_it_out(ctx, emu, rules):
    a = emu.insert("Contact", {"LastName": "A", "Email": "same@x.io"})
    b = emu.insert("Contact", {"LastName": "B", "Email": "same@x.io"})
    out = run(ctx, "find_duplicates", object="contact", id=a)
    assert [d["id"] for d in out["duplicates"]] == [b]


def test_find_duplicates_nothing_found_and_blocking_rule(ctx, emu, rules):
    assert run(ctx, "find_duplicates", object="lead", email="nobody@x.io")["duplicates"] == []
    acct = emu.insert("Account", {"Name": "Acme"})
    (dup,) = run(ctx, "find_duplicates", object="account", name="acme")["duplicates"]
    assert dup["id"] == acct and dup["allow_save"] is False and dup["rule"] == ACCOUNT_RULE


def test_find_duplicates_refusals(ctx, emu):
    with pytest.raises(InvalidInput) as err:
        run(ctx, "find_duplicates", object="opportunity", name="x")
    assert err.value.fields == ["object"]
    with pytest.raises(InvalidInput) as err:
        run(ctx, "find_duplicates", object="lead")
    assert err.value.code == "NOTHING_TO_MATCH"
    with pytest.raises(InvalidInput) as err:
        run(ctx, "find_duplicates", object="lead", email="not-an-email")
    assert soap_calls(emu) == []
    with pytest.raises(SalesforceRefused) as refused:  # no active rule in this org
        run(ctx, "find_duplicates", object="lead", email="a@x.io")
    assert refused.value.code == "NO_ACTIVE_DUPLICATE_RULE"
    assert "Setup > Duplicate Rules" in refused.value.message


# --------------------------------------------------------------------------- merge
def test_merge_leads_with_field_choice_moves_tasks(ctx, emu):
    master = emu.insert("Lead", {"LastName": "Keep", "Company": "A", "Phone": "111"})
    dup = emu.insert("Lead", {"LastName": "Dup", "Company": "B", "Phone": "222"})
    task = emu.insert("Task", {"Subject": "Call", "WhoId": dup})
    out = run(ctx, "merge_records", master_id=master, duplicate_ids=[dup], fields={"Phone": "222"})
    assert out == {"id": master, "merged_ids": [dup], "updated_related_ids": [task]}
    assert emu.get(master)["Phone"] == "222" and emu.get(master)["Company"] == "A"
    assert emu.get(dup) is None
    raw = emu.store.raw(dup)
    assert raw["IsDeleted"] is True and raw["MasterRecordId"] == master
    assert emu.get(task)["WhoId"] == master
    (call,) = soap_calls(emu)
    assert "<urn:merge>" in call["body"] and f"<urn:recordToMergeIds>{dup}<" in call["body"]


def test_merge_accounts_moves_contacts_opportunities_and_cases(ctx, emu):
    master = emu.insert("Account", {"Name": "Acme"})
    d1 = emu.insert("Account", {"Name": "ACME Inc"})
    d2 = emu.insert("Account", {"Name": "Acme Ltd"})
    contact = emu.insert("Contact", {"LastName": "C", "AccountId": d1})
    case = emu.insert("Case", {"Subject": "S", "AccountId": d2})
    out = run(ctx, "merge_records", master_id=master, duplicate_ids=[d1, d2])
    assert sorted(out["merged_ids"]) == sorted([d1, d2])
    assert sorted(out["updated_related_ids"]) == sorted([contact, case])
    assert emu.get(contact)["AccountId"] == master and emu.get(case)["AccountId"] == master


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (
            lambda e: (e.insert("Opportunity", _opp()), [e.insert("Opportunity", _opp())]),
            "NOT_MERGEABLE",
        ),
        (lambda e: (_lead(e), [e.insert("Contact", {"LastName": "C"})]), "MIXED_OBJECTS"),
        (lambda e: (_lead(e), [_lead(e), _lead(e), _lead(e)]), "INVALID_INPUT"),
        (lambda e: (lid := _lead(e), [lid]), "REPEATED_ID"),
        (lambda e: (_lead(e), ["00Qnot-an-id!!!"]), "MALFORMED_ID"),
    ],
)
def test_merge_refusals_send_nothing(ctx, emu, make, code):
    master, dups = make(emu)
    with pytest.raises(InvalidInput) as err:
        run(ctx, "merge_records", master_id=master, duplicate_ids=dups)
    assert err.value.code == code, err.value.message
    assert soap_calls(emu) == []


def test_merge_converted_lead_is_a_clear_error_and_changes_nothing(ctx, emu):
    master, dup = _lead(emu), _lead(emu)
    run(ctx, "convert_lead", lead_id=dup)
    with pytest.raises(SalesforceRefused) as err:
        run(ctx, "merge_records", master_id=master, duplicate_ids=[dup])
    assert err.value.code == "LEAD_CONVERTED"
    assert emu.get(dup)["IsConverted"] is True and emu.get(master) is not None


def test_merge_deleted_or_unknown_record(ctx, emu):
    master, dup = _lead(emu), _lead(emu)
    run(ctx, "merge_records", master_id=master, duplicate_ids=[dup])
    with pytest.raises(NotFound) as err:
        run(ctx, "merge_records", master_id=master, duplicate_ids=[dup])
    assert err.value.code == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceRefused) as refused:
        run(ctx, "merge_records", master_id=master, duplicate_ids=[emu._ids.new("00Q")])
    assert refused.value.code == "INVALID_ID_FIELD"


def _lead(emu) -> str:
    return emu.insert("Lead", {"LastName": "L", "Company": "C"})


def _opp() -> dict:
    return {"Name": "O", "StageName": "Prospecting", "CloseDate": "2030-01-01"}


# --------------------------------------------------------------------------- create + rules
def test_create_alerting_rule_refuses_then_allow_save_creates(ctx, emu, rules):
    contact = emu.insert("Contact", {"FirstName": "Ada", "LastName": "L", "Email": "ada@x.io"})
    with pytest.raises(SalesforceRefused) as err:
        run(ctx, "create_record", object="lead", name="Ada L", email="ada@x.io")
    assert err.value.code == "DUPLICATES_DETECTED"
    details = err.value.details
    assert details["duplicates"] == [contact] and details["allow_save"] is True
    assert details["duplicate_rule"] == LEAD_RULE
    assert details["matches"][0]["Email"] == "ada@x.io"  # includeRecordDetails=true
    out = run(ctx, "create_record", object="lead", name="Ada L", email="ada@x.io", allow_save=True)
    assert emu.get(out["id"])["Email"] == "ada@x.io"
    sent = api_requests(emu, "POST", "/sobjects/Lead")[-1]["headers"]
    assert sent["Sforce-Duplicate-Rule-Header"].startswith("allowSave=true")


def test_create_blocking_rule_refuses_even_with_allow_save(ctx, emu, rules):
    emu.insert("Account", {"Name": "Acme"})
    with pytest.raises(SalesforceRefused) as err:
        run(ctx, "create_record", object="account", name="ACME", allow_save=True)
    assert err.value.code == "DUPLICATES_DETECTED" and err.value.details["allow_save"] is False
    assert len(emu.records("Account")) == 1


def test_merge_can_empty_a_field_of_the_master(ctx, emu):
    master = emu.insert("Contact", {"LastName": "M", "Title": "CEO"})
    dup = emu.insert("Contact", {"LastName": "D"})
    run(ctx, "merge_records", master_id=master, duplicate_ids=[dup], fields={"Title": None})
    assert emu.get(master)["Title"] is None
    (call,) = soap_calls(emu)
    assert "<urn1:fieldsToNull>Title</urn1:fieldsToNull>" in call["body"]
