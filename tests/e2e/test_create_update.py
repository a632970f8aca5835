"""Creating and updating records from Slack: `/sf create`, `/sf update`, the card's Update
button and the two shortcuts, against the real app, the Salesforce emulator and fake Slack."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from tests.e2e.harness import AGENT, CHANNEL

NAME, PHONE, EMAIL, DESCRIPTION, OBJECT = (
    "sf_name",
    "sf_phone",
    "sf_email",
    "sf_description",
    "sf_object",
)
INPUT = "sf_field_input"
PICKER = "sf_object_picker"


def field(api_name: str) -> str:
    return f"sf_field:{api_name}"


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:8]


def values(**by_block: object) -> dict:
    """{block_id: {action_id: value}} for driver.view_submission."""
    return {block: {INPUT: value} for block, value in by_block.items()}


def create_values(object_name: str, **by_block: object) -> dict:
    """The create modal's state: the object picker's choice and the inputs.

    FakeSlack's state holds only what the test enters (Slack's also holds initial values), so
    the picker's choice is given again, like the required inputs of an update modal."""
    return {OBJECT: {PICKER: object_name}, **values(**by_block)}


def opened_view(slack, after: int) -> dict:
    call = slack.wait_for("views.open", lambda c: c["response"].get("ok"), after=after)
    return slack.views[call["response"]["view"]["id"]]


def filled(slack, view_id: str, after: int, block_id: str = NAME) -> dict:
    """The view once a views.update put ``block_id`` into it."""
    slack.wait_for(
        "views.update",
        lambda c: (
            c["args"].get("view_id") == view_id
            and c["response"].get("ok")
            and any(b.get("block_id") == block_id for b in c["args"]["view"]["blocks"])
        ),
        after=after,
        timeout=10,
    )
    return slack.views[view_id]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def open_create(driver, slack, text: str) -> dict:
    """`/sf create <object>`: the modal opened at once, then filled with the object's inputs."""
    n = len(slack.calls)
    r = driver.slash_command("/sf", text, user_id=AGENT, channel_id=CHANNEL)
    assert r.ack_in_time
    view = opened_view(slack, n)
    return filled(slack, view["id"], n) if text.strip() != "create" else view


def card_for(slack, record_id: str, after: int, method: str = "chat.postEphemeral") -> dict:
    call = slack.wait_for(
        method, lambda c: record_id in json.dumps(c["args"].get("blocks")), after=after, timeout=10
    )
    return call


def new_id(sf, sobject: str, before: set[str]) -> str:
    ids = {r["Id"] for r in sf.records(sobject)} - before
    assert len(ids) == 1, ids
    return ids.pop()


def ids_of(sf, sobject: str) -> set[str]:
    return {r["Id"] for r in sf.records(sobject)}


