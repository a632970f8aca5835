"""Admin settings and per-action access lists.

Settings are named values with defaults (``SETTINGS``); an access list names the Slack user
ids (``U...``/``W...``) and user group ids (``S...``) that may use an action. No list means
everyone (every full member of the workspace).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import AccessListRow, AppSettingRow
from storage.times import utcnow

UNFURL_LEVELS = ("off", "names", "cards")
ON_OFF = ("on", "off")
# name -> (allowed values, default)
SETTINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "unfurls": (UNFURL_LEVELS, "names"),
    "unfurls_external": (ON_OFF, "off"),
}
PRINCIPAL_RE = re.compile(r"^[UWS][A-Z0-9]{2,20}$")
EVERYONE = "everyone"


class SettingError(ValueError):
    """An unknown setting, a value it does not take, or a malformed id."""


@dataclass(frozen=True)
class AppSettings:
    unfurls: str = "names"
    unfurls_external: bool = False

    def to_dict(self) -> dict[str, str]:
        return {"unfurls": self.unfurls, "unfurls_external": on_off(self.unfurls_external)}


def on_off(flag: bool) -> str:
    return "on" if flag else "off"


def check_setting(name: str, value: str) -> str:
    """The value as stored; SettingError names what is wrong."""
    if name not in SETTINGS:
        raise SettingError(f"unknown setting {name!r}; settings: {', '.join(SETTINGS)}")
    allowed, _default = SETTINGS[name]
    value = value.strip().lower()
    if value not in allowed:
        raise SettingError(f"{name} is one of {'|'.join(allowed)}, not {value!r}")
    return value


def parse_principals(raw: str) -> list[str] | None:
    """``everyone`` -> None; ``U1,S2`` -> ["U1", "S2"] (order kept, duplicates dropped)."""
    if raw.strip().lower() == EVERYONE:
        return None
    ids = [p.strip().upper() for p in raw.split(",") if p.strip()]
    bad = [p for p in ids if not PRINCIPAL_RE.match(p)]
    if bad or not ids:
        raise SettingError(
            "give `everyone` or Slack user ids (U..., W...) and user group ids (S...) "
            f"separated by commas; not: {', '.join(bad) or '(nothing)'}"
        )
    return list(dict.fromkeys(ids))


class SettingsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self) -> AppSettings:
        with self.db.session() as s:
            stored = {r.name: r.value for r in s.scalars(select(AppSettingRow))}
        values = {n: stored.get(n, default) for n, (_allowed, default) in SETTINGS.items()}
        return AppSettings(
            unfurls=values["unfurls"], unfurls_external=values["unfurls_external"] == "on"
        )

    def set(self, name: str, value: str, by: str) -> AppSettings:
        value = check_setting(name, value)
        with self.db.session() as s:
            row = s.get(AppSettingRow, name)
            if row is None:
                s.add(AppSettingRow(name=name, value=value, updated_at=utcnow(), updated_by=by))
            else:
                row.value, row.updated_at, row.updated_by = value, utcnow(), by
        return self.get()

    def access_lists(self) -> dict[str, list[str]]:
        """Every action that has a list (the others are open to everyone)."""
        with self.db.session() as s:
            return {r.action: json.loads(r.principals) for r in s.scalars(select(AccessListRow))}

    def access_list(self, action: str) -> list[str] | None:
        with self.db.session() as s:
            row = s.get(AccessListRow, action)
            return None if row is None else list(json.loads(row.principals))

    def set_access(self, action: str, principals: list[str] | None, by: str) -> None:
        """``principals`` None: everyone."""
        with self.db.session() as s:
            if principals is None:
                s.execute(delete(AccessListRow).where(AccessListRow.action == action))
                return
            row = s.get(AccessListRow, action)
            text = json.dumps(principals)
            if row is None:
                s.add(
                    AccessListRow(
                        action=action, principals=text, updated_at=utcnow(), updated_by=by
                    )
                )
            else:
                row.principals, row.updated_at, row.updated_by = text, utcnow(), by
