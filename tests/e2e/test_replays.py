"""Destructive clicks are idempotent (issue 7.4): a Delete click sent again (a double click,
or the same signed request replayed within Slack's 5-minute window) answers "already deleted"
without a second DELETE to Salesforce."""

from __future__ import annotations

from bot.ids import ActionId
from tests.e2e.harness import AGENT, CHANNEL
from tests.e2e.test_delete_convert import click, command, shown_message


def deletes(sf, record_id: str) -> int:
    return sum(1 for e in sf.request_log if e["method"] == "DELETE" and record_id in e["path"])


def test_a_replayed_delete_click_sends_one_delete(driver, slack, sf):
    case = sf.insert("Case", {"Subject": "Replayed"})
    message = shown_message(slack, command(driver, slack, f"delete {case}"))
    first = click(driver, slack, ActionId.DELETE_RECORD, message)
    assert "Deleted the case" in first["text"]
    assert deletes(sf, case) == 1
    # A second click on the same message, then that very signed payload replayed.
    n = len(slack.responses)
    r = driver.click(
        ActionId.DELETE_RECORD,
        user_id=AGENT,
        channel_id=CHANNEL,
        message=message,
        ephemeral=True,
    )
    url = r.payload["response_url"]
    second = slack.wait_for_response(lambda resp: resp["url"] == url, after=n, timeout=10)
    assert "already deleted" in second["body"]["text"]
    n = len(slack.responses)
    assert driver._interactive(r.payload).status_code == 200
    replayed = slack.wait_for_response(lambda resp: resp["url"] == url, after=n, timeout=10)
    assert "already deleted" in replayed["body"]["text"]
    assert deletes(sf, case) == 1, "a repeated click must not reach Salesforce"
    slack.assert_no_invalid_calls()


def test_a_failed_delete_can_be_clicked_again(driver, slack, sf):
    """A refusal (nothing deleted) releases the click: the agent may try again."""
    lead = sf.insert("Lead", {"LastName": "Retry", "Company": "X"})
    message = shown_message(slack, command(driver, slack, f"delete {lead}"))
    sf.fail_next(
        400,
        [{"message": "Locked", "errorCode": "ENTITY_IS_LOCKED"}],
        path_contains=f"sobjects/Lead/{lead}",
    )
    first = click(driver, slack, ActionId.DELETE_RECORD, message)
    assert "Locked" in first["text"]
    second = click(driver, slack, ActionId.DELETE_RECORD, message)
    assert "Deleted the lead" in second["text"]
    assert sf.get(lead) is None