def audit_entry(sfbot, action: str, record_id: str) -> dict:
    result = sfbot.cli("audit", "--json", "--limit", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    entries = json.loads(result.stdout)["entries"]
    return next(e for e in entries if e["action"] == action and record_id in e["record_ids"])


def test_create_lead_defaults_company_and_sends_the_card(driver, slack, sf, sfbot):
    view = open_create(driver, slack, "create lead")
    company = block(view, field("Company"))
    assert company.get("optional") is True
    assert company["element"]["placeholder"]["text"] == "[not provided]"
    assert {NAME, PHONE, EMAIL, DESCRIPTION} <= {b["block_id"] for b in view["blocks"]}
    email = unique("grace.") + "@example.com"
    before, n = ids_of(sf, "Lead"), len(slack.calls)
    r = driver.view_submission(
        view,
        create_values(
            "lead", **{NAME: "Grace Brewster Hopper", EMAIL: email, PHONE: "+1 212 555 0100"}
        ),
        user_id=AGENT,
    )
    assert r.ack_in_time and r.text == ""  # closed
    lead = sf.get(new_id(sf, "Lead", before))
    assert (lead["FirstName"], lead["LastName"]) == ("Grace Brewster", "Hopper")
    assert lead["Company"] == "[not provided]" and lead["Email"] == email
    call = card_for(slack, lead["Id"], n)
    assert call["args"]["channel"] == CHANNEL and call["args"]["user"] == AGENT
    card = json.dumps(call["args"]["blocks"])
    assert "sf_record_update" in card and "/lightning/r/Lead/" in card
    audit = audit_entry(sfbot, "create_record", lead["Id"])
    assert (audit["outcome"], audit["slack_user_id"], audit["channel_id"]) == ("ok", AGENT, CHANNEL)
    assert email not in json.dumps(audit)
    slack.assert_no_invalid_calls()


def test_create_opportunity_with_stage_picklist_and_close_date(driver, slack, sf):
    view = open_create(driver, slack, "create opportunity")
    ids = {b["block_id"] for b in view["blocks"]}
    assert PHONE not in ids and EMAIL not in ids
    stage = block(view, field("StageName"))["element"]
    assert stage["type"] == "static_select"
    assert stage["initial_option"]["value"] == "Prospecting"
    close = block(view, field("CloseDate"))["element"]
    assert close["initial_date"] == (date.today() + timedelta(days=30)).isoformat()
    before = ids_of(sf, "Opportunity")
    name = unique("Big deal ")
    r = driver.view_submission(
        view,
        create_values("opportunity", **{NAME: name, field("StageName"): "Qualification"}),
        user_id=AGENT,
    )
    assert r.ack_in_time and r.text == ""
    opp = sf.get(new_id(sf, "Opportunity", before))
    assert opp["Name"] == name and opp["StageName"] == "Qualification"
    assert opp["CloseDate"] == close["initial_date"]
    slack.assert_no_invalid_calls()


def test_create_case_takes_its_subject_from_the_description(driver, slack, sf):
    view = open_create(driver, slack, "create case")
    assert block(view, field("Subject")).get("optional") is True
    before, n = ids_of(sf, "Case"), len(slack.calls)
    submitted = create_values(
        "case",
        **{
            NAME: "Ada Customer",
            EMAIL: "ada.case@example.com",
            DESCRIPTION: "Printer on fire\nHelp",
        },
    )
    r = driver.view_submission(view, submitted, user_id=AGENT)
    assert r.ack_in_time
    case = sf.get(new_id(sf, "Case", before))
    assert case["Subject"] == "Printer on fire"
    assert (
        case["SuppliedName"] == "Ada Customer" and case["SuppliedEmail"] == "ada.case@example.com"
    )
    assert "Printer on fire" in json.dumps(card_for(slack, case["Id"], n)["args"]["blocks"])
    slack.assert_no_invalid_calls()


def test_object_picker_shows_the_chosen_object_and_keeps_what_was_typed(driver, slack, sf):
    view = open_create(driver, slack, "create")
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} == {
        OBJECT,
        NAME,
        DESCRIPTION,
    }
    name = unique("Picker ") + " Person"
    n = len(slack.calls)
    r = driver.click(
        PICKER, user_id=AGENT, selected="contact", view=view, state=values(**{NAME: name})
    )
    assert r.ack_in_time
    view = filled(slack, view["id"], n, block_id=EMAIL)
    update = slack.calls_to("views.update")[-1]
    assert update["args"]["hash"]  # guarded by the view's hash
    assert field("Company") not in {b["block_id"] for b in view["blocks"]}
    before = ids_of(sf, "Contact")
    r = driver.view_submission(view, {OBJECT: {PICKER: "contact"}}, user_id=AGENT)
    assert r.ack_in_time
    contact = sf.get(new_id(sf, "Contact", before))
    assert contact["LastName"] == "Person"
    slack.assert_no_invalid_calls()


