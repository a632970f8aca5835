"""The digest kinds against the Salesforce emulator: what each one selects, in what order, as
what items, and that a run is exactly one API call."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from actions.context import ActionContext
from actions.digest_duplicates import GROUP_QUERIES, MAX_GROUPS
from actions.digest_kinds import (
    KINDS,
    MAX_ROWS,
    Window,
    build_query,
    check_custom_query,
    check_read_only_soql,
    fetch_kind_rows,
    parse_params,
    to_items,
    with_row_limit,
)
from actions.errors import ActionError, InvalidInput
from bot.blocks.digest import item_block
from bot.ids import ActionId
from tests.digests import sf_time
from tests.fakes.salesforce import SalesforceEmulator

NOW = datetime(2025, 3, 24, 9, 0, tzinfo=UTC)
WINDOW = Window(start=NOW - timedelta(days=1), end=NOW, today=date(2025, 3, 24))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The kinds do not depend on the database: SQLite only here."""
    return f"sqlite:///{tmp_path / 'sfbot.db'}"


def queries(emu: SalesforceEmulator) -> list[str]:
    """The SOQL of every query request the emulator received."""
    return [
        parse_qs(r["query"])["q"][0]
        for r in emu.request_log
        if r["server"] == "instance" and r["path"].rstrip("/").endswith("/query")
    ]


def run(
    ctx: ActionContext, kind: str, params: dict[str, Any] | None = None, window: Window = WINDOW
) -> list:
    soql = build_query(kind, params or {}, window)
    return to_items(ctx, kind, params or {}, fetch_kind_rows(ctx, kind, soql))


def lead(emu: SalesforceEmulator, name: str, **fields: Any) -> str:
    return emu.insert("Lead", {"LastName": name, "Company": f"{name} Inc", **fields})


# -- the kinds -----------------------------------------------------------------------------


