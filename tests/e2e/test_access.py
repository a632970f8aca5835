"""Access, checked in one middleware for every entry point: guests refused with nothing sent
to Salesforce, per-action allow lists by user and by user group (buttons not offered,
commands refused), admin-only ids refused to non-admins even in crafted payloads, every
refusal audited; `/sf help` and App Home offer only what the user may use;
`sfbot access|settings` and `/sf access|settings`."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.access_helpers import (
    AGENT2,
    GUEST,
    SINGLE_GUEST,
    SUPPORT_GROUP,
    audit_entries,
    cli_json,
    printed_manifest,
    start_access_slack,
)
from tests.e2e.harness import ADMIN, AGENT, CHANNEL


@pytest.fixture(scope="module")
def slack():
    fake = start_access_slack()
    fake.add_usergroup(SUPPORT_GROUP, "support", [AGENT])
    yield fake
    fake.stop()


@pytest.fixture(scope="module", autouse=True)
def installed(sfbot, slack):
    slack.install_manifest(printed_manifest(sfbot))


@pytest.fixture(autouse=True)
def open_lists(sfbot):
    yield
    for action in ("delete_record", "convert_lead", "lookup_record", "create_record"):
        sfbot.cli("access", "set", action, "everyone")


def reply(driver, slack, text: str, user: str) -> dict:
    r = driver.slash_command("/sf", text, user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda x: x["url"] == url, timeout=10)["body"]


def crafted(driver, slack, kind: str, user: str, **fields) -> object:
    """An interaction payload with the right ids, built by hand (not from a rendered view)."""
    p = driver._common(kind, user)
    p.update(fields)
    if kind in ("block_actions", "message_action") and "view" not in fields:
        p.setdefault("channel", {"id": CHANNEL, "name": "support"})
        p["response_url"] = slack.new_response_url(CHANNEL, user)
    p.setdefault("trigger_id", slack.issue_trigger_id(user))
    return driver._interactive(p)


def told(slack, r) -> str:
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda x: x["url"] == url, timeout=10)["body"]["text"]


def button(action_id: str, value: str = "00Q000000000001AAA") -> dict:
    return {
        "action_id": action_id,
        "block_id": "crafted",
        "type": "button",
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }


def new_lead(sf, last: str) -> str:
    return sf.insert("Lead", {"LastName": last, "Company": "Access Co", "Email": f"{last}@a.io"})


# ------------------------------------------------------------------------------ guests
@pytest.mark.parametrize("guest", [GUEST, SINGLE_GUEST], ids=["multi", "single"])
def test_guests_are_refused_everywhere_and_nothing_reaches_salesforce(
    driver, slack, sf, sfbot, guest
):
    lead = new_lead(sf, f"guest{guest[-1]}")
    requests = len(sf.request_log)
    for text in ("lookup guest@a.io", "create lead", f"delete {lead}", "help", "status"):
        assert "guests" in reply(driver, slack, text, guest)["text"]
    r = crafted(driver, slack, "block_actions", guest, actions=[button("sf_record_delete", lead)])
    assert "guests" in told(slack, r)
    r = crafted(
        driver,
        slack,
        "message_action",
        guest,
        callback_id="sf_run_flow",  # any message shortcut, the flow shortcut included
        message={"type": "message", "ts": "1.000001", "text": "hi", "user": AGENT},
    )
    assert "guests" in told(slack, r)
    after = len(slack.calls)
    crafted(driver, slack, "shortcut", guest, callback_id="sf_create_record")
    shown = slack.wait_for("views.open", after=after, timeout=10)
    assert "guests" in json.dumps(shown["args"]["view"])
    r = crafted(
        driver,
        slack,
        "view_submission",
        guest,
        view={
            "id": "V0CRAFTED",
            "type": "modal",
            "callback_id": "sf_create_modal",
            "state": {"values": {}},
        },
    )
    assert r.json()["response_action"] == "update" and "guests" in json.dumps(r.json())
    assert len(sf.request_log) == requests
    refused = [e for e in audit_entries(sfbot) if e["slack_user_id"] == guest]
    assert len(refused) >= 9 and {e["outcome"] for e in refused} == {"refused"}
    assert {e["error_code"] for e in refused} == {"guest"}
    slack.assert_no_invalid_calls()


# ------------------------------------------------------------------------- allow lists
def test_allow_list_by_user_hides_the_button_and_refuses_the_command(driver, slack, sf, sfbot):
    cli_json(sfbot, "access", "set", "delete_record", ADMIN)
    lead = new_lead(sf, "listed")
    agent_card = json.dumps(reply(driver, slack, f"lookup {lead}", AGENT)["blocks"])
    assert "sf_record_update" in agent_card and "sf_record_delete" not in agent_card
    assert "sf_record_delete" in json.dumps(reply(driver, slack, f"lookup {lead}", ADMIN))
    requests = len(sf.request_log)
    refusal = reply(driver, slack, f"delete {lead}", AGENT)["text"]
    assert "not allowed to delete records" in refusal
    r = crafted(driver, slack, "block_actions", AGENT, actions=[button("sf_record_delete", lead)])
    assert "not allowed" in told(slack, r)
    assert len(sf.request_log) == requests
    entry = next(e for e in audit_entries(sfbot) if e["outcome"] == "refused")
    assert (entry["action"], entry["error_code"]) == ("delete_record", "not_allowed")


def test_allow_list_by_user_group(driver, slack, sf, sfbot):
    cli_json(sfbot, "access", "set", "convert_lead", f"{ADMIN},{SUPPORT_GROUP}")
    lead = new_lead(sf, "grouped")
    assert "sf_record_convert" in json.dumps(reply(driver, slack, f"lookup {lead}", AGENT))
    outside = json.dumps(reply(driver, slack, f"lookup {lead}", AGENT2))
    assert "sf_record_convert" not in outside and "sf_record_update" in outside
    assert "not allowed to convert" in reply(driver, slack, f"convert {lead}", AGENT2)["text"]
    assert slack.calls_to("usergroups.users.list")[-1]["response"]["ok"] is True


def test_lookup_list_keeps_others_out_of_lookup(driver, slack, sfbot):
    cli_json(sfbot, "access", "set", "lookup_record", AGENT)
    assert "not allowed to look up" in reply(driver, slack, "lookup x@a.io", AGENT2)["text"]
    assert "not allowed" not in reply(driver, slack, "lookup x@a.io", AGENT)["text"]


def test_access_cli_shows_and_refuses_bad_input(sfbot):
    cli_json(sfbot, "access", "set", "delete_record", f"{ADMIN}, {SUPPORT_GROUP}")
    shown = cli_json(sfbot, "access", "show", "--json")["access"]
    assert shown["delete_record"] == [ADMIN, SUPPORT_GROUP]
    assert shown["create_record"] == "everyone" and "merge_records" in shown
    for args in (("nuke_records", "everyone"), ("delete_record", "ada,bob"), ("delete_record", "")):
        result = sfbot.cli("access", "set", *args)
        assert result.returncode == 2, result.stdout
        assert json.loads(result.stdout)["error"]["code"] == "INVALID_ACCESS"


# ---------------------------------------------------------- what help and App Home offer
def home_for(driver, slack, user: str) -> str:
    after = len(slack.calls)
    assert driver.app_home_opened(user).status_code == 200
    call = slack.wait_for(
        "views.publish", lambda c: c["args"].get("user_id") == user, after=after, timeout=10
    )
    assert call["response"]["ok"], call["response"]
    return json.dumps(call["args"]["view"])


def test_help_and_app_home_offer_only_what_the_user_may_use(driver, slack, sfbot):
    cli_json(sfbot, "access", "set", "delete_record", ADMIN)
    admin_commands = ("/sf connect", "/sf disconnect", "/sf digest", "/sf flow", "/sf settings")
    for shown in (json.dumps(reply(driver, slack, "help", AGENT)), home_for(driver, slack, AGENT)):
        assert "/sf lookup" in shown and "/sf create" in shown
        assert "/sf delete" not in shown and "/sf access" not in shown
        assert not [c for c in admin_commands if c in shown]
        assert "some are for sfbot admins only" in shown
    for shown in (json.dumps(reply(driver, slack, "help", ADMIN)), home_for(driver, slack, ADMIN)):
        assert "/sf delete" in shown and "/sf access" in shown
        assert all(c in shown for c in admin_commands) and "_(admins)_" in shown
        assert "some are for sfbot admins only" not in shown
    slack.assert_no_invalid_calls()


# -------------------------------------------------------------------------- admin-only
@pytest.mark.parametrize("sub", ["connect", "disconnect", "digest list", "settings", "access"])
def test_admin_commands_refused_to_members(driver, slack, sub):
    assert "for sfbot admins only" in reply(driver, slack, sub, AGENT)["text"]


@pytest.mark.parametrize(
    ("action_id", "command"),
    [
        ("sf_disconnect", "disconnect"),
        ("sf_connect_flow", "connect"),
        ("sf_digest_delete", "digest"),
        ("sf_digest_run_now", "digest"),
        ("sf_digest_toggle", "digest"),
        ("sf_digest_edit", "digest"),
        ("sf_flow_toggle", "flow"),
        ("sf_flow_runs", "flow"),
    ],
)
def test_crafted_admin_clicks_refused(driver, slack, sfbot, action_id, command):
    """Refused by the middleware (the listeners no longer check), naming the command."""
    r = crafted(driver, slack, "block_actions", AGENT, actions=[button(action_id, "1")])
    assert told(slack, r) == f":lock: `/sf {command}` is for sfbot admins only."
    assert cli_json(sfbot, "status", "--json", "--offline")["connected"] is True
    entry = next(e for e in audit_entries(sfbot) if e["action"] == action_id)
    assert (entry["outcome"], entry["error_code"]) == ("refused", "admin_only")


@pytest.mark.parametrize(
    ("callback_id", "action_id", "command"),
    [
        ("sf_digest_modal", "sf_digest_kind", "digest"),
        ("sf_connect_modal", "sf_connect_flow", "connect"),
    ],
)
def test_crafted_admin_clicks_in_a_modal_refused_in_the_modal(
    driver, slack, callback_id, action_id, command
):
    after = len(slack.calls)
    view = {"id": "V0CRAFTED", "type": "modal", "callback_id": callback_id, "state": {"values": {}}}
    selected = {"selected_option": {"value": "jwt_bearer"}}
    crafted(
        driver, slack, "block_actions", AGENT, view=view, actions=[button(action_id) | selected]
    )
    update = slack.wait_for("views.update", after=after, timeout=10)
    assert update["args"]["view_id"] == "V0CRAFTED"
    assert f"`/sf {command}` is for sfbot admins only" in json.dumps(update["args"]["view"])


@pytest.mark.parametrize("callback_id", ["sf_connect_modal", "sf_digest_modal"])
def test_crafted_admin_submissions_refused(driver, slack, sfbot, callback_id):
    view = {"id": "V0CRAFTED", "type": "modal", "callback_id": callback_id, "state": {"values": {}}}
    r = crafted(driver, slack, "view_submission", AGENT, view=view)
    body = r.json()
    assert body["response_action"] == "update" and "admins only" in json.dumps(body)
    entry = next(e for e in audit_entries(sfbot) if e["action"] == callback_id)
    assert (entry["outcome"], entry["error_code"]) == ("refused", "admin_only")


def test_admins_change_settings_and_access_from_slack(driver, slack, sfbot):
    text = reply(driver, slack, "settings set unfurls cards", ADMIN)["text"]
    assert "`unfurls` is now `cards`" in text
    assert cli_json(sfbot, "settings", "show", "--json")["settings"]["unfurls"] == "cards"
    assert "names|cards" in reply(driver, slack, "settings set unfurls loud", ADMIN)["text"]
    text = reply(driver, slack, f"access set create_record <@{AGENT}|sam>", ADMIN)["text"]
    assert AGENT in text
    assert cli_json(sfbot, "access", "show", "--json")["access"]["create_record"] == [AGENT]
    assert f"<@{AGENT}>" in reply(driver, slack, "access", ADMIN)["text"]
    cli_json(sfbot, "settings", "set", "unfurls", "names")


def test_settings_cli(sfbot):
    assert cli_json(sfbot, "settings", "show", "--json")["settings"] == {
        "unfurls": "names",
        "unfurls_external": "off",
    }
    result = sfbot.cli("settings", "set", "unfurls", "everything")
    assert result.returncode == 2 and json.loads(result.stdout)["error"]["code"] == (
        "INVALID_SETTING"
    )
