"""Changed Salesforce records, for flows that Salesforce starts (``salesforce_record`` triggers).

Two steps, so that an idle org costs one API call per object per interval whatever the number of
flows on it:

1. ``ChangeSource.changes_since(object, since)``: which records of the object changed (id and
   ``SystemModstamp``), oldest first. ``SoqlPollingSource`` asks the REST query endpoint
   ``SELECT Id, SystemModstamp FROM Obj WHERE SystemModstamp >= since ORDER BY SystemModstamp,
   Id`` (SystemModstamp is indexed and changes on every write, by users and by automation) and
   follows ``nextRecordsUrl`` past 2,000 rows. A Change Data Capture source over the Pub/Sub API
   (gRPC, also outbound-only) would implement the same interface.
2. ``matching_records(...)``: only when something changed, one query per flow on that object:
   which of the changed ids match the flow's ``where`` now, with the fields the flow asked for.

Salesforce keeps SystemModstamp to the second and compares datetimes ignoring milliseconds, so
several records tie on one second, and a record written by a long transaction can commit with a
stamp a little before records already seen. The caller therefore re-reads a short overlap before
its cursor and skips the changes it has already handed over (see
``storage.record_cursor_store``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from actions.context import ActionContext
from actions.errors import InvalidInput
from actions.escaping import format_soql

# Query batches hold up to 2,000 rows; an id list this long keeps the SOQL well under the
# 100,000-character limit and the request line under the REST API's URI length limit.
IDS_PER_QUERY = 200
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?$")
_WORD = re.compile(r"'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_.]*")
_SOQL_WORDS = frozenset(
    {"AND", "OR", "NOT", "IN", "LIKE", "INCLUDES", "EXCLUDES", "NULL", "TRUE", "FALSE"}
)


@dataclass(frozen=True)
class RecordChange:
    record_id: str
    stamp: datetime


class ChangeSource(Protocol):
    """Where record changes come from (polling today; Change Data Capture could be another)."""

    def changes_since(self, api_name: str, since: datetime) -> Iterator[RecordChange]:
        """The records of ``api_name`` whose SystemModstamp >= ``since``, oldest first."""
        ...


def parse_stamp(text: str) -> datetime:
    """``2026-12-02T10:00:05.000+0000`` (as the REST API writes datetimes) -> aware UTC."""
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    return datetime.fromisoformat(value).astimezone(UTC)


class SoqlPollingSource:
    """Changed records through the REST query endpoint: one API call per 2,000 rows."""

    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        self.calls = 0  # API calls made, for the flows' daily budget and the benchmark
        self._lock = threading.Lock()

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def changes_since(self, api_name: str, since: datetime) -> Iterator[RecordChange]:
        soql = format_soql(
            "SELECT Id, SystemModstamp FROM {:literal} WHERE SystemModstamp >= {} "
            "ORDER BY SystemModstamp, Id",
            api_name,
            since,
        )
        for row in self._rows(soql):
            yield RecordChange(str(row["Id"]), parse_stamp(str(row["SystemModstamp"])))

    def _rows(self, soql: str) -> Iterator[dict[str, Any]]:
        self._count()
        page = self.ctx.connection.call(lambda sf: sf.query(soql))
        yield from page.get("records") or []
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            url = str(page["nextRecordsUrl"])
            self._count()
            page = self._more(url)
            yield from page.get("records") or []

    def _more(self, url: str) -> dict[str, Any]:
        return self.ctx.connection.call(lambda sf: sf.query_more(url, identifier_is_url=True))

    def all_matching(
        self, api_name: str, where: str, fields: Iterable[str]
    ) -> list[dict[str, Any]]:
        """Every record matching ``where`` now (a flow's ``backfill``), paged."""
        soql = format_soql(
            "SELECT {:literal} FROM {:literal} WHERE ({:literal}) ORDER BY Id",
            _select(fields),
            api_name,
            where,
        )
        return [_plain(row) for row in self._rows(soql)]

    def matching_records(
        self, api_name: str, where: str, fields: Iterable[str], ids: list[str]
    ) -> list[dict[str, Any]]:
        """Which of ``ids`` match ``where`` now, with Id, SystemModstamp and ``fields``."""
        select = _select(fields)
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ids[start : start + IDS_PER_QUERY]
            soql = format_soql(
                "SELECT {:literal} FROM {:literal} WHERE Id IN {} AND ({:literal}) ORDER BY Id",
                select,
                api_name,
                chunk,
                where,
            )
            found.extend(_plain(row) for row in self._rows(soql))
        return found


def _select(fields: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(["Id", "SystemModstamp", *fields]))


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "attributes"}


def fields_in_where(where: str, known: Iterable[str]) -> list[str]:
    """The field names a SOQL condition mentions (those among ``known``, in order)."""
    by_lower = {name.lower(): name for name in known}
    out: list[str] = []
    for match in _WORD.finditer(where):
        word = match.group(0)
        if word.startswith("'") or word.upper() in _SOQL_WORDS:
            continue
        name = by_lower.get(word.lower())
        if name and name not in out:
            out.append(name)
    return out


def check_field_names(fields: Iterable[str], known: Iterable[str], *, where: str) -> list[str]:
    """The names as Salesforce spells them; an unknown one is an InvalidInput naming it."""
    by_lower = {name.lower(): name for name in known}
    out = []
    for name in fields:
        if not _FIELD_NAME.match(name) or name.lower() not in by_lower:
            raise InvalidInput(f"{where}: no field {name!r} on this object", fields=[name])
        out.append(by_lower[name.lower()])
    return out
