"""The names of records by id (owners, accounts): one SOQL query per object.

Used to show a duplicate's owner and account, which findDuplicates answers as ids. Users'
names rarely change and every card shows one: they are cached, at most ``TTL_SECONDS`` old.
Account names are read each time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from actions.context import ActionContext
from actions.escaping import format_soql

TTL_SECONDS = 600.0
OBJECT_OF_PREFIX = {"005": "User", "001": "Account"}

_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def _query(ctx: ActionContext, soql: str) -> list[dict[str, Any]]:
    return list(ctx.connection.call(lambda sf: sf.query(soql)).get("records") or [])


def record_names(ctx: ActionContext, ids: list[str]) -> dict[str, str]:
    """id -> Name for the user and account ids given (others are ignored)."""
    now = time.monotonic()
    with _lock:
        names = {
            i: n
            for i in ids
            if (hit := _cache.get(i)) and now - hit[0] < TTL_SECONDS
            for n in [hit[1]]
        }
    missing: dict[str, list[str]] = {}
    for i in dict.fromkeys(ids):
        api = OBJECT_OF_PREFIX.get(i[:3])
        if api and i not in names:
            missing.setdefault(api, []).append(i)
    for api, wanted in missing.items():
        soql = format_soql("SELECT Id, Name FROM {:literal} WHERE Id IN {}", api, wanted)
        rows = _query(ctx, soql)
        with _lock:
            for r in rows:
                names[r["Id"]] = str(r.get("Name") or "")
                if api == "User":
                    _cache[r["Id"]] = (now, names[r["Id"]])
    return names
