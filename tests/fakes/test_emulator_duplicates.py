"""The emulator's duplicate management, merge() and Composite, through raw HTTPS requests: as
strict as Salesforce documents (tests/fakes/salesforce/duplicates.py, soap_dups.py,
composite.py)."""

from __future__ import annotations

import json

import pytest
import requests

from actions.soap import envelope
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.salesforce.duplicates import SEEDED_RULES
from tests.fakes.test_salesforce_emulator import V, _token


@pytest.fixture
def emu(monkeypatch):
    with SalesforceEmulator(api_version=V) as e:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", e.ca_bundle)
        e.add_connected_app("cc-app", client_secret="cc-secret")
        yield e


@pytest.fixture
def api(emu):
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {_token(emu)}"
    s.base = f"{emu.instance_url}/services/data/v{V}"  # type: ignore[attr-defined]
    return s


def soap(emu, body: str, headers: str = "") -> requests.Response:
    return requests.post(
        f"{emu.instance_url}/services/Soap/u/{V}",
        data=envelope(_token(emu), body, headers),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
    )


def lead_xml(email: str) -> str:
    return (
        f"<urn:sObjects><urn1:type>Lead</urn1:type><urn1:Email>{email}</urn1:Email></urn:sObjects>"
    )


def test_find_duplicates_envelope_and_record_details(emu):
    emu.activate_duplicate_rules(*SEEDED_RULES)
    contact = emu.insert("Contact", {"LastName": "C", "Email": "a@x.io"})
    r = soap(emu, f"<urn:findDuplicates>{lead_xml('A@x.io')}</urn:findDuplicates>")
    assert r.status_code == 200
    assert "<findDuplicatesResponse><result><duplicateResults><allowSave>true" in r.text
    assert "<entityType>Contact</entityType>" in r.text and f"<sf:Id>{contact}</sf:Id>" in r.text
    assert "<sf:LastName>" not in r.text  # ids only without includeRecordDetails
    details = (
        "<urn:DuplicateRuleHeader><urn:includeRecordDetails>true</urn:includeRecordDetails>"
        "</urn:DuplicateRuleHeader>"
    )
    r = soap(emu, f"<urn:findDuplicates>{lead_xml('a@x.io')}</urn:findDuplicates>", details)
    assert "<sf:LastName>C</sf:LastName>" in r.text


def test_find_duplicates_limits_types_and_rules(emu):
    r = soap(emu, "<urn:findDuplicates>" + lead_xml("a@x.io") * 51 + "</urn:findDuplicates>")
    assert r.status_code == 500 and "LIMIT_EXCEEDED" in r.text and "batch size" in r.text
    mixed = lead_xml("a@x.io") + lead_xml("b@x.io").replace(">Lead<", ">Contact<")
    r = soap(emu, f"<urn:findDuplicates>{mixed}</urn:findDuplicates>")
    assert r.status_code == 500 and "INVALID_TYPE" in r.text
    opp = "<urn:sObjects><urn1:type>Opportunity</urn1:type></urn:sObjects>"
    assert "INVALID_TYPE" in soap(emu, f"<urn:findDuplicates>{opp}</urn:findDuplicates>").text
    r = soap(emu, f"<urn:findDuplicates>{lead_xml('a@x.io')}</urn:findDuplicates>")
    assert "No active duplicate rules are defined for the Lead" in r.text  # none active


def merge_xml(obj: str, master: str, *dups: str, fields: str = "") -> str:
    ids = "".join(f"<urn:recordToMergeIds>{d}</urn:recordToMergeIds>" for d in dups)
    return (
        f"<urn:merge><urn:request><urn:masterRecord><urn1:type>{obj}</urn1:type>"
        f"<urn1:Id>{master}</urn1:Id>{fields}</urn:masterRecord>{ids}</urn:request></urn:merge>"
    )


def _lead(emu) -> str:
    return emu.insert("Lead", {"LastName": "L", "Company": "C"})


