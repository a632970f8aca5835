"""Trust nothing a client sends back (issue 7.6): private_metadata is signed by sfbot, so an
edited one (or one that is not even JSON) is refused with a plain modal and a 200; a create
writes only the inputs the modal offered; a non-admin cannot use the connect form's switch."""

from __future__ import annotations

import copy
import json

import pytest

from tests.e2e.harness import ADMIN, AGENT, CHANNEL
from tests.e2e.test_create_update import (
    NAME,
    create_values,
    field,
    open_create,
    open_update,
    unique,
    values,
)
from tests.fakes.slack import payloads

FORGED = "changed on the way"


def submit_edited(driver, slack, view: dict, state: dict, edit) -> dict:
    """A signed view_submission whose view was edited by ``edit`` after Slack filled it."""
    current = copy.deepcopy(slack.views[view["id"]])
    current["state"] = payloads.fill_state(current, state)
    edit(current)
    p = driver._common("view_submission", AGENT)
    p["view"] = current
    r = driver._interactive(p)
    if r.status_code == 400:  # refused as malformed by the request guard: also fine
        return {"status": 400}
    assert r.status_code == 200, r.text
    return r.json() if r.text else {}


def posts(sf, path: str) -> int:
    return sum(1 for e in sf.request_log if e["method"] in ("POST", "PATCH") and path in e["path"])


@pytest.mark.parametrize(
    "metadata",
    ["{x", "null", "[]", '{"object": 5}', '{"object": "lead"}', "abc.{}", 7, None],
)
def test_forged_create_metadata_is_refused_without_writing(driver, slack, sf, metadata):
    view = open_create(driver, slack, "create lead")
    before = posts(sf, "sobjects/")

    def forge(v: dict) -> None:
        v["private_metadata"] = metadata

    body = submit_edited(driver, slack, view, create_values("lead", **{NAME: unique()}), forge)
    if not isinstance(metadata, str):  # not even a string: the request guard's 400, or
        assert body.get("status") == 400 or body.get("response_action")  # a plain answer
    else:
        assert body["response_action"] == "update"
        assert FORGED in json.dumps(body["view"])
    assert posts(sf, "sobjects/") == before


def test_a_swapped_record_id_in_update_metadata_is_refused(driver, slack, sf):
    mine = sf.insert("Lead", {"LastName": "Mine", "Company": "A"})
    other = sf.insert("Account", {"Name": "Not yours"})
    view = open_update(driver, slack, mine)

    def swap(v: dict) -> None:
        v["private_metadata"] = v["private_metadata"].replace(mine, other)

    body = submit_edited(driver, slack, view, values(**{NAME: "Changed"}), swap)
    assert FORGED in json.dumps(body["view"])
    assert sf.get(mine)["LastName"] == "Mine" and sf.get(other)["Name"] == "Not yours"
    assert posts(sf, "sobjects/") == 0 or all(
        e["method"] != "PATCH" for e in sf.request_log if other in e["path"]
    )


def test_an_extra_field_block_is_not_written(driver, slack, sf):
    view = open_create(driver, slack, "create lead")
    name = unique("Extra ")
    owner_block = field("OwnerId")

    def add_owner(v: dict) -> None:
        v["blocks"].append(
            {
                "type": "input",
                "block_id": owner_block,
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "plain_text_input", "action_id": "sf_field_input"},
            }
        )
        v["state"]["values"][owner_block] = {
            "sf_field_input": {"type": "plain_text_input", "value": "005000000000099AAA"}
        }

    n = len(sf.request_log)
    submit_edited(driver, slack, view, create_values("lead", **{NAME: name}), add_owner)
    sent = [e["body"] for e in sf.request_log[n:] if e["method"] == "POST"]
    assert sent and all("OwnerId" not in b for b in sent), sent
    lead = next(r for r in sf.records("Lead") if r["LastName"] == name.split()[-1])
    assert lead["OwnerId"] != "005000000000099AAA"


def test_a_non_admin_cannot_switch_the_connect_form(driver, slack, sf):
    after = len(slack.calls)
    r = driver.slash_command("/sf", "connect", user_id=ADMIN, channel_id=CHANNEL)
    assert r.ack_in_time
    view = slack.wait_for("views.open", after=after)["response"]["view"]
    after = len(slack.calls)
    driver.click("sf_connect_flow", user_id=AGENT, view=view, selected="jwt")
    call = slack.wait_for("views.update", after=after, timeout=10)
    shown = json.dumps(call["args"]["view"])
    assert "admins only" in shown and "sf_private_key" not in shown


def test_a_forged_metadata_on_the_object_picker_is_refused(driver, slack, sf):
    view = open_create(driver, slack, "create")
    with slack._lock:
        slack.views[view["id"]]["private_metadata"] = '{"object": "lead"}'
    after = len(slack.calls)
    driver.click("sf_object_picker", user_id=AGENT, view=view, selected="lead")
    call = slack.wait_for(
        "views.update", lambda c: c["args"].get("view_id") == view["id"], after=after, timeout=10
    )
    assert FORGED in json.dumps(call["args"]["view"])
