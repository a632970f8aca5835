"""Salesforce metadata sfbot needs, cached in memory and in the database.

Describes change rarely, and every call counts against the org's daily API limit, so each is
fetched once per ``SFBOT_METADATA_TTL_HOURS`` and shared by all processes through the database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from actions.connection import SalesforceConnection
from actions.errors import SalesforceRefused


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    type: str
    length: int
    createable: bool
    updateable: bool
    required_on_create: bool
    picklist: tuple[str, ...]
    restricted_picklist: bool


def _trim_field(f: dict[str, Any]) -> dict[str, Any]:
    required = (
        bool(f.get("createable"))
        and not f.get("nillable", True)
        and not f.get("defaultedOnCreate", False)
        and f.get("type") != "boolean"
    )
    return {
        "name": f["name"],
        "label": f.get("label", f["name"]),
        "type": f.get("type", "string"),
        "length": int(f.get("length") or 0),
        "createable": bool(f.get("createable")),
        "updateable": bool(f.get("updateable")),
        "required_on_create": required,
        "picklist": [p["value"] for p in f.get("picklistValues") or [] if p.get("active", True)],
        "restricted_picklist": bool(f.get("restrictedPicklist")),
    }


class ObjectDescribe:
    """The parts of an sObject describe that sfbot uses."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.name: str = data["name"]
        self.label: str = data.get("label", self.name)
        self.fields: dict[str, FieldInfo] = {
            f["name"]: FieldInfo(
                name=f["name"],
                label=f["label"],
                type=f["type"],
                length=f["length"],
                createable=f["createable"],
                updateable=f["updateable"],
                required_on_create=f["required_on_create"],
                picklist=tuple(f["picklist"]),
                restricted_picklist=f["restricted_picklist"],
            )
            for f in data["fields"]
        }
        self._by_lower = {name.lower(): name for name in self.fields}

    def field(self, name: str) -> FieldInfo | None:
        """Look a field up by API name, case-insensitively as Salesforce does."""
        real = self._by_lower.get(name.lower())
        return None if real is None else self.fields[real]

    def required_on_create(self) -> list[FieldInfo]:
        return [f for f in self.fields.values() if f.required_on_create]


class Metadata:
    """Describes, the converted lead status and the first open opportunity stage."""

    def __init__(self, connection: SalesforceConnection, ttl_hours: float = 24.0) -> None:
        self.connection = connection
        self.ttl = timedelta(hours=ttl_hours)
        self._memory: dict[str, tuple[float, Any]] = {}  # key -> (loaded at, value)
        self._lock = threading.Lock()

    def _cached(self, key: str, fetch: Any) -> Any:
        org_id = self.connection.current().org_id
        mkey = f"{org_id}:{key}"
        now = time.monotonic()
        with self._lock:
            hit = self._memory.get(mkey)
            if hit is not None and now - hit[0] < self.ttl.total_seconds():
                return hit[1]
        store = self.connection.store
        value = store.cache_get(key, org_id, self.ttl)
        if value is None:
            value = fetch()
            store.cache_put(key, org_id, value)
        with self._lock:
            self._memory[mkey] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()

    def describe(self, api_name: str) -> ObjectDescribe:
        def fetch() -> dict[str, Any]:
            raw = self.connection.rest(f"sobjects/{api_name}/describe")
            return {
                "name": raw["name"],
                "label": raw.get("label", raw["name"]),
                "fields": [_trim_field(f) for f in raw["fields"]],
            }

        return ObjectDescribe(self._cached(f"describe:{api_name}", fetch))

    def _first_value(self, key: str, soql: str, field: str, what: str, code: str) -> str:
        def fetch() -> str:
            result = self.connection.call(lambda sf: sf.query(soql))
            records = result.get("records") or []
            if not records:
                raise SalesforceRefused(f"the org has no {what}", code=code)
            return str(records[0][field])

        return str(self._cached(key, fetch))

    def converted_lead_status(self) -> str:
        """The LeadStatus API name that ``convertLead`` needs as ``convertedStatus``
        (``IsConverted = true``). Never the label (``MasterLabel``): admins rename labels, and
        Salesforce answers INVALID_STATUS to a label that is not also the API name. (The cache
        key changed with the field, so a label cached by an older sfbot is not reused.)"""
        return self._first_value(
            "converted_status_api_name",
            "SELECT ApiName FROM LeadStatus WHERE IsConverted = true ORDER BY SortOrder LIMIT 1",
            "ApiName",
            "lead status marked as converted",
            "NO_CONVERTED_STATUS",
        )

    def closed_task_status(self) -> str:
        """The Task status that marks a task done (``TaskStatus WHERE IsClosed = true``)."""
        return self._first_value(
            "closed_task_status",
            "SELECT ApiName FROM TaskStatus WHERE IsClosed = true ORDER BY SortOrder LIMIT 1",
            "ApiName",
            "task status marked as closed",
            "NO_CLOSED_TASK_STATUS",
        )

    def first_open_stage(self) -> str:
        """The first open opportunity stage, in the org's own order."""
        return self._first_value(
            "open_stage",
            "SELECT ApiName FROM OpportunityStage WHERE IsActive = true AND IsClosed = false "
            "ORDER BY SortOrder LIMIT 1",
            "ApiName",
            "open opportunity stage",
            "NO_OPEN_STAGE",
        )