def test_submitting_before_the_fields_loaded_asks_to_wait(driver, slack, sf):
    view = open_create(driver, slack, "create")
    before, n = ids_of(sf, "Account"), len(slack.calls)
    r = driver.view_submission(view, create_values("account", **{NAME: "Too quick"}), user_id=AGENT)
    assert r.json()["response_action"] == "errors" and OBJECT in r.json()["errors"]
    assert ids_of(sf, "Account") == before
    view = filled(slack, view["id"], n, block_id=PHONE)  # the account's inputs, after all
    assert view["title"]["text"] == "Create Account"
    assert block(view, NAME)["element"]["initial_value"] == "Too quick"
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("submitted", "block_id"),
    [
        ({NAME: "Bad Email", EMAIL: "not-an-email"}, EMAIL),
        ({NAME: "   ", EMAIL: "blank.name@example.com"}, NAME),
        ({NAME: "Bad Phone", PHONE: "call me maybe"}, PHONE),
    ],
)
def test_invalid_input_is_shown_on_its_field_and_nothing_is_created(
    driver, slack, sf, submitted, block_id
):
    view = open_create(driver, slack, "create lead")
    before = ids_of(sf, "Lead")
    sf.reset_counters()
    r = driver.view_submission(view, create_values("lead", **submitted), user_id=AGENT)
    assert r.ack_in_time
    body = r.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block_id]
    assert ids_of(sf, "Lead") == before
    assert not [e for e in sf.request_log if e["method"] == "POST"]
    slack.assert_no_invalid_calls()


def test_salesforce_refusal_is_shown_and_nothing_is_created(driver, slack, sf):
    email = unique("dup.") + "@example.com"
    existing = sf.insert("Lead", {"LastName": "First", "Company": "Acme", "Email": email})
    sf.set_duplicate_rule("Lead", "Email")
    view = open_create(driver, slack, "create lead")
    before = ids_of(sf, "Lead")
    r = driver.view_submission(
        view, create_values("lead", **{NAME: "Second", EMAIL: email}), user_id=AGENT
    )
    assert r.ack_in_time
    body = r.json()
    assert body["response_action"] == "update"
    # A duplicate rule's refusal shows the rule and its matches above the form.
    top, match = body["view"]["blocks"][:2]
    assert top["block_id"] == "sf_duplicates" and "Emulator_Lead_Email_Rule" in top["text"]["text"]
    assert match["block_id"] == f"sf_duplicate:{existing}"
    assert ids_of(sf, "Lead") == before
    # The form is still there, with what was typed, to fix and submit again.
    shown = slack.views[view["id"]]
    assert block(shown, EMAIL)["element"]["initial_value"] == email
    slack.assert_no_invalid_calls()


def test_salesforce_refusal_naming_a_field_is_shown_on_it(driver, slack, sf):
    view = open_create(driver, slack, "create lead")
    sf.fail_next(
        400,
        [
            {
                "message": "Use a US number",
                "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "fields": ["Phone"],
            }
        ],
        path_contains="sobjects/Lead",
    )
    before = ids_of(sf, "Lead")
    r = driver.view_submission(
        view, create_values("lead", **{NAME: "Val Rule", PHONE: "+44 20 7946 0000"}), user_id=AGENT
    )
    assert r.json() == {"response_action": "errors", "errors": {PHONE: "Use a US number"}}
    assert ids_of(sf, "Lead") == before
    slack.assert_no_invalid_calls()


def test_a_late_refusal_naming_a_field_shows_the_form_again(driver, slack, sf):
    view = open_create(driver, slack, "create lead")
    sf.fail_next(
        400,
        [
            {
                "message": "Use a US number",
                "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "fields": ["Phone"],
            }
        ],
        path_contains="sobjects/Lead",
    )
    before, n = ids_of(sf, "Lead"), len(slack.calls)
    sf.delay = 2.0
    try:
        r = driver.view_submission(
            view,
            create_values("lead", **{NAME: "Late Val", PHONE: "+44 20 7946 0001"}),
            user_id=AGENT,
        )
        assert r.ack_in_time and "Creating" in json.dumps(r.json()["view"])
        done = slack.wait_for(
            "views.update", lambda c: c["args"].get("view_id") == view["id"], after=n, timeout=15
        )
    finally:
        sf.delay = 0.0
    shown = done["args"]["view"]
    assert shown["blocks"][0]["block_id"] == "sf_error"
    assert "Use a US number" in shown["blocks"][0]["text"]["text"]
    assert block(shown, PHONE)["element"]["initial_value"] == "+44 20 7946 0001"
    assert ids_of(sf, "Lead") == before
    slack.assert_no_invalid_calls()


