"""`/sf status`, `/sf connect`, `/sf disconnect` and App Home, over real HTTP.

Admins come from users.info (SFBOT_ADMINS is not set): ADMIN is a workspace admin, OWNER
its owner, AGENT neither. The disconnect test runs last and connects again afterwards.
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from actions.connect import ATTRIBUTION_REMINDER
from tests.e2e.harness import ADMIN, AGENT, CC_CLIENT_ID, CC_CLIENT_SECRET, CHANNEL, OWNER

WRONG_SECRET = "wrong-secret-NEVER-ECHO-42"
JWT_CLIENT_ID = "3MVG9e2e.jwt.bearer"


def command(driver, slack, text: str, user: str = AGENT) -> dict:
    """Send `/sf <text>`; return the reply posted to its response_url."""
    r = driver.slash_command("/sf", text, user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    url = r.payload["response_url"]
    return slack.wait_for_response(lambda resp: resp["url"] == url, timeout=10)["body"]


def all_text(body: dict) -> str:
    return json.dumps(body.get("blocks", [])) + body.get("text", "")


def cli_status(sfbot) -> dict:
    result = sfbot.cli("status", "--json", "--offline")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def open_connect_modal(driver, slack, user: str = ADMIN) -> dict:
    after = len(slack.calls)
    r = driver.slash_command("/sf", "connect", user_id=user, channel_id=CHANNEL)
    assert r.status_code == 200 and r.ack_in_time
    call = slack.wait_for("views.open", after=after)
    assert call["response"]["ok"], call["response"]
    return call["response"]["view"]


def credentials(sf, secret: str) -> dict:
    return {
        "sf_login_url": {"sf_field_input": sf.login_url},
        "sf_client_id": {"sf_field_input": CC_CLIENT_ID},
        "sf_client_secret": {"sf_field_input": secret},
    }


def assert_secret_never_echoed(sfbot, slack, *secrets: str) -> None:
    recorded = json.dumps(slack.calls) + json.dumps(slack.responses)
    log = sfbot.log()
    for secret in secrets:
        assert secret not in recorded
        assert secret not in log


# --------------------------------------------------------------------------- /sf status
def test_status_shows_the_connection_and_api_usage(driver, slack, sf):
    sf.api_usage = (4321, 50000)
    body = command(driver, slack, "status")
    assert body["response_type"] == "ephemeral"
    text = all_text(body)
    assert "Connected to Salesforce" in text
    for value in (sf.instance_url, sf.org_id, sf.user_id, sf.username, "62.0", "`api`"):
        assert value in text
    assert sf.api_usage[0] == 4322  # the one call to /limits
    assert "4,322 / 50,000 requests today" in text
    for action in ("create_record(object, name, phone?", "lookup_record(", "convert_lead("):
        assert action in text
    slack.assert_no_invalid_calls()


def test_status_after_tokens_expire_is_still_connected(driver, slack, sf):
    before = sf.token_requests
    sf.expire_all_tokens()
    body = command(driver, slack, "status")
    assert "Connected to Salesforce" in all_text(body)
    assert sf.token_requests == before + 1


def test_status_when_salesforce_refuses_the_secret(driver, slack, sf, sfbot):
    sf.add_connected_app(CC_CLIENT_ID, client_secret="rotated-in-salesforce")
    sf.expire_all_tokens()
    try:
        body = command(driver, slack, "status")
        text = all_text(body)
        assert "Not connected to Salesforce" in text
        assert "(token refused)" in text
        assert sf.org_id in text  # the stored details are still shown
        assert cli_status(sfbot)["reason"] == "token_refused"
    finally:
        sf.add_connected_app(CC_CLIENT_ID, client_secret=CC_CLIENT_SECRET)
    body = command(driver, slack, "status")
    assert "Connected to Salesforce" in all_text(body)
    slack.assert_no_invalid_calls()


# -------------------------------------------------------------------------- /sf connect
def test_connect_lists_scopes_and_connects_with_client_credentials(driver, slack, sf, sfbot):
    view = open_connect_modal(driver, slack)
    text = json.dumps(view["blocks"])
    assert "`api`" in text and "`id`" in text
    assert "replaces that connection" in text
    assert "sfbot connect web" in text
    r = driver.view_submission(view, credentials(sf, CC_CLIENT_SECRET), user_id=ADMIN)
    assert r.status_code == 200 and r.ack_in_time
    ack = r.json()
    assert ack["response_action"] == "update"
    result = json.dumps(slack.views[view["id"]]["blocks"])
    for value in (sf.org_id, sf.username, "`api`"):
        assert value in result
    reminder = ATTRIBUTION_REMINDER.format(username=sf.username)
    assert reminder.split(".")[0] in result
    status = cli_status(sfbot)
    assert status["connected"] is True
    assert status["connected_by"] == f"slack:{ADMIN}"
    assert_secret_never_echoed(sfbot, slack, CC_CLIENT_SECRET)
    slack.assert_no_invalid_calls()


def test_connect_with_a_wrong_secret_keeps_the_old_connection(driver, slack, sf, sfbot):
    before = cli_status(sfbot)
    view = open_connect_modal(driver, slack, user=OWNER)
    r = driver.view_submission(view, credentials(sf, WRONG_SECRET), user_id=OWNER)
    ack = r.json()
    assert ack["response_action"] == "errors"
    assert "sf_client_secret" in ack["errors"]
    after = cli_status(sfbot)
    assert after["connected"] is True
    assert after["connected_at"] == before["connected_at"]
    assert_secret_never_echoed(sfbot, slack, WRONG_SECRET, CC_CLIENT_SECRET)
    # the claim was released: the admin can correct the secret and submit the same modal
    r = driver.view_submission(view, credentials(sf, CC_CLIENT_SECRET), user_id=OWNER)
    assert r.json()["response_action"] == "update"
    assert cli_status(sfbot)["connected_by"] == f"slack:{OWNER}"
    slack.assert_no_invalid_calls()


def test_connect_field_errors_for_a_bad_login_url_and_key(driver, slack, sf):
    view = open_connect_modal(driver, slack)
    values = credentials(sf, CC_CLIENT_SECRET)
    values["sf_login_url"] = {"sf_field_input": "http://login.salesforce.com/path"}
    ack = driver.view_submission(view, values, user_id=ADMIN).json()
    assert ack["response_action"] == "errors"
    assert "https" in ack["errors"]["sf_login_url"]
    # switch to JWT: the modal is updated with the JWT inputs
    after = len(slack.calls)
    driver.click("sf_connect_flow", user_id=ADMIN, view=view, selected="jwt")
    call = slack.wait_for("views.update", after=after)
    assert call["response"]["ok"], call["response"]
    view = slack.views[view["id"]]
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"sf_username", "sf_private_key"} <= blocks and "sf_client_secret" not in blocks
    assert json.loads(view["private_metadata"].partition(".")[2]) == {"flow": "jwt"}
    ack = driver.view_submission(
        view,
        {
            "sf_login_url": {"sf_field_input": sf.login_url},
            "sf_client_id": {"sf_field_input": CC_CLIENT_ID},
            "sf_username": {"sf_field_input": sf.username},
            "sf_private_key": {"sf_field_input": "-----BEGIN PRIVATE KEY-----\nnope\n"},
        },
        user_id=ADMIN,
    ).json()
    assert ack["response_action"] == "errors"
    assert "sf_private_key" in ack["errors"]
    slack.assert_no_invalid_calls()


def test_connect_with_jwt_bearer(driver, slack, sf, sfbot):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sf.add_connected_app(JWT_CLIENT_ID, public_key_pem=public)
    sf.experience_sites.add(sf.login_url)  # the aud sfbot sends for a host it does not know
    view = open_connect_modal(driver, slack)
    driver.click("sf_connect_flow", user_id=ADMIN, view=view, selected="jwt")
    slack.wait_for("views.update", lambda c: c["args"].get("view_id") == view["id"])
    values = {
        "sf_login_url": {"sf_field_input": sf.login_url},
        "sf_client_id": {"sf_field_input": JWT_CLIENT_ID},
        "sf_username": {"sf_field_input": sf.username},
        "sf_private_key": {"sf_field_input": pem},
    }
    r = driver.view_submission(slack.views[view["id"]], values, user_id=ADMIN)
    assert r.json()["response_action"] == "update"
    assert sf.org_id in json.dumps(slack.views[view["id"]]["blocks"])
    status = cli_status(sfbot)
    assert status["connected"] is True and status["connected_by"] == f"slack:{ADMIN}"
    body = command(driver, slack, "status")
    assert "Connected to Salesforce" in all_text(body)
    key_body = pem.splitlines()[1]
    assert_secret_never_echoed(sfbot, slack, key_body)
    slack.assert_no_invalid_calls()


def test_non_admins_are_refused(driver, slack, sf, sfbot):
    for sub in ("connect", "disconnect"):
        after = len(slack.calls)
        body = command(driver, slack, sub, user=AGENT)
        assert "for sfbot admins only" in body["text"]
        assert not [c for c in slack.calls[after:] if c["method"] == "views.open"]
    # an agent submitting an admin's modal is refused too, and nothing changes
    before = cli_status(sfbot)
    view = open_connect_modal(driver, slack)
    ack = driver.view_submission(view, credentials(sf, CC_CLIENT_SECRET), user_id=AGENT).json()
    assert ack["response_action"] == "update"
    assert "admins only" in json.dumps(ack["view"])
    assert cli_status(sfbot)["connected_at"] == before["connected_at"]
    slack.assert_no_invalid_calls()


# ---------------------------------------------------------------------------- App Home
def test_app_home_shows_the_connection_and_recent_actions(driver, slack, sf):
    sf.insert("Lead", {"LastName": "Homer", "Company": "Home", "Email": "home.e2e@example.com"})
    command(driver, slack, "lookup home.e2e@example.com")
    after = len(slack.calls)
    r = driver.app_home_opened(AGENT)
    assert r.status_code == 200
    call = slack.wait_for(
        "views.publish", lambda c: c["args"].get("user_id") == AGENT, after=after, timeout=10
    )
    assert call["response"]["ok"], call["response"]
    text = json.dumps(call["args"]["view"])
    assert "Connected to Salesforce" in text
    assert sf.org_id in text
    assert "`lookup_record`" in text
    assert "/sf lookup" in text
    slack.assert_no_invalid_calls()


# -------------------------------------------------------------------------- disconnect
@pytest.fixture
def reconnect_after(sfbot):
    yield
    if not cli_status(sfbot)["connected"]:
        sfbot.connect()


def test_disconnect_after_confirm_revokes_and_deletes_secrets(
    driver, slack, sf, sfbot, reconnect_after
):
    body = command(driver, slack, "disconnect", user=ADMIN)
    button = next(b for b in body["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == "sf_disconnect" and "confirm" in button
    prompt = next(
        e for e in slack.ephemerals if e["user"] == ADMIN and "sf_disconnect" in json.dumps(e)
    )
    # a non-admin clicking the button is refused
    r = driver.click(
        "sf_disconnect",
        user_id=AGENT,
        channel_id=CHANNEL,
        message=prompt["message"],
        ephemeral=True,
    )
    refusal = slack.wait_for_response(lambda x: x["url"] == r.payload["response_url"])
    assert "admins only" in refusal["body"]["text"]
    assert cli_status(sfbot)["connected"] is True
    # the admin confirms: revoked, and the prompt is replaced by the outcome
    r = driver.click(
        "sf_disconnect",
        user_id=ADMIN,
        channel_id=CHANNEL,
        message=prompt["message"],
        ephemeral=True,
    )
    assert r.status_code == 200 and r.ack_in_time
    outcome = slack.wait_for_response(lambda x: x["url"] == r.payload["response_url"], timeout=10)
    assert outcome["body"]["replace_original"] is True
    assert "revoked at Salesforce" in outcome["body"]["text"]
    assert "disconnected sfbot" in prompt["message"]["text"]
    status = cli_status(sfbot)
    assert status["connected"] is False and status["reason"] == "never_connected"
    body = command(driver, slack, "status")
    assert "(never connected)" in all_text(body)
    slack.assert_no_invalid_calls()
