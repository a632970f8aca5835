"""How failures surface: typed errors with stable codes, never a blind retry of a write."""

from __future__ import annotations

import shutil

import pytest

from actions.connect import connection_status
from actions.errors import (
    InvalidInput,
    NotConnected,
    OutcomeUnknown,
    SalesforceRefused,
    SalesforceUnavailable,
)
from tests.actions import api_requests, run


def lead_posts(emu) -> list[dict]:
    return api_requests(emu, "POST", "/sobjects/Lead/")


@pytest.fixture
def slow_ctx(ctx, make_ctx, emu):
    """A second process with a short read timeout; Lead's describe already cached."""
    ctx.metadata.describe("Lead")
    fast_fail = make_ctx(sf_read_timeout=0.3)
    emu.reset_counters()
    return fast_fail


def test_create_that_times_out_is_outcome_unknown_and_not_retried(slow_ctx, emu):
    emu.hang_next("/sobjects/Lead/", 5)
    with pytest.raises(OutcomeUnknown) as info:
        run(slow_ctx, "create_record", object="lead", name="Maybe Created")
    err = info.value
    assert err.code == "OUTCOME_UNKNOWN" and err.exit_code == 1
    assert "may or may not" in err.message
    assert len(lead_posts(emu)) == 1
    assert emu.token_requests == 0


def test_convert_that_times_out_is_outcome_unknown_and_not_retried(slow_ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    slow_ctx.metadata.converted_lead_status()
    emu.hang_next("/services/Soap/u/", 5)
    with pytest.raises(OutcomeUnknown) as info:
        run(slow_ctx, "convert_lead", lead_id=lead)
    assert "converted" in info.value.message
    assert len(api_requests(emu, "POST", "/services/Soap/u/")) == 1


def test_read_that_times_out_is_unavailable(slow_ctx, emu):
    emu.hang_next("/search/", 5)
    with pytest.raises(SalesforceUnavailable) as info:
        run(slow_ctx, "lookup_record", name="Anyone")
    assert not isinstance(info.value, OutcomeUnknown)
    assert info.value.code == "SALESFORCE_UNAVAILABLE"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]),
        (503, "Service Unavailable"),
        (502, "<html>Bad gateway</html>"),
    ],
)
def test_create_that_fails_with_5xx_is_outcome_unknown_and_not_retried(ctx, emu, status, body):
    ctx.metadata.describe("Lead")
    emu.reset_counters()
    emu.fail_next(status, body, "/sobjects/Lead/")
    with pytest.raises(OutcomeUnknown) as info:
        run(ctx, "create_record", object="lead", name="Maybe Created")
    assert f"HTTP {status}" in info.value.message
    assert len(lead_posts(emu)) == 1 and emu.records("Lead") == []


@pytest.mark.parametrize(
    ("action", "raw"),
    [
        ("update_record", {"phone": "555-0100"}),
        ("delete_record", {}),
    ],
)
def test_update_and_delete_with_5xx_are_outcome_unknown(ctx, emu, action, raw):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    ctx.metadata.describe("Lead")
    emu.reset_counters()
    emu.fail_next(500, [{"message": "boom", "errorCode": "UNKNOWN_EXCEPTION"}], lead)
    key = "id" if action == "update_record" else "object_id"
    with pytest.raises(OutcomeUnknown):
        run(ctx, action, **{key: lead, **raw})
    assert len([r for r in api_requests(emu) if r["method"] != "GET"]) == 1


def test_lookup_with_5xx_is_unavailable_not_outcome_unknown(ctx, emu):
    emu.fail_next(503, "Service Unavailable", "/search/")
    with pytest.raises(SalesforceUnavailable) as info:
        run(ctx, "lookup_record", email="a@example.com")
    assert not isinstance(info.value, OutcomeUnknown)


def test_request_limit_exceeded(ctx, emu):
    ctx.metadata.describe("Lead")
    emu.api_usage = (100_000, 100_000)
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "create_record", object="lead", name="Over Limit")
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert "Limit exceeded" in info.value.message
    assert emu.records("Lead") == []