def test_double_submission_creates_one_record(driver, slack, sf):
    view = open_create(driver, slack, "create account")
    name = unique("Once Inc ")
    sf.delay = 1.0
    try:
        with ThreadPoolExecutor(2) as pool:
            acks = list(
                pool.map(
                    lambda _: driver.view_submission(
                        view, create_values("account", **{NAME: name}), user_id=AGENT
                    ),
                    range(2),
                )
            )
    finally:
        sf.delay = 0.0
    assert all(r.ack_in_time for r in acks)
    # The duplicate check and the create may outlast the ack: wait for the work to end.
    slack.wait_for("chat.postEphemeral", lambda c: name in json.dumps(c["args"]), timeout=15)
    assert [a["Name"] for a in sf.records("Account")].count(name) == 1
    slack.assert_no_invalid_calls()


def test_slow_salesforce_gets_an_ack_in_time_and_the_result_later(driver, slack, sf):
    open_create(driver, slack, "create account")  # the describe is cached now
    sf.delay = 2.0
    try:
        view = open_create(driver, slack, "create account")
        n = len(slack.calls)
        before = ids_of(sf, "Account")
        r = driver.view_submission(
            view, create_values("account", **{NAME: unique("Slow Ltd ")}), user_id=AGENT
        )
        assert r.ack_in_time
        assert r.json()["response_action"] == "update"
        assert "Creating" in json.dumps(r.json()["view"])
        done = slack.wait_for(
            "views.update", lambda c: c["args"].get("view_id") == view["id"], after=n, timeout=15
        )
        assert "Created the account" in json.dumps(done["args"]["view"])
    finally:
        sf.delay = 0.0
    account = new_id(sf, "Account", before)
    card_for(slack, account, n)
    slack.assert_no_invalid_calls()


