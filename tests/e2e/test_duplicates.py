"""Duplicates from Slack: the create modal's check and its three ways out, a blocked save, and
merges (from a card and from a digest group) with field choices and every refusal; against the
real app, the Salesforce emulator (seeded duplicate rules active) and fake Slack."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from actions.digest_item import DigestItem
from actions.lookup_record import RecordSummary
from bot.blocks.cards import record_card
from bot.blocks.digest import item_block
from tests.e2e.harness import AGENT, CHANNEL
from tests.e2e.test_create_update import (
    EMAIL,
    NAME,
    audit_entry,
    card_for,
    create_values,
    ids_of,
    new_id,
    open_create,
)
from tests.fakes.salesforce.duplicates import SEEDED_RULES

LEAD_RULE = "Standard_Rule_for_Leads_with_Duplicate_Contacts_and_Leads"


@pytest.fixture(scope="module", autouse=True)
def rules(sf):
    sf.activate_duplicate_rules(*SEEDED_RULES)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def wait_view(slack, view_id: str, test, timeout: float = 15.0) -> dict:
    """The view once ``test(view)`` holds (the ack or a later views.update changed it)."""
    deadline = time.monotonic() + timeout
    while True:
        view = slack.views[view_id]
        if test(view):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"view never matched: {json.dumps(view)[:2000]}")
        time.sleep(0.05)


def has_block(block_id: str):
    return lambda v: any(b.get("block_id") == block_id for b in v.get("blocks") or [])


def block_ids(view: dict) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


# --------------------------------------------------------------------------- create modal
def show_matches(driver, slack, sf, obj: str, **inputs) -> dict:
    view = open_create(driver, slack, f"create {obj}")
    r = driver.view_submission(view, create_values(obj, **inputs), user_id=AGENT)
    assert r.ack_in_time
    return wait_view(slack, view["id"], has_block("sf_duplicates"))


def test_create_shows_a_contact_matching_a_new_lead_then_create_anyway(driver, slack, sf, sfbot):
    email = unique("ada.") + "@example.com"
    account = sf.insert("Account", {"Name": unique("Engines ")})
    contact = sf.insert(
        "Contact", {"FirstName": "Ada", "LastName": "Byron", "Email": email, "AccountId": account}
    )
    before = ids_of(sf, "Lead")
    view = show_matches(driver, slack, sf, "lead", **{NAME: "Ada Lovelace", EMAIL: email})
    assert ids_of(sf, "Lead") == before  # nothing created yet
    text = json.dumps(view["blocks"])
    assert LEAD_RULE in text and "Ada Byron" in text and email in text
    assert "Integration User" in text  # the owner's name
    assert f"/lightning/r/Contact/{contact}/view" in text  # Open link
    match = next(b for b in view["blocks"] if b.get("block_id") == f"sf_duplicate:{contact}")
    assert match["accessory"]["action_id"] == "sf_update_instead"
    assert view["submit"]["text"] == "Create anyway"
    assert view["blocks"][-1]["block_id"] != "sf_duplicates"  # the form is still there
    n = len(slack.calls)
    r = driver.view_submission(
        view, create_values("lead", **{NAME: "Ada Lovelace", EMAIL: email}), user_id=AGENT
    )
    assert r.ack_in_time and r.text == ""  # created, closed
    lead = new_id(sf, "Lead", before)
    assert sf.get(lead)["Email"] == email
    sent = [e for e in sf.request_log if e["method"] == "POST" and "/sobjects/Lead" in e["path"]]
    assert sent[-1]["headers"]["Sforce-Duplicate-Rule-Header"].startswith("allowSave=true")
    card_for(slack, lead, n)
    assert audit_entry(sfbot, "find_duplicates", contact)["outcome"] == "ok"
    slack.assert_no_invalid_calls()


def test_create_then_update_this_one_instead(driver, slack, sf):
    email = unique("grace.") + "@example.com"
    existing = sf.insert(
        "Lead", {"FirstName": "Grace", "LastName": "Hopper", "Company": "Navy", "Email": email}
    )
    before = ids_of(sf, "Lead")
    view = show_matches(driver, slack, sf, "lead", **{NAME: "G Hopper", EMAIL: email})
    n = len(slack.calls)
    r = driver.click(
        "sf_update_instead", block_id=f"sf_duplicate:{existing}", user_id=AGENT, view=view
    )
    assert r.ack_in_time
    updated = wait_view(
        slack,
        view["id"],
        lambda v: v.get("callback_id") == "sf_update_modal" and has_block(NAME)(v),
    )
    name = next(b for b in updated["blocks"] if b["block_id"] == NAME)
    assert name["element"]["initial_value"] == "Grace Hopper"
    assert json.loads(updated["private_metadata"].partition(".")[2])["record_id"] == existing
    assert ids_of(sf, "Lead") == before
    assert len(slack.calls) > n
    slack.assert_no_invalid_calls()


def test_change_the_values_and_no_match_creates(driver, slack, sf):
    email = unique("dup.") + "@example.com"
    sf.insert("Contact", {"LastName": "Dup", "Email": email})
    view = show_matches(driver, slack, sf, "lead", **{NAME: "New Person", EMAIL: email})
    before = ids_of(sf, "Lead")
    other = unique("fresh.") + "@example.com"  # changed: checked again, no match, created
    r = driver.view_submission(
        view, create_values("lead", **{NAME: "New Person", EMAIL: other}), user_id=AGENT
    )
    assert r.ack_in_time and r.text == ""
    assert sf.get(new_id(sf, "Lead", before))["Email"] == other
    slack.assert_no_invalid_calls()


def test_blocking_rule_says_which_rule_and_never_creates(driver, slack, sf):
    name = unique("Acme ")
    existing = sf.insert("Account", {"Name": name})
    before = ids_of(sf, "Account")
    view = show_matches(driver, slack, sf, "account", **{NAME: name.upper()})
    text = json.dumps(view["blocks"])
    assert "Block_Duplicate_Accounts" in text and "blocks creating" in text and existing in text
    assert view["submit"]["text"] == "Check again"
    r = driver.view_submission(
        view, create_values("account", **{NAME: name.upper()}), user_id=AGENT
    )
    assert r.ack_in_time
    wait_view(
        slack,
        view["id"],
        lambda v: json.loads(v["private_metadata"].partition(".")[2]).get("attempt") == 2,
    )
    assert ids_of(sf, "Account") == before
    slack.assert_no_invalid_calls()


def test_save_time_block_is_shown_like_the_check(driver, slack, sf):
    """A rule the check did not report (here: findDuplicates unavailable) refuses on save."""
    name = unique("Globex ")
    sf.insert("Account", {"Name": name})
    view = open_create(driver, slack, "create account")
    before = ids_of(sf, "Account")
    sf.fail_next(503, "unavailable", path_contains="/services/Soap/")
    r = driver.view_submission(view, create_values("account", **{NAME: name}), user_id=AGENT)
    assert r.ack_in_time
    shown = wait_view(slack, view["id"], has_block("sf_duplicates"))
    assert "Block_Duplicate_Accounts" in json.dumps(shown["blocks"])
    assert ids_of(sf, "Account") == before
    slack.assert_no_invalid_calls()


# --------------------------------------------------------------------------- merge
def card_message(sf, record_id: str, obj: str) -> dict:
    summary = RecordSummary(
        object=obj, id=record_id, name="x", url=f"{sf.instance_url}/lightning/r/{record_id}/view"
    )
    return {"ts": "1700000000.000100", "blocks": [b.to_dict() for b in record_card(summary)]}


def open_merge(driver, slack, *, message: dict) -> dict:
    n = len(slack.calls)
    r = driver.click("sf_record_merge", user_id=AGENT, channel_id=CHANNEL, message=message)
    assert r.ack_in_time, (r.status_code, r.text)
    call = slack.wait_for("views.open", lambda c: c["response"].get("ok"), after=n)
    view_id = call["response"]["view"]["id"]
    return wait_view(
        slack,
        view_id,
        lambda v: (
            v.get("callback_id") != "sf_result_modal"
            or "nothing" in json.dumps(v).lower()
            or "cannot" in json.dumps(v)
        ),
    )


def digest_message(item: DigestItem, ts: str) -> dict:
    """A posted digest line (Slack gives every block a block_id when the app sets none)."""
    return {"ts": ts, "blocks": [{**item_block(item).to_dict(), "block_id": "digest-" + ts}]}


def choose(master: str, **fields: str) -> dict:
    state = {"sf_merge_master": {"sf_merge_choice": master}}
    state.update({f"sf_merge_field:{k}": {"sf_merge_choice": v} for k, v in fields.items()})
    return state


def confirm_and_merge(driver, slack, view: dict, state: dict) -> dict:
    r = driver.view_submission(view, state, user_id=AGENT)
    assert r.ack_in_time and r.json()["response_action"] == "update"
    confirm = slack.views[view["id"]]
    assert confirm["callback_id"] == "sf_merge_confirm_modal"
    r = driver.view_submission(confirm, {}, user_id=AGENT)
    assert r.ack_in_time
    return wait_view(slack, view["id"], lambda v: "Merged" in json.dumps(v["blocks"]))


def test_merge_leads_from_a_card_with_field_choices(driver, slack, sf, sfbot):
    email = unique("m.") + "@example.com"
    keep = sf.insert("Lead", {"LastName": "Keep", "Company": "A", "Email": email, "Phone": "111"})
    dup = sf.insert("Lead", {"LastName": "Dup", "Company": "B", "Email": email, "Phone": "222"})
    task = sf.insert("Task", {"Subject": "Call", "WhoId": dup})
    view = open_merge(driver, slack, message=card_message(sf, keep, "lead"))
    ids = block_ids(view)
    assert "sf_merge_master" in ids and "sf_merge_field:Phone" in ids
    assert "sf_merge_field:Company" in ids and "sf_merge_field:Email" not in ids  # same value
    done = confirm_and_merge(driver, slack, view, choose(keep, Phone=dup, Company=keep))
    assert "1 related record moved" in json.dumps(done["blocks"])
    master = sf.get(keep)
    assert master["Phone"] == "222" and master["Company"] == "A"
    assert sf.get(dup) is None and sf.store.raw(dup)["MasterRecordId"] == keep
    assert sf.get(task)["WhoId"] == keep
    entry = audit_entry(sfbot, "merge_records", dup)
    assert {keep, dup, task} <= set(entry["record_ids"]) and entry["outcome"] == "ok"
    slack.assert_no_invalid_calls()


def test_merge_contacts_from_a_digest_group_choosing_the_other_master(driver, slack, sf):
    email = unique("c.") + "@example.com"
    a = sf.insert("Contact", {"LastName": "A", "Email": email, "Title": "CEO"})
    b = sf.insert("Contact", {"LastName": "B", "Email": email, "Title": "CTO"})
    item = DigestItem(title=email, url=None, merge_ids=(a, b))
    view = open_merge(driver, slack, message=digest_message(item, "1700000000.000200"))
    fields = [bl for bl in view["blocks"] if bl["block_id"].startswith("sf_merge_field:")]
    assert all(bl["optional"] and "initial_option" not in bl["element"] for bl in fields)
    # b is the master; the title is a's; the last name, left unchosen, stays b's
    done = confirm_and_merge(driver, slack, view, choose(b, Title=a))
    assert "Merged 1 contact" in json.dumps(done["blocks"])
    assert (sf.get(b)["Title"], sf.get(b)["LastName"]) == ("CEO", "B") and sf.get(a) is None
    slack.assert_no_invalid_calls()


def test_merge_accounts_moves_their_contacts(driver, slack, sf):
    name = unique("Initech ")
    keep = sf.insert("Account", {"Name": name, "Phone": "1"})
    dup = sf.insert("Account", {"Name": name.lower(), "Phone": "2"})
    contact = sf.insert("Contact", {"LastName": "Milton", "AccountId": dup})
    view = open_merge(driver, slack, message=card_message(sf, keep, "account"))
    confirm_and_merge(driver, slack, view, choose(keep, Name=keep, Phone=dup))
    assert sf.get(keep)["Phone"] == "2" and sf.get(contact)["AccountId"] == keep
    slack.assert_no_invalid_calls()


def test_merge_refusals_send_no_merge(driver, slack, sf):
    merges_before = sum("<urn:merge>" in e["body"] for e in sf.request_log)
    # no duplicates of this lead
    alone = sf.insert(
        "Lead", {"LastName": "Alone", "Company": "C", "Email": unique("a.") + "@x.io"}
    )
    view = open_merge(driver, slack, message=card_message(sf, alone, "lead"))
    assert "nothing to merge" in json.dumps(view["blocks"])
    # a lead and a contact: different objects
    email = unique("x.") + "@x.io"
    lead = sf.insert("Lead", {"LastName": "L", "Company": "C", "Email": email})
    contact = sf.insert("Contact", {"LastName": "C", "Email": email})
    group = DigestItem(title=email, url=None, merge_ids=(lead, contact))
    view = open_merge(driver, slack, message=digest_message(group, "1.2"))
    assert "different objects cannot be merged" in json.dumps(view["blocks"])
    # a converted lead
    email = unique("y.") + "@x.io"
    open_lead = sf.insert("Lead", {"LastName": "Open", "Company": "C", "Email": email})
    converted = sf.insert(
        "Lead", {"LastName": "Conv", "Company": "C", "Email": email, "IsConverted": True}
    )
    group = DigestItem(title=email, url=None, merge_ids=(open_lead, converted))
    view = open_merge(driver, slack, message=digest_message(group, "1.3"))
    assert "converted lead cannot be merged" in json.dumps(view["blocks"])
    # an opportunity is not mergeable: told at once, no modal
    opp = sf.insert(
        "Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2030-01-01"}
    )
    group = DigestItem(title="o", url=None, merge_ids=(opp, opp))
    r = driver.click(
        "sf_record_merge",
        user_id=AGENT,
        channel_id=CHANNEL,
        message=digest_message(group, "1.4"),
    )
    assert r.ack_in_time
    assert sum("<urn:merge>" in e["body"] for e in sf.request_log) == merges_before
    slack.assert_no_invalid_calls()


# --------------------------------------------------------------------------- digest
def test_duplicates_digest_across_leads_and_contacts_then_merge_a_group(driver, slack, sf, sfbot):
    from tests.e2e.harness import ADMIN
    from tests.e2e.test_digest_admin import add, click_row, show_list
    from tests.e2e.test_digest_admin import values as digest_values

    shared = unique("shared.") + "@example.com"
    lead = sf.insert("Lead", {"LastName": "Lead", "Company": "C", "Email": shared})
    contact = sf.insert("Contact", {"LastName": "Contact", "Email": shared.upper()})
    pair = unique("pair.") + "@example.com"
    c1 = sf.insert("Contact", {"LastName": "One", "Email": pair, "Phone": "1"})
    c2 = sf.insert("Contact", {"LastName": "Two", "Email": pair, "Phone": "2"})
    digest_id = add(
        driver, slack, sfbot, digest_values(unique("Dups "), "duplicates"), "duplicates"
    )
    _body, listed = show_list(driver, slack)
    after = len(slack.calls)
    click_row(driver, slack, "sf_digest_run_now", digest_id, listed)
    post = slack.wait_for(
        "chat.postMessage", lambda c: c["args"]["channel"] == ADMIN, after=after, timeout=15
    )
    blocks = post["args"]["blocks"]
    text = json.dumps(blocks)
    assert shared in text.lower() and pair in text
    cross = next(b for b in blocks if shared in json.dumps(b).lower())
    assert {lead, contact} == set(cross["accessory"]["value"].split(","))
    assert "*Leads:* 1" in cross["text"]["text"] and "*Contacts:* 1" in cross["text"]["text"]
    group = next(b for b in blocks if pair in json.dumps(b))
    assert group["accessory"]["action_id"] == "sf_record_merge"
    message = {"ts": "1700000000.000900", "blocks": [{**group, "block_id": "g"}]}
    view = open_merge(driver, slack, message=message)
    confirm_and_merge(driver, slack, view, choose(c1, Phone=c2))
    assert sf.get(c1)["Phone"] == "2" and sf.get(c2) is None
    slack.assert_no_invalid_calls()
