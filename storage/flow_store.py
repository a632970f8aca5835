"""Applied flows: the database is the single source of truth for every replica.

A re-applied name replaces its definition and keeps its runs (``version`` goes up, so every
process re-reads it). Deleting a flow deletes its runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from storage.db import Database
from storage.models import FlowRow, FlowRunRow
from storage.times import as_utc, utcnow


@dataclass(frozen=True)
class StoredFlow:
    id: int
    name: str
    description: str
    trigger_kind: str
    document: dict[str, Any]
    source: str
    enabled: bool
    owner_user_id: str
    version: int
    created_at: datetime
    updated_at: datetime
    active_since: datetime


def _flow(row: FlowRow) -> StoredFlow:
    return StoredFlow(
        id=row.id,
        name=row.name,
        description=row.description,
        trigger_kind=row.trigger_kind,
        document=json.loads(row.document),
        source=row.source,
        enabled=row.enabled,
        owner_user_id=row.owner_user_id,
        version=row.version,
        created_at=as_utc(row.created_at) or utcnow(),
        updated_at=as_utc(row.updated_at) or utcnow(),
        active_since=as_utc(row.active_since) or utcnow(),
    )


class FlowStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self,
        *,
        name: str,
        description: str,
        trigger_kind: str,
        document: dict[str, Any],
        source: str,
        enabled: bool,
        owner_user_id: str | None,
        now: datetime | None = None,
    ) -> tuple[StoredFlow, bool]:
        """Store a flow by name: (flow, created). Re-applying keeps the runs and, when
        ``owner_user_id`` is None, the owner; a changed trigger or a re-enable starts its
        schedule afresh (``active_since``)."""
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = s.execute(select(FlowRow).where(FlowRow.name == name)).scalar_one_or_none()
            created = row is None
            if row is None:
                if owner_user_id is None:
                    raise ValueError("a new flow needs an owner")
                row = FlowRow(name=name, created_at=now, version=0, active_since=now)
                s.add(row)
            restarts = created or (
                json.loads(row.document).get("trigger") != document.get("trigger")
                or (enabled and not row.enabled)
            )
            row.description = description
            row.trigger_kind = trigger_kind
            row.document = json.dumps(document)
            row.source = source
            row.enabled = enabled
            row.owner_user_id = owner_user_id or row.owner_user_id
            row.version = (row.version or 0) + 1
            row.updated_at = now
            row.throttle_told = False
            if restarts:
                row.active_since = now
            s.flush()
            return _flow(row), created

    def get(self, name: str) -> StoredFlow | None:
        with self.db.session() as s:
            row = s.execute(select(FlowRow).where(FlowRow.name == name)).scalar_one_or_none()
            return None if row is None else _flow(row)

    def get_by_id(self, flow_id: int) -> StoredFlow | None:
        with self.db.session() as s:
            row = s.get(FlowRow, flow_id)
            return None if row is None else _flow(row)

    def all_flows(self) -> list[StoredFlow]:
        with self.db.session() as s:
            return [_flow(r) for r in s.execute(select(FlowRow).order_by(FlowRow.name)).scalars()]

    def versions(self) -> dict[int, int]:
        """{flow id: version}: whether anything changed, without reading the definitions."""
        with self.db.session() as s:
            return {row.id: row.version for row in s.execute(select(FlowRow.id, FlowRow.version))}

    def set_enabled(self, name: str, enabled: bool, *, now: datetime | None = None) -> bool:
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = s.execute(select(FlowRow).where(FlowRow.name == name)).scalar_one_or_none()
            if row is None:
                return False
            if enabled and not row.enabled:
                row.active_since = now
            if row.enabled != enabled:
                row.enabled, row.version, row.updated_at = enabled, row.version + 1, now
            return True

    def delete(self, name: str) -> bool:
        with self.db.session() as s:
            row = s.execute(select(FlowRow).where(FlowRow.name == name)).scalar_one_or_none()
            if row is None:
                return False
            s.execute(delete(FlowRunRow).where(FlowRunRow.flow_id == row.id))
            s.delete(row)
            return True

    def mark_throttle_told(self, flow_id: int) -> bool:
        """True for the one caller that gets to tell the owner runs are being skipped."""
        with self.db.session() as s:
            done = s.execute(
                update(FlowRow)
                .where(FlowRow.id == flow_id, FlowRow.throttle_told.is_(False))
                .values(throttle_told=True)
                .execution_options(synchronize_session=False)
            )
            return getattr(done, "rowcount", 0) == 1

    def clear_throttle_told(self, flow_id: int) -> None:
        with self.db.session() as s:
            s.execute(
                update(FlowRow)
                .where(FlowRow.id == flow_id, FlowRow.throttle_told.is_(True))
                .values(throttle_told=False)
                .execution_options(synchronize_session=False)
            )
