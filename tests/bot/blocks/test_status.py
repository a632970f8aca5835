"""The `/sf status` blocks and the `/sf disconnect` messages."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from actions.connect import REASON_TEXT, ConnectionStatus
from actions.registry import ACTIONS
from bot.blocks.status import (
    action_line,
    disconnect_outcome,
    disconnect_prompt,
    status_blocks,
    status_text,
)
from tests.fakes.slack.blockkit import validate_blocks

ACTIONS_DESCRIBED = [a.describe() for a in ACTIONS.values()]


def connected(**overrides) -> ConnectionStatus:
    values = {
        "connected": True,
        "flow": "client_credentials",
        "instance_url": "https://acme.my.salesforce.com",
        "org_id": "00D000000000001AAA",
        "user_id": "005000000000001AAA",
        "username": "integration@acme.example",
        "api_version": "62.0",
        "scopes": ["api", "id"],
        "api_usage": {"used": 1234, "max": 100000},
        "connected_by": "slack:U0ADMIN01",
        "connected_at": "2024-05-01T09:00:00+00:00",
        "actions": ACTIONS_DESCRIBED,
    }
    return ConnectionStatus(**(values | overrides))


def dumped(blocks: list[Block]) -> list[dict]:
    out = [b.to_dict() for b in blocks]
    assert validate_blocks(out, "message") == []
    return out


def test_connected_status_shows_every_field():
    text = json.dumps(dumped(status_blocks(connected())))
    assert "Connected to Salesforce" in text
    for value in (
        "https://acme.my.salesforce.com",
        "00D000000000001AAA",
        "integration@acme.example",
        "62.0",
        "`api` `id`",
        "1,234 / 100,000",
        "slack:U0ADMIN01",
    ):
        assert value in text
    assert "org 00D000000000001AAA" in status_text(connected())


def test_actions_are_listed_with_optional_inputs_marked():
    text = json.dumps(dumped(status_blocks(connected())))
    for name in ACTIONS:
        assert f"`{name}(" in text
    line = action_line(ACTIONS["create_record"].describe())
    assert "create_record(object, name, phone?, description?, email?, fields?, allow_save?)" in line
    assert "→ `{id}`" in line


def test_each_reason_is_named():
    never = ConnectionStatus(
        connected=False,
        reason="never_connected",
        detail=REASON_TEXT["never_connected"],
        actions=ACTIONS_DESCRIBED,
    )
    text = json.dumps(dumped(status_blocks(never)))
    assert "Not connected to Salesforce* (never connected)" in text
    assert "/sf connect" in text
    assert "not connected (never connected)" in status_text(never)
    refused = connected(connected=False, reason="token_refused", detail="bad <secret> & co")
    text = json.dumps(dumped(status_blocks(refused)))
    assert "(token refused)" in text
    assert "bad &lt;secret&gt; &amp; co" in text
    unreachable = connected(connected=False, reason="org_unreachable", detail="timeout")
    assert "(org unreachable)" in json.dumps(dumped(status_blocks(unreachable)))


def test_user_text_is_escaped():
    text = json.dumps(dumped(status_blocks(connected(username="<!channel> & me"))))
    assert "&lt;!channel&gt; &amp; me" in text
    assert "<!channel>" not in text


def test_disconnect_prompt_has_a_danger_button_behind_a_confirm():
    blocks = dumped(disconnect_prompt(connected()))
    button = blocks[-1]["elements"][0]
    assert button["action_id"] == "sf_disconnect"
    assert button["style"] == "danger"
    assert button["confirm"]["confirm"]["text"] == "Disconnect"
    assert "00D000000000001AAA" in blocks[0]["text"]["text"]


def test_disconnect_prompt_without_a_connection_has_no_button():
    blocks = dumped(disconnect_prompt(ConnectionStatus(connected=False)))
    assert all(b["type"] != "actions" for b in blocks)
    assert "nothing to disconnect" in json.dumps(blocks)


def test_disconnect_outcomes():
    done = json.dumps(dumped(disconnect_outcome({"was_connected": True, "revoked": True}, "U1")))
    assert "<@U1> disconnected" in done and "revoked at Salesforce" in done
    unrevoked = disconnect_outcome({"was_connected": True, "revoked": False}, "U1")
    assert "did not confirm" in json.dumps(dumped(unrevoked))
    nothing = disconnect_outcome({"was_connected": False, "revoked": False}, "U1")
    assert "nothing to do" in json.dumps(dumped(nothing))
