"""`sfbot settings set|show` and `sfbot access set|show`: what admins decide for everyone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from bot.admin_settings import (
    access_dict,
    access_lines,
    set_access,
    set_setting,
    settings_lines,
)
from bot.cli.common import cli_identity, fail, handle_errors, load_settings, print_json
from storage.audit_store import AuditEntry, AuditStore
from storage.db import Database
from storage.settings_store import SettingError, SettingsStore


@contextmanager
def settings_store() -> Iterator[tuple[SettingsStore, AuditStore]]:
    db = Database(load_settings().database_url)
    try:
        yield SettingsStore(db), AuditStore(db)
    finally:
        db.dispose()


def audit_change(audit: AuditStore, action: str, what: str) -> None:
    audit.record(AuditEntry(action=action, outcome="ok", source="cli", object=what[:32]))


@click.group("settings")
def settings_group() -> None:
    """Admin settings: how Salesforce links are unfurled in Slack."""


@settings_group.command("set")
@click.argument("name")
@click.argument("value")
@handle_errors
def settings_set(name: str, value: str) -> None:
    """Set NAME to VALUE: `unfurls off|names|cards`, `unfurls_external on|off`."""
    with settings_store() as (store, audit):
        try:
            settings = set_setting(store, name, value, cli_identity())
        except SettingError as exc:
            fail("INVALID_SETTING", str(exc), 2, ["name", "value"])
            return
        audit_change(audit, "settings_set", name.strip().lower())
    print_json({"settings": settings.to_dict()})


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="The settings as JSON")
@handle_errors
def settings_show(as_json: bool) -> None:
    """The settings now in force (defaults included)."""
    with settings_store() as (store, _audit):
        settings = store.get()
    if as_json:
        print_json({"settings": settings.to_dict()})
        return
    for line in settings_lines(settings):
        click.echo(line)


@click.group("access")
def access_group() -> None:
    """Who may use each action (guests never may; admin-only stays admin-only)."""


@access_group.command("set")
@click.argument("action")
@click.argument("who")
@handle_errors
def access_set(action: str, who: str) -> None:
    """Let WHO use ACTION: `everyone`, or Slack user ids and user group ids (S...) separated
    by commas, e.g. `sfbot access set delete_record U012ABC,S0SUPPORT`."""
    with settings_store() as (store, audit):
        try:
            set_access(store, action, who, cli_identity())
        except SettingError as exc:
            fail("INVALID_ACCESS", str(exc), 2, ["action", "who"])
            return
        audit_change(audit, "access_set", action.strip().lower())
        print_json({"access": access_dict(store)})


@access_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="The lists as JSON")
@handle_errors
def access_show(as_json: bool) -> None:
    """Each action and who may use it."""
    with settings_store() as (store, _audit):
        if as_json:
            print_json({"access": access_dict(store)})
            return
        for line in access_lines(store):
            click.echo(line)
