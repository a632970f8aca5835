"""delete_record: leads and cases only; everything else is refused before any request."""

from __future__ import annotations

import pytest

from actions.errors import InvalidInput, NotFound
from actions.objects import normalize_id
from tests.actions import api_requests, run


def test_lead_is_deleted(ctx, emu):
    lead_id = emu.insert("Lead", {"LastName": "Gone", "Company": "C"})
    assert run(ctx, "delete_record", object_id=lead_id) == {}
    assert emu.get(lead_id) is None
    (delete,) = api_requests(emu, "DELETE")
    assert delete["path"].endswith(f"/sobjects/Lead/{lead_id}")
    assert emu.api_calls == 1  # no describe, no query: one call


def test_case_is_deleted_by_its_15_character_id(ctx, emu):
    case_id = emu.insert("Case", {"Subject": "Spam"})
    run(ctx, "delete_record", object_id=case_id[:15])
    assert emu.get(case_id) is None
    (delete,) = api_requests(emu, "DELETE")
    assert delete["path"].endswith(f"/sobjects/Case/{case_id}")


@pytest.mark.parametrize(
    ("sobject", "values", "label"),
    [
        ("Contact", {"LastName": "Keep"}, "contact"),
        ("Account", {"Name": "Keep"}, "account"),
        (
            "Opportunity",
            {"Name": "Keep", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
            "opportunity",
        ),
        ("Campaign", {"Name": "Keep"}, "campaign"),
    ],
)
def test_other_objects_are_refused_with_no_request(ctx, emu, sobject, values, label):
    record_id = emu.insert(sobject, values)
    with pytest.raises(InvalidInput) as info:
        run(ctx, "delete_record", object_id=record_id)
    err = info.value
    assert err.code == "DELETE_NOT_ALLOWED" and err.fields == ["object_id"]
    assert label in err.message and "leads and cases" in err.message
    assert emu.request_log == []
    assert emu.get(record_id) is not None


def test_already_deleted_gives_a_clear_error(ctx, emu):
    lead_id = emu.insert("Lead", {"LastName": "Twice", "Company": "C"})
    run(ctx, "delete_record", object_id=lead_id)
    with pytest.raises(NotFound) as info:
        run(ctx, "delete_record", object_id=lead_id)
    assert info.value.code == "ENTITY_IS_DELETED"
    assert "deleted" in info.value.message
    assert info.value.to_dict()["code"] == "ENTITY_IS_DELETED"


def test_unknown_record_is_not_found(ctx, emu):
    with pytest.raises(NotFound) as info:
        run(ctx, "delete_record", object_id=normalize_id("500Hs0000ZZZZZZ"))
    assert info.value.code == "NOT_FOUND"


@pytest.mark.parametrize("bad", ["00QHs000000BcGpAAA", "00Q' OR Id != '", "00Q/../../005xx"])
def test_malformed_ids_are_refused(ctx, emu, bad):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "delete_record", object_id=bad)
    assert info.value.code in ("MALFORMED_ID", "INVALID_INPUT")
    assert info.value.fields == ["object_id"]
    assert emu.request_log == []


def test_unsupported_object_is_refused(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "delete_record", object_id=emu.user_id)
    assert info.value.code == "UNSUPPORTED_OBJECT" and emu.request_log == []
