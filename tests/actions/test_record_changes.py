"""Finding changed records by polling SystemModstamp, against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.record_changes import (
    SoqlPollingSource,
    check_field_names,
    fields_in_where,
    parse_stamp,
)
from tests.actions import queries_sent
from tests.fakes.salesforce import SalesforceEmulator


def _leads(emu: SalesforceEmulator, n: int, **fields: object) -> list[str]:
    return [emu.insert("Lead", {"LastName": f"L{i}", "Company": "C", **fields}) for i in range(n)]


def test_parse_stamp_reads_the_rest_api_format() -> None:
    assert parse_stamp("2026-12-02T10:00:05.000+0000") == datetime(
        2026, 12, 2, 10, 0, 5, tzinfo=UTC
    )
    assert parse_stamp("2026-12-02T10:00:05Z").tzinfo is not None


def test_changes_since_is_one_call_when_nothing_changed(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    _leads(emu, 3)
    source = SoqlPollingSource(ctx)
    later = datetime.now(UTC) + timedelta(hours=1)
    assert list(source.changes_since("Lead", later)) == []
    assert source.calls == 1
    (soql,) = queries_sent(emu, "query")
    assert "FROM Lead WHERE SystemModstamp >= " in soql
    assert soql.endswith("ORDER BY SystemModstamp, Id")


def test_changes_since_pages_past_a_batch_in_order(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    emu.query_batch_size = 7  # the real batch is 2,000 rows; a small one shows the paging
    before = datetime.now(UTC) - timedelta(seconds=2)
    ids = _leads(emu, 20)
    source = SoqlPollingSource(ctx)
    changes = list(source.changes_since("Lead", before))
    assert sorted(c.record_id for c in changes) == sorted(ids)
    assert len({c.record_id for c in changes}) == 20
    assert [c.stamp for c in changes] == sorted(c.stamp for c in changes)
    assert source.calls == 3  # 7 + 7 + 6 rows


def test_matching_records_asks_only_for_the_changed_ids(
    ctx: ActionContext, emu: SalesforceEmulator
) -> None:
    hot = _leads(emu, 2, Lead_Score__c=90)
    cold = _leads(emu, 2, Lead_Score__c=10)
    source = SoqlPollingSource(ctx)
    rows = source.matching_records(
        "Lead", "Lead_Score__c >= 80 AND IsConverted = false", ["Lead_Score__c"], hot + cold
    )
    assert sorted(r["Id"] for r in rows) == sorted(hot)
    assert all(r["Lead_Score__c"] == 90 and r["SystemModstamp"] for r in rows)
    (soql,) = queries_sent(emu, "query")
    assert "WHERE Id IN (" in soql and "AND (Lead_Score__c >= 80 AND IsConverted = false)" in soql


def test_fields_in_where_ignores_literals_and_keywords() -> None:
    known = ["Id", "Lead_Score__c", "IsConverted", "Status"]
    where = "lead_score__c >= 80 AND IsConverted = false AND Status != 'IsConverted'"
    assert fields_in_where(where, known) == ["Lead_Score__c", "IsConverted", "Status"]


def test_check_field_names_refuses_unknown_fields() -> None:
    assert check_field_names(["email"], ["Email", "Id"], where="fields") == ["Email"]
    with pytest.raises(InvalidInput) as err:
        check_field_names(["Nope__c"], ["Email"], where="fields")
    assert "Nope__c" in err.value.message
