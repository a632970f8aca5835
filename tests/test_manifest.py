"""manifest.yml is valid against Slack's published manifest JSON Schema (offline) and
declares exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.ids import COMMAND, CallbackId

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "data" / "slack"  # Slack's schema, MIT (LICENSE.manifest-schema)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_matches_slack_schema(manifest):
    version = manifest["_metadata"]["major_version"]
    path = SCHEMAS / f"manifest.schema.{version}.0.0.json"
    assert path.exists(), f"Slack's schema {path} is missing"
    schema = json.loads(path.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_manifest_declares_what_the_code_listens_to(manifest):
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    callbacks = {s["callback_id"]: s["type"] for s in features["shortcuts"]}
    assert callbacks == {
        CallbackId.GLOBAL_CREATE.value: "global",
        CallbackId.MESSAGE_CREATE.value: "message",
        CallbackId.MESSAGE_ADD_TO_RECORD.value: "message",
        CallbackId.MESSAGE_RUN_FLOW.value: "message",
    }
    assert features["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_manifest_asks_only_for_the_scopes_it_uses(manifest):
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        [
            "commands",
            "chat:write",
            "users:read",
            "channels:read",
            "groups:read",
            "channels:history",
            "groups:history",
            "users:read.email",
            "reactions:read",
            "usergroups:read",
        ]
    )


def test_manifest_subscribes_to_the_events_the_listeners_handle(manifest):
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(
        ["app_home_opened", "message.channels", "message.groups", "reaction_added"]
    )
