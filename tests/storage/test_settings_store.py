"""Admin settings and access lists: defaults, changes, and what is refused."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.settings_store import SettingError, SettingsStore, parse_principals


def test_defaults_then_changes(database_url):
    store = SettingsStore(Database(database_url))
    assert store.get().to_dict() == {"unfurls": "names", "unfurls_external": "off"}
    store.set("unfurls", "Cards", "cli:test")
    store.set("unfurls_external", "on", "cli:test")
    assert store.get().to_dict() == {"unfurls": "cards", "unfurls_external": "on"}
    store.set("unfurls", "off", "cli:test")
    assert store.get().unfurls == "off"


@pytest.mark.parametrize(
    ("name", "value"), [("unfurls", "all"), ("unfurls_external", "yes"), ("colour", "on")]
)
def test_bad_settings_are_refused(database_url, name, value):
    store = SettingsStore(Database(database_url))
    with pytest.raises(SettingError):
        store.set(name, value, "cli:test")
    assert store.get().unfurls == "names"


def test_access_lists(database_url):
    store = SettingsStore(Database(database_url))
    assert store.access_list("delete_record") is None
    store.set_access("delete_record", ["U1AB", "S2CD"], "cli:test")
    store.set_access("delete_record", ["U1AB"], "cli:test")
    assert store.access_lists() == {"delete_record": ["U1AB"]}
    store.set_access("delete_record", None, "cli:test")
    assert store.access_list("delete_record") is None


def test_parse_principals():
    assert parse_principals(" everyone ") is None
    assert parse_principals("u012ab, S0SUP,U012AB") == ["U012AB", "S0SUP"]
    for bad in ("", "ada", "U1,#general", "C0123456"):
        with pytest.raises(SettingError):
            parse_principals(bad)
