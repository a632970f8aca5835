"""`/sf delete` and `/sf convert`, and the Delete and Convert buttons of record cards."""

from __future__ import annotations

import copy
import json

import pytest

from bot.ids import ActionId, BlockId
from tests.e2e.harness import AGENT, CHANNEL


def command(driver, slack, text: str) -> dict:
    """Send `/sf <text>`; return the reply posted to its response_url."""
    r = driver.slash_command("/sf", text, user_id=AGENT, channel_id=CHANNEL)
    assert r.status_code == 200
    assert r.ack_in_time
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)["body"]


def shown_message(slack, body: dict) -> dict:
    """The agent's ephemeral message that a response_url reply created (a copy to click on)."""
    eph = next(e for e in reversed(slack.ephemerals) if e["message"]["text"] == body["text"])
    return copy.deepcopy(eph["message"])


def click(driver, slack, action_id: str, message: dict, block_id: str | None = None) -> dict:
    """Click a button of an ephemeral message; return the reply to its response_url."""
    r = driver.click(
        action_id,
        user_id=AGENT,
        block_id=block_id,
        channel_id=CHANNEL,
        message=message,
        ephemeral=True,
    )
    assert r.status_code == 200
    assert r.ack_in_time
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)["body"]


def audited(sfbot, action: str) -> dict:
    """The newest audit entry of ``action``."""
    result = sfbot.cli("audit", "--json", "--limit", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    return next(e for e in json.loads(result.stdout)["entries"] if e["action"] == action)


def new_lead(sf, company: str = "Analytical Engines", last: str = "Lovelace") -> str:
    return sf.insert("Lead", {"FirstName": "Ada", "LastName": last, "Company": company})


# -- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sobject", "values", "name"),
    [
        ("Lead", {"FirstName": "Del", "LastName": "Etable", "Company": "X"}, "Del Etable"),
        ("Case", {"Subject": "Spam from a bot"}, "Spam from a bot"),
    ],
)
def test_delete_asks_then_deletes(driver, slack, sf, sobject, values, name):
    record_id = sf.insert(sobject, values)
    body = command(driver, slack, f"delete {record_id}")
    assert body["response_type"] == "ephemeral"
    assert name in json.dumps(body["blocks"])
    delete = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert delete["action_id"] == ActionId.DELETE_RECORD
    assert delete["confirm"]["confirm"]["text"] == "Delete"
    assert sf.get(record_id) is not None

    reply = click(driver, slack, ActionId.DELETE_RECORD, shown_message(slack, body))
    assert reply["replace_original"] is True
    assert "Deleted" in reply["text"]
    assert record_id in reply["text"]
    assert sf.get(record_id) is None
    assert all(r["Id"] != record_id for r in sf.records(sobject))
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("sobject", "values"),
    [("Contact", {"LastName": "Keep"}), ("Account", {"Name": "Keep Inc"})],
)
def test_delete_refuses_other_objects_without_calling_salesforce(
    driver, slack, sf, sobject, values
):
    record_id = sf.insert(sobject, values)
    calls = sf.api_calls
    body = command(driver, slack, f"delete {record_id}")
    assert "deletes only leads and cases" in body["text"]
    assert "blocks" not in body
    assert sf.api_calls == calls
    assert sf.get(record_id) is not None
    slack.assert_no_invalid_calls()


def test_delete_cancel_removes_the_question(driver, slack, sf):
    lead = new_lead(sf, last="Cancelled")
    body = command(driver, slack, f"delete {lead}")
    reply = click(driver, slack, ActionId.DELETE_CANCEL, shown_message(slack, body))
    assert reply["delete_original"] is True
    assert sf.get(lead) is not None


def test_delete_from_a_record_card(driver, slack, sf, sfbot):
    lead = new_lead(sf, last="Carded")
    body = command(driver, slack, f"lookup {lead}")
    reply = click(
        driver,
        slack,
        ActionId.DELETE_RECORD,
        shown_message(slack, body),
        block_id=f"card_actions:{lead}",
    )
    assert "Deleted the lead" in reply["text"]
    assert sf.get(lead) is None
    entry = audited(sfbot, "delete_record")
    assert (entry["slack_user_id"], entry["channel_id"]) == (AGENT, CHANNEL)
    assert (entry["outcome"], entry["object"], entry["record_ids"]) == ("ok", "lead", [lead])
    slack.assert_no_invalid_calls()


def test_second_click_says_already_deleted(driver, slack, sf):
    case = sf.insert("Case", {"Subject": "Twice"})
    body = command(driver, slack, f"delete {case}")
    message = shown_message(slack, body)
    click(driver, slack, ActionId.DELETE_RECORD, message)
    reply = click(driver, slack, ActionId.DELETE_RECORD, message)
    assert "already deleted" in reply["text"]
    body = command(driver, slack, f"delete {case}")
    assert "already deleted" in body["text"]
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("delete nonsense", "not a Salesforce record id"),
        ("delete", "Usage"),
        ("convert 00Qnot-an-id", "not a Salesforce record id"),
        ("convert", "Usage"),
    ],
)
def test_bad_arguments_get_an_ephemeral_error(driver, slack, text, expected):
    body = command(driver, slack, text)
    assert body["response_type"] == "ephemeral"
    assert expected in body["text"]
    slack.assert_no_invalid_calls()


