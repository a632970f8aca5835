"""The `/sf connect` modal and its result views."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.views import View

from actions.connect import ATTRIBUTION_REMINDER, scope_review
from bot.blocks.connect_modal import (
    DEFAULT_FLOW,
    FLOWS,
    closed_view,
    connect_modal,
    connected_view,
    flow_blocks,
    working_view,
)
from bot.signed_metadata import unseal
from tests.fakes.slack.blockkit import validate_view


def valid(view: View) -> dict:
    d = view.to_dict()
    View(**d).validate_json()
    assert validate_view(d) == []
    return d


def input_ids(d: dict) -> list[str]:
    return [b["block_id"] for b in d["blocks"] if b["type"] == "input"]


def test_client_credentials_form_reviews_scopes_first():
    d = valid(connect_modal("client_credentials", scope_review("client_credentials")))
    assert d["callback_id"] == "sf_connect_modal"
    assert unseal(d["private_metadata"]) == {"flow": "client_credentials"}
    first = d["blocks"][0]["text"]["text"]
    for item in scope_review("client_credentials"):
        assert f"`{item['scope']}`" in first
    assert input_ids(d) == ["sf_login_url", "sf_client_id", "sf_client_secret"]
    assert input_ids(d) == list(flow_blocks("client_credentials"))
    assert "sfbot connect web" in json.dumps(d)
    radio = next(b for b in d["blocks"] if b["type"] == "actions")["elements"][0]
    assert radio["action_id"] == "sf_connect_flow"
    assert radio["initial_option"]["value"] == "client_credentials"


def test_jwt_form_takes_username_and_a_multiline_key():
    d = valid(connect_modal("jwt", scope_review("jwt")))
    assert unseal(d["private_metadata"]) == {"flow": "jwt"}
    assert input_ids(d) == ["sf_login_url", "sf_client_id", "sf_username", "sf_private_key"]
    key = next(b for b in d["blocks"] if b.get("block_id") == "sf_private_key")
    assert key["element"]["multiline"] is True
    assert "initial_value" not in key["element"]


def test_login_url_has_no_default_and_the_client_credentials_hint_asks_for_my_domain():
    for flow in ("client_credentials", "jwt"):
        d = valid(connect_modal(flow, scope_review(flow)))
        login = next(b for b in d["blocks"] if b.get("block_id") == "sf_login_url")
        assert "initial_value" not in login["element"]
        assert login["element"]["placeholder"]["text"] == "https://login.salesforce.com"
        if flow == "client_credentials":
            assert "My Domain" in login["hint"]["text"]
        else:
            key = next(b for b in d["blocks"] if b.get("block_id") == "sf_private_key")
            assert key["element"]["max_length"] == 3000
            assert "2048-bit" in key["hint"]["text"] and "sfbot connect jwt" in key["hint"]["text"]


@pytest.mark.parametrize("flow", ["web", "nonsense", ""])  # web is CLI-only (a browser)
def test_unknown_flow_falls_back_and_secrets_have_no_initial_value(flow):
    assert flow not in FLOWS
    d = valid(connect_modal(flow, scope_review("client_credentials")))
    # the form is the default flow's, in every part: what is stored, chosen and asked
    assert unseal(d["private_metadata"]) == {"flow": DEFAULT_FLOW} == {"flow": "client_credentials"}
    radio = next(b for b in d["blocks"] if b.get("block_id") == "sf_connect_flow")
    assert radio["elements"][0]["initial_option"]["value"] == DEFAULT_FLOW
    assert input_ids(d) == list(flow_blocks(DEFAULT_FLOW))
    secret = next(b for b in d["blocks"] if b.get("block_id") == "sf_client_secret")
    assert "initial_value" not in secret["element"]


def test_replacing_and_error_are_shown_at_the_top():
    d = valid(
        connect_modal(
            "client_credentials",
            scope_review("client_credentials"),
            replacing="org 00D1 as a@b.c",
            error=":no_entry: refused",
        )
    )
    assert d["blocks"][0]["block_id"] == "sf_error"
    assert "refused" in d["blocks"][0]["text"]["text"]
    assert "replaces that connection" in json.dumps(d)


def test_connected_view_shows_org_user_scopes_and_attribution():
    d = valid(
        connected_view(
            instance_url="https://acme.my.salesforce.com",
            org_id="00D1",
            username="int@acme.example",
            scopes=["api", "id"],
            reminder=ATTRIBUTION_REMINDER.format(username="int@acme.example"),
        )
    )
    text = d["blocks"][0]["text"]["text"]
    assert "`00D1`" in text and "int@acme.example" in text and "`api` `id`" in text
    assert "attributed to int@acme.example" in text
    assert "submit" not in d


def test_other_views_are_valid():
    for view in (working_view(), closed_view()):
        valid(view)
