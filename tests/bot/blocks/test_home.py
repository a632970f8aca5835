"""The App Home tab."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk.models.views import View

from actions.connect import ConnectionStatus
from bot.blocks.help import ADMINS_NOTE
from bot.blocks.home import audit_line, home_view
from bot.listeners.commands.sf import SUBCOMMANDS
from bot.permissions import ACCESS_ACTIONS, UserAccess
from storage.audit_store import AuditEntry
from tests.fakes.slack.blockkit import validate_view

AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
MEMBER = UserAccess(is_admin=False, actions=frozenset(ACCESS_ACTIONS))
ADMIN = UserAccess(is_admin=True, actions=frozenset(ACCESS_ACTIONS))
NEVER = ConnectionStatus(connected=False, reason="never_connected", detail="never")


def home(entries: list[AuditEntry], access: UserAccess, status: ConnectionStatus = NEVER) -> str:
    return json.dumps(valid(home_view(status, entries, SUBCOMMANDS.values(), access)))


def valid(view: View) -> dict:
    d = view.to_dict()
    View(**d).validate_json()
    assert validate_view(d) == []
    return d


def test_home_shows_connection_recent_actions_and_how_to():
    status = ConnectionStatus(
        connected=True,
        instance_url="https://acme.my.salesforce.com",
        org_id="00D1",
        user_id="0051",
        username="int@acme.example",
        api_version="62.0",
        scopes=["api"],
    )
    entries = [
        AuditEntry(action="lookup_record", outcome="ok", object="lead", record_ids=["00Q1"], at=AT),
        AuditEntry(action="delete_record", outcome="error", error_code="NOT_FOUND", at=AT),
    ]
    d = valid(home_view(status, entries, SUBCOMMANDS.values(), MEMBER))
    assert d["type"] == "home"
    text = json.dumps(d)
    assert "Connected to Salesforce" in text and "int@acme.example" in text
    assert "`lookup_record` lead `00Q1` :white_check_mark:" in text
    assert "`delete_record` :x: `NOT_FOUND`" in text
    assert "/sf lookup" in text


def test_home_without_connection_or_history():
    text = home([], MEMBER)
    assert "never connected" in text
    assert "Nothing yet: try `/sf lookup`" in text


def test_home_lists_only_the_commands_the_user_may_use():
    text = home([], MEMBER)
    assert "/sf create" in text and "/sf delete" in text and "/sf status" in text
    assert "/sf connect" not in text and "/sf access" not in text and "_(admins)_" not in text
    assert ADMINS_NOTE in text
    no_delete = UserAccess(is_admin=False, actions=frozenset({"create_record"}))
    text = home([], no_delete)
    assert "/sf create" in text and "/sf delete" not in text and "/sf lookup" not in text
    assert "Nothing yet." in text  # not told to try a lookup they may not run


def test_admins_see_every_command_on_home_and_no_note():
    text = home([], ADMIN)
    for name in ("lookup", "delete", "digest", "flow", "connect", "disconnect", "settings"):
        assert f"/sf {name}" in text
    assert "_(admins)_" in text and ADMINS_NOTE not in text


def test_audit_line_has_a_localised_date_and_caps_ids():
    entry = AuditEntry(
        action="lookup_record", outcome="ok", record_ids=["a", "b", "c", "d", "e"], at=AT
    )
    line = audit_line(entry)
    assert line.startswith(f"<!date^{int(AT.timestamp())}^")
    assert "2024-05-01 09:30 UTC>" in line
    assert "`c` +2" in line
