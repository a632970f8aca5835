"""Changing and showing the admin settings and access lists: shared by `sfbot settings|access`
and `/sf settings|access` so both accept the same words and say the same things."""

from __future__ import annotations

from typing import Any

from bot.permissions import ACCESS_ACTIONS
from storage.settings_store import (
    EVERYONE,
    SETTINGS,
    AppSettings,
    SettingError,
    SettingsStore,
    parse_principals,
)

SETTING_HELP = {
    "unfurls": "how much a pasted Salesforce record link shows: off | names | cards",
    "unfurls_external": "unfurl in Slack Connect (externally shared) channels too: on | off",
}


def settings_dict(settings: AppSettings) -> dict[str, str]:
    return settings.to_dict()


def settings_lines(settings: AppSettings) -> list[str]:
    values = settings.to_dict()
    return [f"{name} = {values[name]}  ({SETTING_HELP[name]})" for name in SETTINGS]


def set_setting(store: SettingsStore, name: str, value: str, by: str) -> AppSettings:
    return store.set(name.strip().lower(), value, by)


def check_action(action: str) -> str:
    action = action.strip().lower()
    if action not in ACCESS_ACTIONS:
        raise SettingError(f"unknown action {action!r}; actions: {', '.join(ACCESS_ACTIONS)}")
    return action


def set_access(store: SettingsStore, action: str, raw: str, by: str) -> list[str] | None:
    """Set who may use ``action`` (``everyone`` or ids); the list as stored (None: everyone)."""
    action = check_action(action)
    principals = parse_principals(raw)
    store.set_access(action, principals, by)
    return principals


def access_dict(store: SettingsStore) -> dict[str, Any]:
    lists = store.access_lists()
    return {a: lists.get(a, EVERYONE) for a in ACCESS_ACTIONS}


def who(value: Any, *, slack: bool = False) -> str:
    """``everyone``, or the ids (as Slack mentions in Slack: <@U..>, <!subteam^S..>)."""
    if value == EVERYONE:
        return EVERYONE
    if not slack:
        return ",".join(value)
    return ", ".join(f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in value)


def access_lines(store: SettingsStore, *, slack: bool = False) -> list[str]:
    return [f"{a}: {who(v, slack=slack)}" for a, v in access_dict(store).items()]
