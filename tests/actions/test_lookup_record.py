"""lookup_record: by id, email, phone and name, with and without an object; one call each."""

from __future__ import annotations

import pytest

from actions.errors import InvalidInput
from tests.actions import queries_sent, run

LEAD_FIELDS = "Id, Name, Email, Phone, Company, Status, IsConverted"


@pytest.fixture
def people(emu) -> dict[str, str]:
    account = emu.insert("Account", {"Name": "Lovelace Engines", "Phone": "+1 (555) 010-7000"})
    return {
        "account": account,
        "contact": emu.insert(
            "Contact",
            {
                "FirstName": "Ada",
                "LastName": "Lovelace",
                "Email": "ada@example.com",
                "Phone": "+1 (555) 010-7001",
                "AccountId": account,
            },
        ),
        "lead": emu.insert(
            "Lead",
            {
                "FirstName": "Ada",
                "LastName": "Byron",
                "Company": "Analytical Ltd",
                "Email": "ada@example.com",
                "Phone": "555-010-7002",
            },
        ),
        "other": emu.insert("Lead", {"LastName": "Babbage", "Company": "Engines"}),
    }


def test_by_id_returns_the_key_fields_and_url(ctx, emu, people):
    out = run(ctx, "lookup_record", id=people["lead"])
    assert out["count"] == 1
    (rec,) = out["records"]
    assert rec == {
        "object": "lead",
        "id": people["lead"],
        "name": "Ada Byron",
        "email": "ada@example.com",
        "phone": "555-010-7002",
        "company": "Analytical Ltd",
        "status": "Open - Not Contacted",
        "is_converted": False,
        "url": f"{emu.instance_url}/lightning/r/Lead/{people['lead']}/view",
    }
    assert queries_sent(emu, "query") == [
        f"SELECT {LEAD_FIELDS} FROM Lead WHERE Id = '{people['lead']}'"
    ]
    assert emu.api_calls == 1


def test_by_15_character_id_with_matching_object(ctx, emu, people):
    out = run(ctx, "lookup_record", id=people["contact"][:15], object="contact")
    (rec,) = out["records"]
    assert rec["id"] == people["contact"] and rec["company"] == "Lovelace Engines"
    assert rec["url"].endswith(f"/lightning/r/Contact/{people['contact']}/view")


def test_by_id_of_a_deleted_record_finds_nothing(ctx, emu, people):
    run(ctx, "delete_record", object_id=people["other"])
    assert run(ctx, "lookup_record", id=people["other"]) == {"records": [], "count": 0}


def test_by_id_with_another_object_is_refused(ctx, emu, people):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "lookup_record", id=people["lead"], object="contact")
    assert info.value.code == "OBJECT_MISMATCH" and emu.request_log == []


def test_by_email_searches_contacts_and_leads(ctx, emu, people):
    out = run(ctx, "lookup_record", email="ADA@example.com")
    assert out["count"] == 2
    assert [(r["object"], r["id"]) for r in out["records"]] == [
        ("contact", people["contact"]),
        ("lead", people["lead"]),
    ]
    assert all(r["url"].startswith(emu.instance_url + "/lightning/r/") for r in out["records"])
    (sosl,) = queries_sent(emu, "search")
    assert sosl.startswith("FIND {ADA@example.com} IN EMAIL FIELDS RETURNING Contact(")
    assert emu.api_calls == 1


def test_by_email_on_one_object(ctx, emu, people):
    out = run(ctx, "lookup_record", email="ada@example.com", object="lead")
    assert [r["id"] for r in out["records"]] == [people["lead"]]
    (sosl,) = queries_sent(emu, "search")
    assert f"RETURNING Lead({LEAD_FIELDS} WHERE IsConverted = false) LIMIT 200" in sosl


def test_converted_leads_are_left_out_of_searches(ctx, emu, people):
    run(ctx, "convert_lead", lead_id=people["lead"])
    out = run(ctx, "lookup_record", email="ada@example.com", object="lead")
    assert out == {"records": [], "count": 0}


def test_by_phone_searches_contacts_leads_and_accounts(ctx, emu, people):
    out = run(ctx, "lookup_record", phone="+1 (555) 010-7001")
    assert [r["id"] for r in out["records"]] == [people["contact"]]
    (sosl,) = queries_sent(emu, "search")
    assert sosl.startswith(r"FIND {\+1 \(555\) 010\-7001} IN PHONE FIELDS RETURNING Contact(")
    assert "Account(Id, Name, Phone, Industry, Type)" in sosl
    account = run(ctx, "lookup_record", phone="555 010 7000", object="account")
    assert [r["id"] for r in account["records"]] == [people["account"]]