def test_new_leads_only_those_created_in_the_window(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    created = {
        "before": WINDOW.start - timedelta(minutes=1),
        "at start": WINDOW.start,  # the previous run covered it
        "inside": WINDOW.start + timedelta(hours=5),
        "at end": WINDOW.end,
        "after": WINDOW.end + timedelta(seconds=1),
    }
    for name, when in created.items():
        lead(emu, name, CreatedDate=sf_time(when), LeadSource="Web")
    emu.reset_counters()
    items = run(ctx, "new_leads")
    assert [i.title for i in items] == ["at end", "inside"]  # newest first
    assert emu.api_calls == 1
    first = dict(items[0].fields)
    assert first["Company"] == "at end Inc"
    assert first["Source"] == "Web"
    assert first["Owner"] == "Integration User"
    assert items[0].url is not None and items[0].record_id and items[0].record_id in items[0].url


def test_open_cases_highest_priority_first_then_oldest(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    base = NOW - timedelta(days=10)
    spec = [
        ("low old", "Low", 0),
        ("high new", "High", 5),
        ("medium", "Medium", 3),
        ("high old", "High", 1),
        ("low new", "Low", 6),
    ]
    for subject, priority, days in spec:
        emu.insert(
            "Case",
            {
                "Subject": subject,
                "Priority": priority,
                "CreatedDate": sf_time(base + timedelta(days=days)),
            },
        )
    emu.insert("Case", {"Subject": "closed", "Priority": "High", "Status": "Closed"})
    emu.reset_counters()
    items = run(ctx, "open_cases")
    subjects = [i.title.split(" ", 1)[1] for i in items]
    assert subjects == ["high old", "high new", "medium", "low old", "low new"]
    assert dict(items[0].fields)["Priority"] == "High"
    assert emu.api_calls == 1


def test_closing_opportunities_in_the_next_n_days_and_open(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    today = WINDOW.today
    spec = [
        ("yesterday", -1, "Prospecting"),
        ("today", 0, "Prospecting"),
        ("in 7 days", 7, "Negotiation/Review"),
        ("in 8 days", 8, "Prospecting"),
        ("won today", 0, "Closed Won"),
        ("lost in 2", 2, "Closed Lost"),
        ("in 3 days", 3, "Qualification"),
    ]
    for name, days, stage in spec:
        emu.insert(
            "Opportunity",
            {
                "Name": name,
                "StageName": stage,
                "CloseDate": (today + timedelta(days=days)).isoformat(),
                "Amount": 1250000,
            },
        )
    emu.reset_counters()
    items = run(ctx, "closing_opportunities", {"days": 7})
    assert [i.title for i in items] == ["today", "in 3 days", "in 7 days"]
    assert dict(items[0].fields)["Amount"] == "1,250,000"
    assert emu.api_calls == 1
    assert [i.title for i in run(ctx, "closing_opportunities", {"days": 3})] == [
        "today",
        "in 3 days",
    ]


def test_closing_opportunities_use_the_digest_time_zones_today(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    emu.insert(
        "Opportunity", {"Name": "monday", "StageName": "Prospecting", "CloseDate": "2025-03-24"}
    )
    # 23:30 UTC on Sunday is already Monday in Kolkata
    sunday_night = datetime(2025, 3, 23, 23, 30, tzinfo=UTC)
    in_utc = Window(sunday_night - timedelta(days=1), sunday_night, date(2025, 3, 23))
    in_kolkata = Window(sunday_night - timedelta(days=1), sunday_night, date(2025, 3, 24))
    emu.insert(
        "Opportunity", {"Name": "tuesday", "StageName": "Prospecting", "CloseDate": "2025-03-25"}
    )
    assert [i.title for i in run(ctx, "closing_opportunities", {"days": 1}, in_utc)] == ["monday"]
    assert [i.title for i in run(ctx, "closing_opportunities", {"days": 1}, in_kolkata)] == [
        "monday",
        "tuesday",
    ]


def test_stale_leads_by_last_modified_date(ctx: ActionContext, emu: SalesforceEmulator) -> None:
    lead(emu, "touched 40 days ago", LastModifiedDate=sf_time(NOW - timedelta(days=40)))
    lead(emu, "touched 31 days ago", LastModifiedDate=sf_time(NOW - timedelta(days=31)))
    lead(emu, "touched 29 days ago", LastModifiedDate=sf_time(NOW - timedelta(days=29)))
    lead(emu, "created long ago, touched today", CreatedDate=sf_time(NOW - timedelta(days=90)))
    lead(
        emu,
        "converted",
        IsConverted=True,
        Status="Converted",
        LastModifiedDate=sf_time(NOW - timedelta(days=60)),
    )
    emu.reset_counters()
    items = run(ctx, "stale_leads", {"days": 30})
    assert [i.title for i in items] == ["touched 40 days ago", "touched 31 days ago"]
    assert "Last touched" in dict(items[0].fields)
    assert emu.api_calls == 1


def composite_queries(emu: SalesforceEmulator) -> list[str]:
    """The SOQL of every query subrequest of the composite requests the emulator received."""
    out = []
    for r in emu.request_log:
        if r["server"] == "instance" and r["path"].rstrip("/").endswith("/composite"):
            for sub in json.loads(r["body"])["compositeRequest"]:
                out.append(parse_qs(sub["url"].split("?", 1)[1])["q"][0])
    return out


def test_duplicates_across_leads_and_contacts_in_one_call_with_merge_buttons(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    triple = [lead(emu, f"Tri {i}", Email="same@example.com") for i in range(3)]
    pair = [lead(emu, f"Pair {i}", Email="pair@example.com") for i in range(2)]
    lead(emu, "Unique", Email="unique@example.com")
    lead(emu, "No email")
    lead(emu, "Converted twin", Email="unique@example.com", IsConverted=True)
    crossed_lead = lead(emu, "Cross", Email="Cross@Example.com")
    crossed_contact = emu.insert("Contact", {"LastName": "Cross", "Email": "cross@example.com"})
    contacts = [emu.insert("Contact", {"LastName": f"C{i}", "Email": "c@x.io"}) for i in range(2)]
    emu.insert("Contact", {"LastName": "Alone", "Email": "alone@x.io"})
    emu.reset_counters()
    items = run(ctx, "duplicates")
    assert emu.api_calls == 1  # one composite request
    assert composite_queries(emu) == list(GROUP_QUERIES.values())
    by_title = {i.title.lower(): i for i in items}
    assert items[0].title == "same@example.com"  # the largest group first
    assert set(by_title) == {"same@example.com", "pair@example.com", "cross@example.com", "c@x.io"}
    cross = by_title["cross@example.com"]
    assert dict(cross.fields)["Leads"] == "1" and dict(cross.fields)["Contacts"] == "1"
    assert set(cross.merge_ids) == {crossed_lead, crossed_contact}
    assert set(by_title["c@x.io"].merge_ids) == set(contacts)
    assert set(by_title["same@example.com"].merge_ids) == {min(triple), max(triple)}
    assert dict(by_title["pair@example.com"].fields)["Leads"] == "2"
    assert set(by_title["pair@example.com"].merge_ids) == set(pair)
    links = dict(cross.fields)["Records"]
    assert f"/lightning/r/Contact/{crossed_contact}/view|{crossed_contact}>" in links
    block = item_block(by_title["c@x.io"]).to_dict()
    assert block["accessory"]["action_id"] == ActionId.MERGE_RECORDS
    assert set(block["accessory"]["value"].split(",")) == set(contacts)


def test_duplicates_says_when_an_object_has_more_emails_than_compared(
    ctx: ActionContext, emu: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import actions.digest_duplicates as dd

    monkeypatch.setattr(dd, "MAX_GROUPS", 3)
    for i in range(3):
        lead(emu, f"L{i}", Email=f"l{i}@x.io")
    items = run(ctx, "duplicates")
    assert "Only the first" in items[-1].title and dict(items[-1].fields) == {
        "Objects with more": "Lead"
    }
    assert MAX_GROUPS == 2000


def test_hot_leads_threshold_order_and_a_convert_button_each(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    lead(emu, "Warm", Lead_Score__c=79.5)
    hot = lead(emu, "Hot", Lead_Score__c=80)
    hotter = lead(emu, "Hotter", Lead_Score__c=97)
    lead(emu, "Unscored")
    lead(emu, "Converted", Lead_Score__c=99, IsConverted=True, Status="Converted")
    emu.reset_counters()
    items = run(ctx, "hot_leads")
    assert [i.title for i in items] == ["Hotter", "Hot"]
    assert [i.record_id for i in items] == [hotter, hot]
    assert dict(items[0].fields)["Score"] == "97"
    assert emu.api_calls == 1
    (soql,) = queries(emu)
    assert "Lead_Score__c >= 80" in soql
    for item in items:
        accessory = item_block(item).to_dict()["accessory"]
        assert accessory["type"] == "button"
        assert accessory["action_id"] == ActionId.CONVERT_LEAD == "sf_record_convert"
        assert accessory["value"] == item.record_id
    assert [i.title for i in run(ctx, "hot_leads", {"threshold": 90})] == ["Hotter"]


def test_only_hot_leads_get_a_convert_button(ctx: ActionContext, emu: SalesforceEmulator) -> None:
    lead(emu, "New", CreatedDate=sf_time(NOW - timedelta(hours=1)), Lead_Score__c=99)
    (item,) = run(ctx, "new_leads")
    assert "accessory" not in item_block(item).to_dict()


def test_hot_leads_score_field_must_be_a_field_name() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_params("hot_leads", {"score_field": "Lead_Score__c >= 0 OR Id"})
    assert "score_field" in info.value.fields


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("new_leads", {}),
        ("open_cases", {}),
        ("closing_opportunities", {"days": 30}),
        ("stale_leads", {"days": 1}),
        ("duplicates", {}),
        ("hot_leads", {"threshold": 1}),
        ("custom", {"soql": "SELECT Id, Name, Email FROM Lead"}),
    ],
)
def test_a_run_is_one_api_call_even_with_many_rows(
    ctx: ActionContext, emu: SalesforceEmulator, kind: str, params: dict
) -> None:
    assert set(KINDS) >= {kind}
    for i in range(MAX_ROWS + 30):
        lead(
            emu,
            f"Lead {i:03}",
            Email=f"dup{i % 100}@example.com",
            Lead_Score__c=50,
            CreatedDate=sf_time(NOW - timedelta(hours=2)),
            LastModifiedDate=sf_time(NOW - timedelta(days=3)),
        )
    for i in range(MAX_ROWS + 30):
        emu.insert("Case", {"Subject": f"Case {i}"})
    emu.reset_counters()
    items = run(ctx, kind, params)
    assert emu.api_calls == 1
    assert len(items) <= MAX_ROWS
    if kind not in ("closing_opportunities", "duplicates"):
        assert len(items) == MAX_ROWS
        assert f"LIMIT {MAX_ROWS}" in queries(emu)[0]


def test_params_are_validated() -> None:
    assert parse_params("closing_opportunities", {}).model_dump() == {"days": 7}
    for bad in ({"days": 0}, {"days": 366}, {"days": "soon"}, {"weeks": 1}):
        with pytest.raises(InvalidInput):
            parse_params("closing_opportunities", bad)
    with pytest.raises(InvalidInput) as info:
        parse_params("no_such_kind", {})
    assert info.value.code == "UNKNOWN_KIND"


def test_query_values_are_escaped(ctx: ActionContext, emu: SalesforceEmulator) -> None:
    # a threshold cannot carry SOQL: it must be a number...
    with pytest.raises(InvalidInput) as info:
        parse_params("hot_leads", {"threshold": "80 OR Name != null"})
    assert info.value.fields == ["threshold"]
    # ...and each value reaches the query as a literal of its type, nothing else
    window = Window(
        start=datetime(2026, 12, 1, tzinfo=UTC),
        end=datetime(2026, 12, 2, tzinfo=UTC),
        today=date(2026, 12, 2),
    )
    hot = build_query("hot_leads", {"threshold": "80.5", "score_field": "Score__c"}, window)
    assert hot == (
        "SELECT Id, Name, Company, Status, Score__c FROM Lead "
        "WHERE IsConverted = false AND Score__c >= 80.5 ORDER BY Score__c DESC LIMIT 200"
    )
    closing = build_query("closing_opportunities", {"days": 30}, window)
    assert "WHERE IsClosed = false AND CloseDate >= 2026-12-02 AND CloseDate <= 2027-01-01 " in (
        closing
    )
    emu.reset_counters()
    run(ctx, "hot_leads", {"threshold": 80.5, "score_field": "Lead_Score__c"})
    assert queries(emu) == [hot.replace("Score__c", "Lead_Score__c")]  # the query sent as built


# -- custom SOQL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("DELETE FROM Lead", "NOT_A_SELECT"),
        ("UPDATE Lead SET Status = 'x'", "NOT_A_SELECT"),
        ("SELECT Id FROM Lead; DELETE FROM Lead", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead;", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead FOR UPDATE", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead LIMIT 1 for   update", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead FOR VIEW", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead FOR REFERENCE", "NOT_READ_ONLY"),
        ("SELECT Id FROM Lead WHERE Id IN (SELECT Id FROM Lead) UPSERT", "NOT_READ_ONLY"),
        ("  insert into Lead values (1)", "NOT_A_SELECT"),
        ("FIND {acme} RETURNING Account", "NOT_A_SELECT"),
        ("SELECTId FROM Lead", "NOT_A_SELECT"),
    ],
)
def test_custom_query_must_only_read(soql: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_read_only_soql(soql)
    assert info.value.code == code
    assert info.value.fields == ["soql"]
    with pytest.raises(InvalidInput) as info:
        parse_params("custom", {"soql": soql.ljust(10)})
    assert "soql" in info.value.fields


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Name FROM Lead WHERE Name = 'please update me'",
        "SELECT Id FROM Lead WHERE Description = 'delete; insert'".replace(";", ","),
        "select Id, LastUpdated__c from Lead",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ],
)
def test_custom_query_may_mention_keywords_in_values_and_names(soql: str) -> None:
    assert check_read_only_soql(soql) == " ".join(soql.split())


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT Id FROM Lead", "SELECT Id FROM Lead LIMIT 200"),
        ("SELECT Id FROM Lead LIMIT 5000", "SELECT Id FROM Lead LIMIT 200"),
        ("SELECT Id FROM Lead limit 201", "SELECT Id FROM Lead limit 200"),
        ("SELECT Id FROM Lead LIMIT 10", "SELECT Id FROM Lead LIMIT 10"),
        ("SELECT Id FROM Lead LIMIT 200", "SELECT Id FROM Lead LIMIT 200"),
        ("SELECT Id FROM Lead LIMIT 900 OFFSET 20", "SELECT Id FROM Lead LIMIT 200 OFFSET 20"),
        (
            "SELECT Id, (SELECT Id FROM Contacts LIMIT 500) FROM Account",
            "SELECT Id, (SELECT Id FROM Contacts LIMIT 500) FROM Account LIMIT 200",
        ),
        (
            "SELECT Id FROM Lead WHERE Name = 'LIMIT 900'",
            "SELECT Id FROM Lead WHERE Name = 'LIMIT 900' LIMIT 200",
        ),
        ("SELECT Id\n  FROM Lead\n LIMIT 1000", "SELECT Id FROM Lead LIMIT 200"),
    ],
)
def test_custom_query_row_limit_is_added_or_lowered(soql: str, expected: str) -> None:
    assert with_row_limit(soql) == expected


def test_custom_digest_runs_with_the_limit(ctx: ActionContext, emu: SalesforceEmulator) -> None:
    for i in range(3):
        lead(emu, f"L{i}", Email=f"l{i}@example.com", Lead_Score__c=10 * i)
    emu.reset_counters()
    params = {"soql": "SELECT Id, Name, Email, Lead_Score__c, Owner.Name FROM Lead ORDER BY Name"}
    items = run(ctx, "custom", params)
    assert [i.title for i in items] == ["L0", "L1", "L2"]
    assert dict(items[2].fields) == {"Email": "l2@example.com", "Lead_Score__c": "20"}
    assert items[0].url and "/lightning/r/Lead/" in items[0].url
    assert queries(emu) == [params["soql"] + " LIMIT 200"]


def test_check_custom_query_asks_salesforce_once(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    check_custom_query(ctx, "SELECT Id, Name FROM Lead WHERE Company != null LIMIT 500")
    assert emu.api_calls == 1
    assert queries(emu) == ["SELECT Id, Name FROM Lead WHERE Company != null LIMIT 1"]


def test_check_custom_query_reports_what_salesforce_refuses(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    with pytest.raises(ActionError) as info:
        check_custom_query(ctx, "SELECT Id, NoSuchField__c FROM Lead")
    assert not isinstance(info.value, InvalidInput) or info.value.code != "NOT_READ_ONLY"
    assert "NoSuchField__c" in info.value.message
    assert emu.api_calls == 1
    emu.reset_counters()
    with pytest.raises(InvalidInput):
        check_custom_query(ctx, "SELECT Id FROM Lead FOR UPDATE")
    assert emu.api_calls == 0