def wait_for_log(sfbot, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in sfbot.log():
        assert time.monotonic() < deadline, f"{text!r} never reached sfbot's log"
        time.sleep(0.05)


def test_user_closed_the_working_modal_the_card_still_reaches_them(driver, slack, sf, sfbot):
    open_create(driver, slack, "create account")  # the describe is cached now
    view = open_create(driver, slack, "create account")
    name, n, before = unique("Closed Modal Ltd "), len(slack.calls), ids_of(sf, "Account")
    sf.delay = 2.0
    try:
        r = driver.view_submission(view, create_values("account", **{NAME: name}), user_id=AGENT)
        assert r.ack_in_time and "Creating" in json.dumps(r.json()["view"])
        driver.view_closed(view, user_id=AGENT)  # the user closes "Creating..." at once
        late = slack.wait_for(
            "views.update", lambda c: c["args"].get("view_id") == view["id"], after=n, timeout=15
        )
    finally:
        sf.delay = 0.0
    # Slack answers not_found for a closed modal; sfbot logs it and the record card (sent by
    # the work itself) is how the user learns the outcome.
    assert late["response"] == {"ok": False, "error": "not_found"}
    account = new_id(sf, "Account", before)
    assert sf.get(account)["Name"] == name
    card_for(slack, account, n)
    wait_for_log(sfbot, "could not show the outcome of")


def open_update(driver, slack, record_id: str, **where) -> dict:
    n = len(slack.calls)
    if where:
        r = driver.click("sf_record_update", user_id=AGENT, **where)
    else:
        r = driver.slash_command("/sf", f"update {record_id}", user_id=AGENT, channel_id=CHANNEL)
    assert r.ack_in_time
    return filled(slack, opened_view(slack, n)["id"], n)


def patches(sf) -> list[dict]:
    return [json.loads(e["body"]) for e in sf.request_log if e["method"] == "PATCH"]


def test_update_is_prefilled_and_sends_only_changed_fields(driver, slack, sf, sfbot):
    email = unique("ada.") + "@example.com"
    lead = sf.insert(
        "Lead",
        {
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "Company": "Analytical",
            "Email": email,
            "Phone": "+1 415 555 0100",
            "Description": "Met at the conference",
        },
    )
    view = open_update(driver, slack, lead[:15])  # a 15-character id works too
    assert view["title"]["text"] == "Update Lead"
    assert block(view, NAME)["element"]["initial_value"] == "Ada Lovelace"
    assert block(view, EMAIL)["element"]["initial_value"] == email
    assert block(view, field("Company"))["element"]["initial_value"] == "Analytical"
    sf.reset_counters()
    n = len(slack.calls)
    r = driver.view_submission(
        view,
        values(**{NAME: "Ada Lovelace", field("Company"): "Analytical", PHONE: "+1 415 555 0199"}),
        user_id=AGENT,
    )
    assert r.ack_in_time and r.text == ""
    assert patches(sf) == [{"Phone": "+1 415 555 0199"}]
    assert sf.get(lead)["Phone"] == "+1 415 555 0199"
    assert "Updated" in card_for(slack, lead, n)["args"]["text"]
    assert audit_entry(sfbot, "update_record", lead)["outcome"] == "ok"

    view = open_update(driver, slack, lead)
    sf.reset_counters()
    r = driver.view_submission(
        view, values(**{NAME: "Ada Lovelace", field("Company"): "Analytical"}), user_id=AGENT
    )
    assert "Nothing changed" in json.dumps(r.json()["view"])
    assert patches(sf) == []

    view = open_update(driver, slack, lead)  # an emptied input clears its field
    sf.reset_counters()
    driver.view_submission(
        view,
        values(**{NAME: "Ada Lovelace", field("Company"): "Analytical", DESCRIPTION: None}),
        user_id=AGENT,
    )
    assert patches(sf) == [{"Description": None}]
    assert sf.get(lead)["Description"] is None
    slack.assert_no_invalid_calls()


def test_update_keeps_a_picklist_value_the_select_does_not_offer(driver, slack, sf):
    """A stage that is no longer among the picklist's values (inserted around the checks, as
    an inactive value stays on old records) is shown, and not sent when untouched."""
    opp = sf.insert(
        "Opportunity",
        {"Name": unique("Legacy deal "), "StageName": "Legacy Stage", "CloseDate": "2030-01-31"},
    )
    view = open_update(driver, slack, opp)
    stage = block(view, field("StageName"))["element"]
    assert stage["initial_option"]["value"] == "Legacy Stage"
    assert "Prospecting" in [o["value"] for o in stage["options"]]
    sf.reset_counters()
    name = block(view, NAME)["element"]["initial_value"]
    r = driver.view_submission(
        view,
        {
            **values(**{NAME: name, DESCRIPTION: "Renewal talks"}),
            field("StageName"): {INPUT: "Legacy Stage"},  # untouched (the fake sends no initials)
            field("CloseDate"): {INPUT: "2030-01-31"},
        },
        user_id=AGENT,
    )
    assert r.ack_in_time and r.text == ""
    assert patches(sf) == [{"Description": "Renewal talks"}]
    assert sf.get(opp)["StageName"] == "Legacy Stage"
    slack.assert_no_invalid_calls()


def test_update_from_the_cards_button(driver, slack, sf):
    view = open_create(driver, slack, "create lead")
    before, n = ids_of(sf, "Lead"), len(slack.calls)
    driver.view_submission(view, create_values("lead", **{NAME: "Card Button"}), user_id=AGENT)
    lead = new_id(sf, "Lead", before)
    card_for(slack, lead, n)
    message = next(e["message"] for e in reversed(slack.ephemerals) if lead in json.dumps(e))
    view = open_update(driver, slack, lead, channel_id=CHANNEL, message=message, ephemeral=True)
    sf.reset_counters()
    email = unique("card.") + "@example.com"
    r = driver.view_submission(
        view,
        values(**{NAME: "Card Button", field("Company"): "[not provided]", EMAIL: email}),
        user_id=AGENT,
    )
    assert r.ack_in_time
    assert patches(sf) == [{"Email": email}]
    slack.assert_no_invalid_calls()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("update nonsense!", "is not a Salesforce record id"),
        ("update 005000000000001", "is not a record sfbot works with"),
        ("update", "Usage"),
    ],
)
def test_bad_update_ids_get_an_ephemeral_error(driver, slack, text, expected):
    opens = len(slack.calls_to("views.open"))
    r = driver.slash_command("/sf", text, user_id=AGENT, channel_id=CHANNEL)
    url = r.payload["response_url"]
    reply = slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)
    assert reply["body"]["response_type"] == "ephemeral"
    assert expected in reply["body"]["text"]
    assert len(slack.calls_to("views.open")) == opens


