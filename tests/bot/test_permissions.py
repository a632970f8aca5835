"""The permission table covers every entry point the app registers."""

from __future__ import annotations

from bot.access import admin_refusal
from bot.ids import ActionId, CallbackId
from bot.listeners.commands import sf
from bot.permissions import (
    ACCESS_ACTIONS,
    ADMIN_COMMAND_OF,
    BLOCK_ACTIONS,
    SHORTCUTS,
    SUBCOMMANDS,
    VIEWS,
    Permission,
    required,
)


def test_every_subcommand_has_a_row():
    for name in sf.SUBCOMMANDS:
        assert name in SUBCOMMANDS, f"/sf {name} needs a row in bot.permissions.SUBCOMMANDS"


def test_admin_only_features_stay_admin_only():
    for name in ("connect", "disconnect", "digest", "flows", "settings", "access"):
        assert SUBCOMMANDS[name] == Permission.ADMIN
    for action_id in (ActionId.DISCONNECT, ActionId.CONNECT_FLOW, ActionId.DIGEST_DELETE):
        assert BLOCK_ACTIONS[action_id] == Permission.ADMIN
    assert VIEWS[CallbackId.CONNECT_MODAL] == VIEWS[CallbackId.DIGEST_MODAL] == Permission.ADMIN


def test_admin_only_clicks_and_modals_name_their_command_when_refused():
    admin_ids = {
        key
        for table in (BLOCK_ACTIONS, VIEWS)
        for key, need in table.items()
        if need == Permission.ADMIN
    }
    assert set(ADMIN_COMMAND_OF) == admin_ids
    for key, name in ADMIN_COMMAND_OF.items():
        assert SUBCOMMANDS[name] == Permission.ADMIN, key
    assert admin_refusal(ActionId.FLOW_TOGGLE) == ":lock: `/sf flow` is for sfbot admins only."
    assert admin_refusal(CallbackId.DIGEST_MODAL) == (
        ":lock: `/sf digest` is for sfbot admins only."
    )
    assert admin_refusal("/sf settings") == ":lock: `/sf settings` is for sfbot admins only."
    assert admin_refusal("sf_unknown") == ":lock: That is for sfbot admins only."


def test_every_modal_and_shortcut_is_listed():
    for callback in CallbackId:
        if callback == CallbackId.RESULT_MODAL:
            continue
        assert callback in VIEWS or callback in SHORTCUTS, callback


def test_the_actions_with_lists():
    assert ACCESS_ACTIONS == (
        "create_record",
        "update_record",
        "delete_record",
        "lookup_record",
        "convert_lead",
        "log_activity",
        "merge_records",
    )


def test_required_is_keyed_on_payload_type():
    assert required({"command": "/sf", "text": "Delete 00Q"}) == [
        (Permission.DELETE_RECORD, "/sf delete")
    ]
    assert required({"command": "/sf", "text": ""}) == [(Permission.MEMBER, "/sf help")]
    clicked_in_modal = {
        "type": "block_actions",
        "view": {"callback_id": CallbackId.DIGEST_MODAL},
        "actions": [{"action_id": "anything"}],
    }
    assert required(clicked_in_modal)[0] == (Permission.ADMIN, CallbackId.DIGEST_MODAL)
    assert required({"type": "message_action", "callback_id": "sf_run_flow"}) == [
        (Permission.MEMBER, "sf_run_flow")
    ]
    assert required({"type": "event_callback", "event": {}})[0][0] == Permission.MEMBER