def test_merge_result_deletes_with_master_record_id(emu, api):
    master, dup = _lead(emu), _lead(emu)
    task = emu.insert("Task", {"Subject": "T", "WhoId": dup})
    emu.store.raw(master)["Phone"] = "555"
    nulls = "<urn1:fieldsToNull>Phone</urn1:fieldsToNull>"
    r = soap(emu, merge_xml("Lead", master, dup, fields=nulls + "<urn1:Title>CEO</urn1:Title>"))
    assert f"<id>{master}</id><mergedRecordIds>{dup}</mergedRecordIds><success>true" in r.text
    assert f"<updatedRelatedIds>{task}</updatedRelatedIds>" in r.text
    assert emu.get(master)["Title"] == "CEO" and emu.get(master)["Phone"] is None
    gone = api.get(f"{api.base}/sobjects/Lead/{dup}")
    assert gone.status_code == 404
    assert emu.store.raw(dup)["MasterRecordId"] == master


def test_merge_refusals(emu):
    m, d = _lead(emu), _lead(emu)
    opp = emu.insert(
        "Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2030-01-01"}
    )
    contact = emu.insert("Contact", {"LastName": "C"})
    cases = [
        (merge_xml("Opportunity", opp, opp), "INVALID_TYPE_FOR_OPERATION"),
        (merge_xml("Lead", m, _lead(emu), _lead(emu), _lead(emu)), "LIMIT_EXCEEDED"),
        (merge_xml("Lead", m, contact), "INVALID_ID_FIELD"),
        (merge_xml("Lead", m, m), "INVALID_ID_FIELD"),
        (merge_xml("Lead", m, "00Q000000000000"), "INVALID_ID_FIELD"),
        (
            merge_xml("Lead", m, d, fields="<urn1:Email>not-an-email</urn1:Email>"),
            "INVALID_EMAIL_ADDRESS",
        ),
    ]
    for body, code in cases:
        r = soap(emu, body)
        assert r.status_code == 200 and f"<statusCode>{code}</statusCode>" in r.text, (code, r.text)
        assert "<success>false</success>" in r.text
    assert emu.get(d) is not None  # nothing merged by a refused request
    soap(emu, merge_xml("Lead", m, d))
    r = soap(emu, merge_xml("Lead", m, d))
    assert "<statusCode>ENTITY_IS_DELETED</statusCode>" in r.text
    emu.store.raw(m)["IsConverted"] = True
    r = soap(emu, merge_xml("Lead", m, _lead(emu)))
    assert "<statusCode>CANNOT_UPDATE_CONVERTED_LEAD</statusCode>" in r.text


def test_rest_duplicate_rule_header(emu, api):
    emu.activate_duplicate_rules(*SEEDED_RULES)
    emu.insert("Contact", {"LastName": "C", "Email": "dup@x.io"})
    body = {"LastName": "L", "Company": "C", "Email": "dup@x.io"}
    r = api.post(f"{api.base}/sobjects/Lead/", json=body)
    assert r.status_code == 400
    (err,) = r.json()
    assert err["errorCode"] == "DUPLICATES_DETECTED" and err["duplicateResult"]["allowSave"] is True
    header = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    assert api.post(f"{api.base}/sobjects/Lead/", json=body, headers=header).status_code == 201
    emu.insert("Account", {"Name": "Acme"})
    r = api.post(f"{api.base}/sobjects/Account/", json={"Name": "acme"}, headers=header)
    assert r.status_code == 400 and r.json()[0]["duplicateResult"]["allowSave"] is False


def test_composite_is_one_call_and_refuses_what_it_does_not_emulate(emu, api):
    emu.reset_counters()
    sub = {
        "method": "GET",
        "url": f"/services/data/v{V}/query/?q=SELECT+Id+FROM+Lead",
        "referenceId": "a",
    }
    r = api.post(
        f"{api.base}/composite", json={"compositeRequest": [sub, {**sub, "referenceId": "b"}]}
    )
    assert r.status_code == 200 and emu.api_calls == 1
    assert [s["httpStatusCode"] for s in r.json()["compositeResponse"]] == [200, 200]
    six = [{**sub, "referenceId": f"q{i}"} for i in range(6)]
    assert api.post(f"{api.base}/composite", json={"compositeRequest": six}).status_code == 400
    ref = {**sub, "url": sub["url"] + "+WHERE+Id+=+'@{a.records[0].Id}'"}
    assert api.post(f"{api.base}/composite", json={"compositeRequest": [ref]}).status_code == 400
    bad = {**sub, "url": f"/services/data/v{V}/query/?q=SELECT+Nope+FROM+Lead"}
    body = api.post(f"{api.base}/composite", json={"compositeRequest": [bad]}).json()
    assert body["compositeResponse"][0]["httpStatusCode"] == 400
    assert json.dumps(body).count("INVALID_FIELD") == 1
