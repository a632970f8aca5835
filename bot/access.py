"""Who may do what: guests, sfbot admins and the per-action allow lists.

``AccessPolicy.refusal`` answers for a request's needs (``bot.permissions.required``); the
middleware in ``bot.access_middleware`` asks it before any listener runs. Allow lists name
Slack users and user groups; a group is expanded with ``usergroups.users.list`` (scope
``usergroups:read``) and cached like guest status, a few minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ids import COMMAND
from bot.permissions import ACCESS_ACTIONS, ADMIN_COMMAND_OF, Permission, UserAccess
from bot.slack_users import USER_CACHE_SECONDS, UserDirectory
from storage.settings_store import SettingsStore

logger = logging.getLogger(__name__)

GUEST_REFUSAL = ":no_entry: sfbot is not available to guests of this workspace."
UNKNOWN_USER = ":warning: sfbot could not check who you are with Slack just now. Try again."
ACTION_WORDS = {
    "create_record": "create records",
    "update_record": "update records",
    "delete_record": "delete records",
    "lookup_record": "look up records",
    "convert_lead": "convert leads",
    "log_activity": "add messages to records",
    "merge_records": "merge records",
}


@dataclass(frozen=True)
class Refusal:
    reason: str  # guest | admin_only | not_allowed | unknown_user (the audit's error_code)
    text: str  # what the user is told
    about: str  # the action or id refused (the audit's action)


def admin_refusal(label: str) -> str:
    """Names the command: ``label`` is `/sf <name>` or an id in ``ADMIN_COMMAND_OF``."""
    if label in ADMIN_COMMAND_OF:
        label = f"{COMMAND} {ADMIN_COMMAND_OF[label]}"
    if label.startswith(COMMAND):
        return f":lock: `{label}` is for sfbot admins only."
    return ":lock: That is for sfbot admins only."


def not_allowed_text(action: str) -> str:
    return (
        f":no_entry: You are not allowed to {ACTION_WORDS.get(action, action)} with sfbot. "
        f"An sfbot admin decides who may (`{COMMAND} access`)."
    )


@dataclass
class AdminPolicy:
    """Admins are SFBOT_ADMINS, else the workspace's admins and owners (users.info)."""

    configured: list[str]
    users: UserDirectory = field(default_factory=UserDirectory)

    def is_admin(self, client: WebClient, user_id: str) -> bool:
        if self.configured:
            return user_id in self.configured
        user = self.users.get(client, user_id)
        return bool(user and user.is_admin)


@dataclass
class AccessPolicy:
    users: UserDirectory
    admins: AdminPolicy
    store: SettingsStore
    group_ttl: float = USER_CACHE_SECONDS
    _groups: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refusal(
        self, client: WebClient, user_id: str, needs: Iterable[tuple[Permission, str]]
    ) -> Refusal | None:
        """None when ``user_id`` may do all of ``needs``; else why not (the first refusal)."""
        needs = list(needs)
        user = self.users.get(client, user_id)
        about = needs[0][1] if needs else "request"
        if user is None and not self.admins.configured:
            return Refusal("unknown_user", UNKNOWN_USER, about)
        if user is None or user.is_guest:
            # With SFBOT_ADMINS set, an unreachable users.info still refuses: guests first.
            reason = "guest" if user is not None else "unknown_user"
            return Refusal(reason, GUEST_REFUSAL if user else UNKNOWN_USER, about)
        for permission, label in needs:
            if permission == Permission.ADMIN and not self.admins.is_admin(client, user_id):
                return Refusal("admin_only", admin_refusal(label), label)
            if permission.value in ACCESS_ACTIONS and not self.allowed(
                client, user_id, permission.value
            ):
                return Refusal("not_allowed", not_allowed_text(permission.value), permission.value)
        return None

    def allowed(self, client: WebClient, user_id: str, action: str) -> bool:
        """May this (full member) user use ``action``? No list: everyone may."""
        return self._on_list(client, user_id, self.store.access_list(action))

    def offered(self, client: WebClient, user_id: str) -> frozenset[str]:
        """The actions to offer this user (buttons on cards): every list read in one query."""
        lists = self.store.access_lists()
        return frozenset(a for a in ACCESS_ACTIONS if self._on_list(client, user_id, lists.get(a)))

    def user_access(self, client: WebClient, user_id: str) -> UserAccess:
        """What to offer a full member: one read of the lists, cached Slack lookups."""
        return UserAccess(self.admins.is_admin(client, user_id), self.offered(client, user_id))

    def _on_list(self, client: WebClient, user_id: str, principals: list[str] | None) -> bool:
        if principals is None or user_id in principals:
            return True
        return any(
            user_id in self.group_members(client, p) for p in principals if p.startswith("S")
        )

    def group_members(self, client: WebClient, group_id: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            hit = self._groups.get(group_id)
            if hit and now - hit[0] < self.group_ttl:
                return hit[1]
        try:
            members = frozenset(client.usergroups_users_list(usergroup=group_id)["users"])
        except (SlackApiError, OSError) as exc:
            # A group that cannot be read lets nobody in (and is asked again next time).
            logger.warning("usergroups.users.list failed for %s: %s", group_id, exc)
            return frozenset()
        with self._lock:
            self._groups[group_id] = (now, members)
        return members
