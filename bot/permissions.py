"""What each entry point needs, in one table: every slash subcommand, block action, options
request, modal (view callback) and shortcut is mapped to a ``Permission``.

``bot.access`` (the middleware) looks the payload up here before any listener runs; an id
that is not listed needs MEMBER (a full member of the workspace: guests are refused from
everything). Beside ``bot/ids.py`` on purpose: a new id gets its row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.ids import ActionId, CallbackId


class Permission(StrEnum):
    MEMBER = "member"  # any full member; guests are refused
    ADMIN = "admin"  # sfbot admins (SFBOT_ADMINS, else workspace admins and owners)
    # the per-action allow lists (`sfbot access set ACTION ...`)
    CREATE_RECORD = "create_record"
    UPDATE_RECORD = "update_record"
    DELETE_RECORD = "delete_record"
    LOOKUP_RECORD = "lookup_record"
    CONVERT_LEAD = "convert_lead"
    LOG_ACTIVITY = "log_activity"
    MERGE_RECORDS = "merge_records"


ADMIN, MEMBER = Permission.ADMIN, Permission.MEMBER
ACCESS_ACTIONS: tuple[str, ...] = tuple(
    p.value for p in Permission if p not in (Permission.ADMIN, Permission.MEMBER)
)

# `/sf <name>` (a name not listed is answered "not a command" by the dispatcher)
SUBCOMMANDS: dict[str, Permission] = {
    "help": MEMBER,
    "status": MEMBER,
    "lookup": Permission.LOOKUP_RECORD,
    "create": Permission.CREATE_RECORD,
    "update": Permission.UPDATE_RECORD,
    "delete": Permission.DELETE_RECORD,
    "convert": Permission.CONVERT_LEAD,
    "merge": Permission.MERGE_RECORDS,
    "duplicates": Permission.MERGE_RECORDS,
    "dupes": Permission.MERGE_RECORDS,
    "connect": ADMIN,
    "disconnect": ADMIN,
    "digest": ADMIN,
    "digests": ADMIN,
    "flow": ADMIN,
    "flows": ADMIN,
    "settings": ADMIN,
    "access": ADMIN,
}

# block_actions, by action_id (a click inside a modal also needs the modal's permission)
BLOCK_ACTIONS: dict[str, Permission] = {
    ActionId.UPDATE_RECORD: Permission.UPDATE_RECORD,
    ActionId.CONVERT_LEAD: Permission.CONVERT_LEAD,
    ActionId.ACCOUNT_CHOICE: Permission.CONVERT_LEAD,
    ActionId.DELETE_RECORD: Permission.DELETE_RECORD,
    ActionId.MERGE_RECORDS: Permission.MERGE_RECORDS,
    ActionId.MERGE_CHOICE: Permission.MERGE_RECORDS,
    ActionId.UPDATE_INSTEAD: Permission.UPDATE_RECORD,
    ActionId.CONNECT_FLOW: ADMIN,
    ActionId.DISCONNECT: ADMIN,
    ActionId.DIGEST_RUN_NOW: ADMIN,
    ActionId.DIGEST_TOGGLE: ADMIN,
    ActionId.DIGEST_EDIT: ADMIN,
    ActionId.DIGEST_DELETE: ADMIN,
    ActionId.DIGEST_KIND: ADMIN,
    ActionId.DIGEST_SCHEDULE_TYPE: ADMIN,
    ActionId.DIGEST_TIMEZONE: ADMIN,
    ActionId.FLOW_TOGGLE: ADMIN,
    ActionId.FLOW_RUNS: ADMIN,
    # an ask's buttons (sf_flow_ask:N) and the flow picker: any full member
    ActionId.FLOW_PICK: MEMBER,
}

# The `/sf` subcommand each admin-only click and modal belongs to: its refusal names it
# ("`/sf digest` is for sfbot admins only.")
ADMIN_COMMAND_OF: dict[str, str] = {
    ActionId.CONNECT_FLOW: "connect",
    CallbackId.CONNECT_MODAL: "connect",
    ActionId.DISCONNECT: "disconnect",
    ActionId.DIGEST_RUN_NOW: "digest",
    ActionId.DIGEST_TOGGLE: "digest",
    ActionId.DIGEST_EDIT: "digest",
    ActionId.DIGEST_DELETE: "digest",
    ActionId.DIGEST_KIND: "digest",
    ActionId.DIGEST_SCHEDULE_TYPE: "digest",
    ActionId.DIGEST_TIMEZONE: "digest",
    CallbackId.DIGEST_MODAL: "digest",
    ActionId.FLOW_TOGGLE: "flow",
    ActionId.FLOW_RUNS: "flow",
}

# view_submission / view_closed / block_actions in a modal, by the view's callback_id
VIEWS: dict[str, Permission] = {
    CallbackId.CREATE_MODAL: Permission.CREATE_RECORD,
    CallbackId.UPDATE_MODAL: Permission.UPDATE_RECORD,
    CallbackId.CONVERT_MODAL: Permission.CONVERT_LEAD,
    CallbackId.ADD_TO_RECORD_MODAL: Permission.LOG_ACTIVITY,
    CallbackId.MERGE_MODAL: Permission.MERGE_RECORDS,
    CallbackId.MERGE_CONFIRM_MODAL: Permission.MERGE_RECORDS,
    CallbackId.CONNECT_MODAL: ADMIN,
    CallbackId.DIGEST_MODAL: ADMIN,
    CallbackId.FLOW_PICK_MODAL: MEMBER,
}

# global (shortcut) and message (message_action) shortcuts, by callback_id
SHORTCUTS: dict[str, Permission] = {
    CallbackId.GLOBAL_CREATE: Permission.CREATE_RECORD,
    CallbackId.MESSAGE_CREATE: Permission.CREATE_RECORD,
    CallbackId.MESSAGE_ADD_TO_RECORD: Permission.LOG_ACTIVITY,
    # "Run a Salesforce flow": what a flow may do is the flow's (and its author's) business
    CallbackId.MESSAGE_RUN_FLOW: MEMBER,
}


@dataclass(frozen=True)
class UserAccess:
    """What one full member may use, to offer only that (`/sf help`, App Home): the same
    answers ``bot.access.AccessPolicy.refusal`` gives, from one read of the allow lists."""

    is_admin: bool
    actions: frozenset[str]  # the allow-listed actions the user is on

    def may(self, need: Permission) -> bool:
        if need == Permission.ADMIN:
            return self.is_admin
        return need == Permission.MEMBER or need.value in self.actions


def subcommand_name(text: str | None) -> str:
    """The subcommand of `/sf <text>`, as the dispatcher reads it (empty: help)."""
    return (text or "").strip().partition(" ")[0].lower() or "help"


def required(body: dict[str, Any]) -> list[tuple[Permission, str]]:
    """What a request needs, each with the id it came from (for messages and the audit).

    Keyed on the payload type, so an entry point nobody listed still needs MEMBER.
    """
    if "command" in body:
        name = subcommand_name(body.get("text"))
        return [(SUBCOMMANDS.get(name, MEMBER), f"{body['command']} {name}")]
    kind = body.get("type")
    needs: list[tuple[Permission, str]] = []
    view = body.get("view") or {}
    if kind in ("view_submission", "view_closed") or (
        kind in ("block_actions", "block_suggestion") and view
    ):
        callback = str(view.get("callback_id") or "")
        needs.append((VIEWS.get(callback, MEMBER), callback))
    if kind == "block_actions":
        for action in body.get("actions") or []:
            action_id = str(action.get("action_id") or "")
            needs.append((BLOCK_ACTIONS.get(action_id, MEMBER), action_id))
    elif kind == "block_suggestion":
        action_id = str(body.get("action_id") or "")
        needs.append((BLOCK_ACTIONS.get(action_id, MEMBER), action_id))
    elif kind in ("shortcut", "message_action"):
        callback = str(body.get("callback_id") or "")
        needs.append((SHORTCUTS.get(callback, MEMBER), callback))
    return needs or [(MEMBER, str(kind or "request"))]