def test_by_name_with_and_without_object(ctx, emu, people):
    everywhere = run(ctx, "lookup_record", name="Lovelace")
    assert {(r["object"], r["id"]) for r in everywhere["records"]} == {
        ("contact", people["contact"]),
        ("account", people["account"]),
    }
    accounts = run(ctx, "lookup_record", name="lovelace", object="account")
    assert [(r["object"], r["name"]) for r in accounts["records"]] == [
        ("account", "Lovelace Engines")
    ]
    assert [q.split(" IN ")[1].split(" FIELDS")[0] for q in queries_sent(emu, "search")] == [
        "NAME",
        "NAME",
    ]


def test_cases_by_name_use_soql(ctx, emu):
    case = emu.insert("Case", {"Subject": "Printer on fire", "SuppliedName": "Alan Turing"})
    emu.insert("Case", {"Subject": "Other"})
    out = run(ctx, "lookup_record", name="on fire", object="case")
    (rec,) = out["records"]
    assert rec["id"] == case and rec["name"].endswith("Printer on fire")
    assert rec["url"].endswith(f"/lightning/r/Case/{case}/view")
    by_person = run(ctx, "lookup_record", name="turing", object="case")
    assert [r["id"] for r in by_person["records"]] == [case]
    assert queries_sent(emu, "search") == []


def test_count_is_every_match_and_records_are_limited(ctx, emu):
    for i in range(7):
        emu.insert("Lead", {"FirstName": f"N{i}", "LastName": "Hopper", "Company": "Navy"})
    out = run(ctx, "lookup_record", name="Hopper", limit=3)
    assert out["count"] == 7 and len(out["records"]) == 3
    assert emu.api_calls == 1
    assert run(ctx, "lookup_record", name="Hopper")["count"] == 7


@pytest.mark.parametrize(
    ("raw", "code", "where"),
    [
        ({"email": "ada@example.com", "object": "account"}, "FIELD_NOT_AVAILABLE", "email"),
        ({"phone": "555-0100", "object": "campaign"}, "FIELD_NOT_AVAILABLE", "phone"),
        ({"email": "not an email"}, "INVALID_EMAIL", "email"),
        ({"phone": "no digits"}, "INVALID_PHONE", "phone"),
        ({"name": "**"}, "SEARCH_TERM_TOO_SHORT", "name"),
        ({"name": "a*"}, "SEARCH_TERM_TOO_SHORT", "name"),
        ({}, "INVALID_INPUT", "input"),
        ({"name": "Ada", "email": "ada@example.com"}, "INVALID_INPUT", "input"),
        ({"name": "Ada", "limit": 0}, "INVALID_INPUT", "limit"),
        ({"name": "Ada", "limit": 51}, "INVALID_INPUT", "limit"),
        ({"name": "Ada", "object": "user"}, "INVALID_INPUT", "object"),
    ],
)
def test_bad_lookups_are_refused_without_a_request(ctx, emu, raw, code, where):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "lookup_record", **raw)
    assert info.value.code == code
    assert where in info.value.fields
    assert emu.request_log == []


# -- injection: hostile text never changes the query ------------------------------------------

RETURNING_ALL = (
    "RETURNING Contact(Id, Name, Email, Phone, Account.Name, Title), "
    f"Lead({LEAD_FIELDS} WHERE IsConverted = false), "
    "Account(Id, Name, Phone, Industry, Type) LIMIT 200"
)


@pytest.mark.parametrize(
    ("hostile", "escaped"),
    [
        ("x' OR Name != '", r"""x\' "OR" Name \!= \'"""),
        ("} RETURNING User(Id, Username)", r"\} RETURNING User\(Id, Username\)"),
        (
            "Ada} IN ALL FIELDS RETURNING User LIMIT 1",
            r"Ada\} IN ALL FIELDS RETURNING User LIMIT 1",
        ),
        ('"Ada" AND NOT Byron', r'\"Ada\" "AND" "NOT" Byron'),
        ("Ada\n} RETURNING User\t", r"Ada \} RETURNING User"),
        ("back\\slash {Ada}", r"back\\slash \{Ada\}"),
        ("Ada or Admin", 'Ada "or" Admin'),
        ("Zoë Ünïcødé ☃", "Zoë Ünïcødé ☃"),
    ],
)
def test_hostile_names_are_escaped_in_sosl(ctx, emu, people, hostile, escaped):
    out = run(ctx, "lookup_record", name=hostile)
    (sosl,) = queries_sent(emu, "search")
    assert sosl == f"FIND {{{escaped}}} IN NAME FIELDS {RETURNING_ALL}"
    assert {r["object"] for r in out["records"]} <= {"contact", "lead", "account"}
    assert not [r for r in out["records"] if r["id"].startswith("005")]
    assert out["count"] == 0  # no record has all of these words