def test_convert_refuses_ids_of_other_objects(driver, slack, sf):
    contact = sf.insert("Contact", {"LastName": "Not A Lead"})
    opened = len(slack.calls_to("views.open"))
    body = command(driver, slack, f"convert {contact}")
    assert "is a contact, not a lead" in body["text"]
    lead = new_lead(sf, last="Wrong Account")
    body = command(driver, slack, f"convert {lead} {contact}")
    assert "is a contact, not an account" in body["text"]
    assert len(slack.calls_to("views.open")) == opened


# -- convert -----------------------------------------------------------------------------------


def open_convert(driver, slack, text: str, timeout: float = 5) -> dict:
    """Run `/sf <text>`; return the modal once it is filled in from Salesforce."""
    after = len(slack.calls)
    r = driver.slash_command("/sf", text, user_id=AGENT, channel_id=CHANNEL)
    assert r.ack_in_time
    opened = slack.wait_for("views.open", after=after)
    view_id = opened["response"]["view"]["id"]
    slack.wait_for("views.update", lambda c: c["args"]["view_id"] == view_id, timeout=timeout)
    return slack.views[view_id]


def element(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]


def form_values(view: dict, choice: str = "new", account: dict | None = None) -> dict:
    """What Slack submits: the fake does not copy initial values into the state, so the
    opportunity name's initial value is passed explicitly."""
    values = {
        BlockId.ACCOUNT_CHOICE: {ActionId.ACCOUNT_CHOICE: choice},
        BlockId.OPPORTUNITY_NAME: {
            ActionId.FIELD_INPUT: element(view, BlockId.OPPORTUNITY_NAME)["initial_value"]
        },
    }
    if account is not None:
        values[BlockId.ACCOUNT] = {ActionId.ACCOUNT_SEARCH: {"selected_option": account}}
    return values


def test_convert_with_a_new_account(driver, slack, sf, sfbot):
    lead = new_lead(sf, company="Difference Engines", last="Newacct")
    view = open_convert(driver, slack, f"convert {lead}")
    assert element(view, BlockId.OPPORTUNITY_NAME)["initial_value"] == "Difference Engines"
    assert element(view, BlockId.ACCOUNT_CHOICE)["initial_option"]["value"] == "new"

    r = driver.view_submission(view, form_values(view), user_id=AGENT)
    assert r.ack_in_time
    converted = sf.get(lead)
    assert converted["IsConverted"] is True
    account = sf.get(converted["ConvertedAccountId"])
    assert account["Name"] == "Difference Engines"
    opportunity = sf.get(converted["ConvertedOpportunityId"])
    assert opportunity["Name"] == "Difference Engines"
    assert sf.get(converted["ConvertedContactId"])["LastName"] == "Newacct"

    result = json.dumps(slack.views[view["id"]]["blocks"])
    for record_id in (account["Id"], opportunity["Id"], converted["ConvertedContactId"]):
        assert record_id in result
    reply = slack.wait_for_response(lambda resp: "Converted" in resp["body"].get("text", ""))
    assert reply["body"]["response_type"] == "ephemeral"
    assert f"/lightning/r/Opportunity/{opportunity['Id']}/view" in json.dumps(reply["body"])
    entry = audited(sfbot, "convert_lead")
    assert (entry["slack_user_id"], entry["channel_id"], entry["outcome"]) == (AGENT, CHANNEL, "ok")
    assert lead in entry["record_ids"]
    assert opportunity["Id"] in entry["record_ids"]
    slack.assert_no_invalid_calls()


def test_convert_into_an_account_found_by_type_ahead(driver, slack, sf):
    account = sf.insert("Account", {"Name": "Globex Typeahead"})
    lead = new_lead(sf, company="Globex", last="Existing")
    view = open_convert(driver, slack, f"convert {lead}")
    r = driver.block_suggestion(
        ActionId.ACCOUNT_SEARCH, BlockId.ACCOUNT, "Globex", user_id=AGENT, view=view
    )
    assert r.ack_in_time
    options = r.json()["options"]
    picked = next(o for o in options if o["value"] == account)
    assert picked["text"]["text"] == "Globex Typeahead"

    # the account is picked but "Create a new account" is still chosen: nothing is guessed
    r = driver.view_submission(view, form_values(view, "new", picked), user_id=AGENT)
    assert r.json()["response_action"] == "errors"
    assert sf.get(lead)["IsConverted"] is False

    driver.view_submission(view, form_values(view, "existing", picked), user_id=AGENT)
    converted = sf.get(lead)
    assert converted["IsConverted"] is True
    assert converted["ConvertedAccountId"] == account
    slack.assert_no_invalid_calls()


def test_short_type_ahead_queries_get_no_options(driver, slack, sf):
    view = open_convert(driver, slack, f"convert {new_lead(sf, last='Short')}")
    calls = sf.api_calls
    r = driver.block_suggestion(
        ActionId.ACCOUNT_SEARCH, BlockId.ACCOUNT, "G", user_id=AGENT, view=view
    )
    assert r.json() == {"options": []}
    assert sf.api_calls == calls