def test_duplicates_detected_names_the_matching_records(ctx, emu):
    emu.set_duplicate_rule("Lead", "Email")
    first = emu.insert("Lead", {"LastName": "One", "Company": "C", "Email": "dup@example.com"})
    second = emu.insert("Lead", {"LastName": "Two", "Company": "C", "Email": "DUP@example.com"})
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "create_record", object="lead", name="Three", email="dup@example.com")
    err = info.value
    assert err.code == "DUPLICATES_DETECTED"
    assert sorted(err.details["duplicates"]) == sorted([first, second])
    assert err.to_dict()["duplicates"] == err.details["duplicates"]
    assert err.message == "Use one of these records?"
    assert len(emu.records("Lead")) == 2


def test_salesforce_validation_errors_keep_their_code_and_fields(ctx, emu):
    missing_account = "001Hs0000ZZZZZZ"
    with pytest.raises(SalesforceRefused) as info:
        run(ctx, "create_record", object="contact", name="C", fields={"AccountId": missing_account})
    assert info.value.code == "INVALID_CROSS_REFERENCE_KEY"
    assert info.value.fields == ["AccountId"]
    assert info.value.to_dict() == {
        "code": "INVALID_CROSS_REFERENCE_KEY",
        "message": "invalid cross reference id",
        "fields": ["AccountId"],
    }


def test_input_errors_name_every_bad_field(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "create_record", object="planet", name="", phone=12)
    err = info.value
    assert err.exit_code == 2 and err.code == "INVALID_INPUT"
    assert {"object", "name", "phone"} <= set(err.fields)
    assert emu.request_log == []


def test_unknown_action(ctx, emu):
    with pytest.raises(InvalidInput) as info:
        run(ctx, "drop_table")
    assert info.value.code == "UNKNOWN_ACTION" and "create_record" in info.value.message


def test_not_connected(emu, make_ctx):
    ctx = make_ctx()
    with pytest.raises(NotConnected) as info:
        run(ctx, "lookup_record", name="Anyone")
    assert info.value.code == "NOT_CONNECTED" and "sfbot connect" in info.value.message
    status = connection_status(ctx)
    assert (status.connected, status.reason) == (False, "never_connected")
    assert emu.request_log == []


@pytest.fixture
def stop_emulator(emu, tmp_path, monkeypatch):
    """Stop the emulator, keeping its CA certificate (stop() deletes the original)."""

    def stop() -> None:
        monkeypatch.setenv(
            "REQUESTS_CA_BUNDLE", str(shutil.copy(emu.ca_bundle, tmp_path / "ca.pem"))
        )
        emu.stop()

    return stop


def test_unreachable_org(ctx, emu, stop_emulator):
    stop_emulator()
    with pytest.raises(SalesforceUnavailable) as info:
        run(ctx, "lookup_record", name="Anyone")
    assert info.value.code == "SALESFORCE_UNAVAILABLE"
    assert ctx.store.load().problem == "org_unreachable"
    status = connection_status(ctx)
    assert (status.connected, status.reason) == (False, "org_unreachable")


def test_unreachable_org_during_a_write_is_not_outcome_unknown(ctx, emu, stop_emulator):
    ctx.metadata.describe("Lead")
    stop_emulator()
    with pytest.raises(SalesforceUnavailable) as info:
        run(ctx, "create_record", object="lead", name="Never Sent")
    assert not isinstance(info.value, OutcomeUnknown)  # the connection was refused: not sent


def test_keep_alive_one_connection_for_many_actions(make_ctx, ctx, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    other_process = make_ctx()
    emu.reset_counters()
    run(other_process, "lookup_record", id=lead)
    run(other_process, "update_record", id=lead, phone="555-0100")
    run(other_process, "lookup_record", email="nobody@example.com")
    run(other_process, "create_record", object="case", name="Someone")
    run(other_process, "convert_lead", lead_id=lead)
    assert emu.api_calls == 8  # 5 actions, 2 describes, 1 LeadStatus query
    assert emu.connections_opened == 1