def test_an_asterisk_is_no_wildcard(ctx, emu, people):
    emu.insert("Contact", {"FirstName": "Adam", "LastName": "Smith"})
    out = run(ctx, "lookup_record", name="Ada*")
    assert "Adam Smith" not in [r["name"] for r in out["records"]]
    assert queries_sent(emu, "search")[0].startswith(r"FIND {Ada\*} IN NAME FIELDS")


def test_hostile_looking_names_match_their_literal_record_only(ctx, emu, people):
    obrien = emu.insert("Contact", {"FirstName": "Siobhán", "LastName": "O'Brien-Ünal"})
    emu.insert("Contact", {"FirstName": "Other", "LastName": "Brien"})
    out = run(ctx, "lookup_record", name="Siobhán O'Brien-Ünal")
    assert [r["id"] for r in out["records"]] == [obrien]
    (sosl,) = queries_sent(emu, "search")
    assert sosl.startswith(r"FIND {Siobhán O\'Brien\-Ünal} IN NAME FIELDS")


@pytest.mark.parametrize(
    ("hostile", "like"),
    [
        ("x' OR Subject != '", r"x\' OR Subject != \'"),
        ("50%", r"50\%"),
        ("a_b", r"a\_b"),
        ("back\\slash", r"back\\slash"),
        ("two\nlines", r"two\nlines"),
    ],
)
def test_hostile_names_are_escaped_in_soql(ctx, emu, hostile, like):
    literal = emu.insert("Case", {"Subject": f"about {hostile} here"})
    emu.insert("Case", {"Subject": "500 units abb xy two lines back slash"})
    out = run(ctx, "lookup_record", name=hostile, object="case")
    assert [r["id"] for r in out["records"]] == [literal]
    (soql,) = queries_sent(emu, "query")
    assert f"WHERE Subject LIKE '%{like}%' OR SuppliedName LIKE '%{like}%' ORDER BY" in soql


@pytest.mark.parametrize(
    ("email", "escaped"),
    [
        ("o'brien+sfbot@example.com", r"o\'brien\+sfbot@example.com"),
        ("x}RETURNING@example.com", r"x\}RETURNING@example.com"),
        ("a'OR'1'='1@example.com", r"a\'OR\'1\'=\'1@example.com"),
    ],
)
def test_hostile_emails_are_escaped_and_match_literally(ctx, emu, people, email, escaped):
    literal = emu.insert("Contact", {"LastName": "Literal", "Email": email})
    out = run(ctx, "lookup_record", email=email)
    assert [r["id"] for r in out["records"]] == [literal]
    (sosl,) = queries_sent(emu, "search")
    assert sosl.startswith(f"FIND {{{escaped}}} IN EMAIL FIELDS RETURNING Contact(")


def test_hostile_phone_is_escaped(ctx, emu, people):
    out = run(ctx, "lookup_record", phone="+1 (555) 010-7001 #*")
    (sosl,) = queries_sent(emu, "search")
    assert sosl.startswith(r"FIND {\+1 \(555\) 010\-7001 #\*} IN PHONE FIELDS RETURNING Contact(")
    assert {r["object"] for r in out["records"]} <= {"contact", "lead", "account"}


@pytest.mark.parametrize(
    "hostile",
    [
        "001' OR Id != '",
        "00Q' OR ''='",
        "00QHs000000BcGé",
        "00QHs000000BcG\n1",
        "00QHs000000BcGpAA}",
        "005Hs000000BcGYIA0",  # a User: not an object sfbot reads
    ],
)
def test_hostile_ids_are_refused_before_any_query(ctx, emu, hostile):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "lookup_record", id=hostile)
    assert info.value.code in ("MALFORMED_ID", "UNSUPPORTED_OBJECT", "INVALID_INPUT")
    assert info.value.fields == ["id"]
    assert emu.request_log == []