def test_a_failed_type_ahead_search_gets_no_options(driver, slack, sf):
    account = sf.insert("Account", {"Name": "Refusenik Holdings"})
    view = open_convert(driver, slack, f"convert {new_lead(sf, last='Failed search')}")
    sf.fail_next(
        400, [{"message": "search refused", "errorCode": "INVALID_SEARCH"}], path_contains="search"
    )

    def suggest() -> list[dict]:
        r = driver.block_suggestion(
            ActionId.ACCOUNT_SEARCH, BlockId.ACCOUNT, "Refusenik", user_id=AGENT, view=view
        )
        assert r.ack_in_time
        return r.json()["options"]

    assert suggest() == []
    assert [o["value"] for o in suggest()] == [account]  # the next keystroke searches again
    slack.assert_no_invalid_calls()


def test_account_argument_is_preselected(driver, slack, sf):
    account = sf.insert("Account", {"Name": "Initech Preselected"})
    lead = new_lead(sf, company="Initech", last="Preselect")
    view = open_convert(driver, slack, f"convert {lead} {account}")
    initial = element(view, BlockId.ACCOUNT)["initial_option"]
    assert (initial["value"], initial["text"]["text"]) == (account, "Initech Preselected")
    assert element(view, BlockId.ACCOUNT_CHOICE)["initial_option"]["value"] == "existing"
    driver.view_submission(view, form_values(view, "existing", initial), user_id=AGENT)
    assert sf.get(lead)["ConvertedAccountId"] == account


def test_already_converted_lead_is_explained_in_the_modal(driver, slack, sf):
    lead = new_lead(sf, last="Twice")
    first = open_convert(driver, slack, f"convert {lead}")
    second = open_convert(driver, slack, f"convert {lead}")
    driver.view_submission(first, form_values(first), user_id=AGENT)
    assert sf.get(lead)["IsConverted"] is True

    r = driver.view_submission(second, form_values(second), user_id=AGENT)
    assert r.json()["response_action"] == "update"
    assert "already converted" in json.dumps(slack.views[second["id"]]["blocks"])

    third = open_convert(driver, slack, f"convert {lead}")
    assert "already converted" in json.dumps(third["blocks"])
    assert "submit" not in third
    slack.assert_no_invalid_calls()


def test_unknown_lead_is_explained_in_the_modal(driver, slack, sf):
    view = open_convert(driver, slack, "convert 00Q5e00000NOSUC")
    assert "no lead" in json.dumps(view["blocks"])
    assert "submit" not in view


def test_convert_from_a_record_card(driver, slack, sf):
    lead = new_lead(sf, company="Card Co", last="Carded")
    body = command(driver, slack, f"lookup {lead}")
    after = len(slack.calls)
    driver.click(
        ActionId.CONVERT_LEAD,
        user_id=AGENT,
        channel_id=CHANNEL,
        message=shown_message(slack, body),
        ephemeral=True,
    )
    view_id = slack.wait_for("views.open", after=after)["response"]["view"]["id"]
    slack.wait_for("views.update", lambda c: c["args"]["view_id"] == view_id)
    view = slack.views[view_id]
    assert element(view, BlockId.OPPORTUNITY_NAME)["initial_value"] == "Card Co"
    driver.view_submission(view, form_values(view), user_id=AGENT)
    assert sf.get(lead)["IsConverted"] is True
    slack.assert_no_invalid_calls()


def test_open_in_salesforce_is_acknowledged(driver, slack, sf):
    lead = new_lead(sf, last="Linked")
    body = command(driver, slack, f"lookup {lead}")
    r = driver.click(
        ActionId.OPEN_RECORD,
        user_id=AGENT,
        channel_id=CHANNEL,
        message=shown_message(slack, body),
        ephemeral=True,
    )
    assert r.status_code == 200
    assert r.ack_in_time


def test_slow_salesforce_still_acks_in_time(driver, slack, sf):
    lead = new_lead(sf, company="Slow Co", last="Slow")
    case = sf.insert("Case", {"Subject": "Slow case"})
    sf.delay = 2.0
    body = command(driver, slack, f"delete {case}")
    click(driver, slack, ActionId.DELETE_RECORD, shown_message(slack, body))
    assert sf.get(case) is None

    view = open_convert(driver, slack, f"convert {lead}", timeout=10)
    r = driver.block_suggestion(
        ActionId.ACCOUNT_SEARCH, BlockId.ACCOUNT, "Slow", user_id=AGENT, view=view
    )
    assert r.ack_in_time
    after = len(slack.calls)
    r = driver.view_submission(view, form_values(view), user_id=AGENT)
    assert r.ack_in_time
    slack.wait_for(
        "views.update", lambda c: c["args"]["view_id"] == view["id"], after=after, timeout=15
    )
    assert sf.get(lead)["IsConverted"] is True
    assert "Converted" in json.dumps(slack.views[view["id"]]["blocks"])
    slack.assert_no_invalid_calls()
