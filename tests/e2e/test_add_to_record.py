"""Message shortcut "Add to Salesforce record": the message becomes a completed Task."""

from __future__ import annotations

import json

from bot.ids import ActionId, BlockId, CallbackId
from tests.e2e.harness import AGENT, CHANNEL, OWNER


def post_message(slack, text: str, user: str = OWNER) -> dict:
    """A message a person posted in the channel (the fake has no API for users' messages)."""
    message = {"type": "message", "user": user, "text": text, "ts": slack.next_ts()}
    slack.channel_messages[CHANNEL].append(message)
    return message


def open_modal(driver, slack, message: dict, timeout: float = 5) -> dict:
    """Run the shortcut on ``message``; return the modal once the form is in."""
    after = len(slack.calls)
    r = driver.message_action(
        CallbackId.MESSAGE_ADD_TO_RECORD, message=message, channel_id=CHANNEL, user_id=AGENT
    )
    assert r.status_code == 200
    assert r.ack_in_time
    view_id = slack.wait_for("views.open", after=after)["response"]["view"]["id"]
    slack.wait_for("views.update", lambda c: c["args"]["view_id"] == view_id, timeout=timeout)
    return slack.views[view_id]


def element(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]


def suggest(driver, view: dict, query: str) -> list[dict]:
    r = driver.block_suggestion(
        ActionId.RECORD_SEARCH, BlockId.RECORD, query, user_id=AGENT, view=view
    )
    assert r.status_code == 200
    assert r.ack_in_time
    return r.json()["options"]


def form_values(view: dict, option: dict) -> dict:
    """What Slack submits: the fake does not copy initial values into the state."""
    return {
        BlockId.RECORD: {ActionId.RECORD_SEARCH: {"selected_option": option}},
        BlockId.SUBJECT: {ActionId.FIELD_INPUT: element(view, BlockId.SUBJECT)["initial_value"]},
        BlockId.DESCRIPTION: {
            ActionId.FIELD_INPUT: element(view, BlockId.DESCRIPTION)["initial_value"]
        },
    }


def task_for(sf, record_id: str) -> dict:
    (task,) = [t for t in sf.records("Task") if record_id in (t["WhoId"], t["WhatId"])]
    return task


def test_message_is_logged_on_a_contact(driver, slack, sf, sfbot):
    contact = sf.insert("Contact", {"FirstName": "Grace", "LastName": "Hopperlog"})
    message = post_message(slack, "Customer &lt;VIP&gt; wants a refund &amp; a call")
    view = open_modal(driver, slack, message)
    assert element(view, BlockId.SUBJECT)["initial_value"] == "Slack message from olga.owner"
    assert (
        element(view, BlockId.DESCRIPTION)["initial_value"]
        == "Customer <VIP> wants a refund & a call"
    )
    permalink = json.loads(view["private_metadata"].partition(".")[2])["permalink"]
    assert permalink.endswith(f"/archives/{CHANNEL}/p{message['ts'].replace('.', '')}")

    options = suggest(driver, view, "Hopperlog")
    option = next(o for o in options if o["value"] == contact)
    assert option["text"]["text"] == "Contact: Grace Hopperlog"

    r = driver.view_submission(view, form_values(view, option), user_id=AGENT)
    assert r.ack_in_time
    task = task_for(sf, contact)
    assert task["WhoId"] == contact
    assert task["WhatId"] is None
    assert task["Status"] == "Done"  # the org's closed status (API name)
    assert task["Subject"] == "Slack message from olga.owner"
    assert "Customer <VIP> wants a refund & a call" in task["Description"]
    assert permalink in task["Description"]
    assert "Hopperlog" in json.dumps(slack.views[view["id"]]["blocks"])

    reply = slack.wait_for_response(lambda resp: "Hopperlog" in resp["body"].get("text", ""))
    assert reply["body"]["response_type"] == "ephemeral"
    assert f"/lightning/r/Contact/{contact}/view" in json.dumps(reply["body"]["blocks"])
    audit = json.loads(sfbot.cli("audit", "--json", "--limit", "5").stdout)["entries"]
    entry = next(e for e in audit if e["action"] == "log_activity")
    assert (entry["slack_user_id"], entry["channel_id"], entry["outcome"]) == (AGENT, CHANNEL, "ok")
    assert entry["record_ids"] == [contact, task["Id"]]
    slack.assert_no_invalid_calls()


def test_accounts_are_linked_through_what_id(driver, slack, sf):
    account = sf.insert("Account", {"Name": "Umbrella Logged"})
    view = open_modal(driver, slack, post_message(slack, "Renewal next month"))
    option = next(o for o in suggest(driver, view, "Umbrella") if o["value"] == account)
    driver.view_submission(view, form_values(view, option), user_id=AGENT)
    task = task_for(sf, account)
    assert (task["WhatId"], task["WhoId"]) == (account, None)


def test_a_pasted_id_finds_an_opportunity(driver, slack, sf):
    opportunity = sf.insert(
        "Opportunity",
        {"Name": "Big Deal Logged", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
    )
    view = open_modal(driver, slack, post_message(slack, "They signed!"))
    (option,) = suggest(driver, view, opportunity)
    assert option["text"]["text"] == "Opportunity: Big Deal Logged"
    driver.view_submission(view, form_values(view, option), user_id=AGENT)
    assert task_for(sf, opportunity)["WhatId"] == opportunity
    slack.assert_no_invalid_calls()


def test_each_query_is_one_salesforce_call(driver, slack, sf):
    view = open_modal(driver, slack, post_message(slack, "hello"))
    calls = sf.api_calls
    suggest(driver, view, "Nobody Matches This")
    assert sf.api_calls == calls + 1
    assert suggest(driver, view, "x") == []
    assert sf.api_calls == calls + 1


def test_a_deleted_record_is_explained_in_the_modal(driver, slack, sf):
    lead = sf.insert("Lead", {"LastName": "Goneforlog", "Company": "C"})
    view = open_modal(driver, slack, post_message(slack, "About that lead"))
    option = next(o for o in suggest(driver, view, "Goneforlog") if o["value"] == lead)
    sf.store.delete(sf.store.raw(lead))
    r = driver.view_submission(view, form_values(view, option), user_id=AGENT)
    assert r.ack_in_time
    assert r.json() == {
        "response_action": "errors",
        "errors": {
            BlockId.RECORD: "This record is no longer in Salesforce (deleted?): pick another one."
        },
    }
    assert not [t for t in sf.records("Task") if t["WhoId"] == lead]
    slack.assert_no_invalid_calls()


def test_slow_salesforce_still_acks_in_time(driver, slack, sf):
    case = sf.insert("Case", {"Subject": "Slow logged case"})
    sf.delay = 2.0
    view = open_modal(driver, slack, post_message(slack, "Slow but sure"))
    # The search cannot end within its 2 s: no options, but in time (the next keystroke
    # searches again).
    assert suggest(driver, view, case) == []
    sf.delay = 0.0
    option = next(o for o in suggest(driver, view, case) if o["value"] == case)
    sf.delay = 2.0
    after = len(slack.calls)
    r = driver.view_submission(view, form_values(view, option), user_id=AGENT)
    assert r.ack_in_time
    slack.wait_for(
        "views.update", lambda c: c["args"]["view_id"] == view["id"], after=after, timeout=15
    )
    assert task_for(sf, case)["WhatId"] == case
    assert "Slow logged case" in json.dumps(slack.views[view["id"]]["blocks"])
    slack.assert_no_invalid_calls()
