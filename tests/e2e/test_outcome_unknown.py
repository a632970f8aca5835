"""A write whose outcome is unknown (issue 7.2): Salesforce commits a create or update and
then answers 503/500, or the answer never arrives before the read timeout. The modal says the
outcome is unknown and where to check, shows no Submit, never says "Nothing was saved", and a
resubmission of the same view sends nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.harness import AGENT, SfbotApp, new_app
from tests.e2e.test_create_update import (
    NAME,
    create_values,
    ids_of,
    open_create,
    open_update,
    unique,
    values,
)

READ_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def sfbot(tmp_path_factory, sf, slack) -> Iterator[SfbotApp]:
    app = new_app(tmp_path_factory.mktemp("sfbot"), sf, slack)
    app.connect()
    app.start(extra_env={"SFBOT_SF_READ_TIMEOUT": str(READ_TIMEOUT)})
    yield app
    app.stop()


def writes(sf, method: str, path: str) -> int:
    return sum(1 for e in sf.request_log if e["method"] == method and path in e["path"])


def assert_unknown(view: dict) -> str:
    text = json.dumps(view)
    assert "The outcome is unknown" in text, text
    assert "Nothing was saved" not in text and "Nothing was changed" not in text, text
    assert not view.get("submit"), "no Submit button: this view never writes again"
    return text


@pytest.mark.parametrize("status", [503, 500])
def test_create_committed_then_5xx_says_unknown_and_never_writes_again(driver, slack, sf, status):
    view = open_create(driver, slack, "create lead")
    name = unique("Unknown ")
    before, posts = ids_of(sf, "Lead"), writes(sf, "POST", "sobjects/Lead")
    sf.lose_next_answer("POST", "sobjects/Lead", status=status)
    r = driver.view_submission(view, create_values("lead", **{NAME: name}), user_id=AGENT)
    assert r.ack_in_time and r.json()["response_action"] == "update"
    text = assert_unknown(r.json()["view"])
    assert f"/sf lookup {name}" in text and "/lightning/o/Lead/list" in text
    assert len(ids_of(sf, "Lead") - before) == 1  # Salesforce did create it
    # The same submission again (a retry, a replay, a second tab): nothing is sent.
    again = driver._interactive(r.payload)
    assert again.status_code == 200
    assert_unknown(again.json()["view"])
    assert writes(sf, "POST", "sobjects/Lead") == posts + 1
    assert len(ids_of(sf, "Lead") - before) == 1
    slack.assert_no_invalid_calls()


def test_create_read_timeout_says_unknown_later_and_never_writes_again(driver, slack, sf):
    view = open_create(driver, slack, "create account")
    before, posts = ids_of(sf, "Account"), writes(sf, "POST", "sobjects/Account")
    n = len(slack.calls)
    sf.lose_next_answer("POST", "sobjects/Account", seconds=READ_TIMEOUT + 4)
    r = driver.view_submission(
        view, create_values("account", **{NAME: unique("Timeout Ltd ")}), user_id=AGENT
    )
    assert r.ack_in_time and "Creating" in json.dumps(r.json()["view"])
    done = slack.wait_for(
        "views.update", lambda c: c["args"].get("view_id") == view["id"], after=n, timeout=30
    )
    text = assert_unknown(done["args"]["view"])
    assert "did not answer in time" in text
    again = driver._interactive(r.payload)
    assert_unknown(again.json()["view"])
    assert writes(sf, "POST", "sobjects/Account") == posts + 1
    assert len(ids_of(sf, "Account") - before) == 1
    slack.assert_no_invalid_calls()


def test_update_committed_then_503_links_the_record(driver, slack, sf):
    lead = sf.insert("Lead", {"LastName": "Before", "Company": "Acme"})
    view = open_update(driver, slack, lead)
    patches = writes(sf, "PATCH", lead)
    sf.lose_next_answer("PATCH", f"sobjects/Lead/{lead}", status=503)
    r = driver.view_submission(view, values(**{NAME: "After"}), user_id=AGENT)
    text = assert_unknown(r.json()["view"])
    assert f"/lightning/r/Lead/{lead}/view" in text
    assert sf.get(lead)["LastName"] == "After"
    again = driver._interactive(r.payload)
    assert_unknown(again.json()["view"])
    assert writes(sf, "PATCH", lead) == patches + 1
    assert sf.get(lead)["LastName"] == "After"
    slack.assert_no_invalid_calls()


def test_a_refusal_before_the_write_still_says_nothing_was_saved(driver, slack, sf):
    """Control: a 400 (nothing written) keeps the form and says so."""
    view = open_create(driver, slack, "create lead")
    sf.fail_next(
        400,
        [{"message": "Nope", "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION"}],
        path_contains="sobjects/Lead",
    )
    r = driver.view_submission(view, create_values("lead", **{NAME: unique("Ctl ")}), user_id=AGENT)
    text = json.dumps(r.json())
    assert "Nothing was saved" in text and "outcome is unknown" not in text