def test_update_of_a_missing_record_says_so_in_the_modal(driver, slack):
    n = len(slack.calls)
    driver.slash_command("/sf", "update 00Q000000000000", user_id=AGENT, channel_id=CHANNEL)
    view = opened_view(slack, n)
    slack.wait_for("views.update", lambda c: c["args"].get("view_id") == view["id"], after=n)
    shown = slack.views[view["id"]]  # what the user now sees in the modal
    text = "\n".join(
        b["text"]["text"] for b in shown["blocks"] if b["type"] == "section" and b.get("text")
    )
    # the user is told which record and why, with the code: not a form to fill in
    assert "no lead 00Q000000000000" in text and "(`NOT_FOUND`)" in text, text
    assert not [b for b in shown["blocks"] if b["type"] == "input"]  # no form to submit
    assert not shown.get("submit")


def test_global_shortcut_opens_the_picker_and_sends_the_card_by_dm(driver, slack, sf):
    n = len(slack.calls)
    r = driver.shortcut("sf_create_record", user_id=AGENT)
    assert r.ack_in_time
    view = opened_view(slack, n)
    assert block(view, OBJECT)["element"]["action_id"] == PICKER
    driver.click(PICKER, user_id=AGENT, selected="campaign", view=view)
    view = filled(slack, view["id"], n, block_id=DESCRIPTION)
    assert view["title"]["text"] == "Create Campaign"
    before = ids_of(sf, "Campaign")
    r = driver.view_submission(
        view, create_values("campaign", **{NAME: unique("Spring launch ")}), user_id=AGENT
    )
    assert r.ack_in_time
    campaign = new_id(sf, "Campaign", before)
    dm = card_for(slack, campaign, n, method="chat.postMessage")
    assert dm["args"]["channel"] == AGENT
    slack.assert_no_invalid_calls()


def test_message_shortcut_prefills_the_description_with_text_and_permalink(driver, slack, sf):
    ts = slack.next_ts()
    text = "Customer says the export is broken\nSince Monday, all CSVs are empty"
    with slack._lock:
        slack.channel_messages[CHANNEL].append(
            {"type": "message", "user": AGENT, "text": text, "ts": ts}
        )
    n = len(slack.calls)
    r = driver.message_action(
        "sf_create_from_message",
        message={"user": AGENT, "text": text, "ts": ts},
        channel_id=CHANNEL,
        user_id=AGENT,
    )
    assert r.ack_in_time
    view = opened_view(slack, n)
    first = slack.calls_to("views.open")[-1]["args"]["view"]  # before the permalink came
    assert block(first, DESCRIPTION)["element"]["initial_value"] == text
    permalink = slack.wait_for("chat.getPermalink", after=n)["response"]["permalink"]
    # The permalink is kept aside (Slack would not replace what Description shows) and the
    # modal says it will be added.
    slack.wait_for(
        "views.update", lambda c: permalink in c["args"]["view"]["private_metadata"], after=n
    )
    view = slack.views[view["id"]]
    assert "link is added to the description" in json.dumps(view["blocks"])
    driver.click(PICKER, user_id=AGENT, selected="case", view=view)
    view = filled(slack, view["id"], n, block_id=field("Subject"))
    assert view["state"]["values"][DESCRIPTION]["sf_field_input"]["value"] == text
    before, m = ids_of(sf, "Case"), len(slack.calls)
    driver.view_submission(view, create_values("case", **{NAME: "Export Customer"}), user_id=AGENT)
    case = sf.get(new_id(sf, "Case", before))
    assert case["Subject"] == "Customer says the export is broken"
    assert permalink in case["Description"]
    assert card_for(slack, case["Id"], m)["args"]["channel"] == CHANNEL
    slack.assert_no_invalid_calls()
