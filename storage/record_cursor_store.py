"""Cursors for polling Salesforce record changes, shared by every replica.

One row per object: the highest ``SystemModstamp`` handled, and a lease so that one replica
polls an object at a time (another takes over when the lease lapses). The changes already handed
to the flows near the cursor are kept in ``sf_record_changes_seen`` so that a poll that re-reads
an overlap (ties on the same second, transactions that committed late) hands nothing over twice.
Exactly-once per flow is still the run claim's job; this only keeps the API cost down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import RecordChangeSeenRow, RecordCursorRow
from storage.times import as_utc


@dataclass(frozen=True)
class SeenChange:
    record_id: str
    stamp: datetime


def _utc(value: datetime) -> datetime:
    # SQLite keeps a datetime's wall time and drops its offset: store UTC only.
    return value.astimezone(UTC)


class RecordCursorStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lease(
        self, object_name: str, owner: str, *, now: datetime, start: datetime, hold: timedelta
    ) -> datetime | None:
        """Take (or keep) the object's polling lease; the cursor's stamp, or None if another
        replica holds it. A new object's cursor starts at ``start``."""
        now = _utc(now)
        self._create(object_name, _utc(start))
        with self.db.session() as s:
            taken = s.execute(
                update(RecordCursorRow)
                .where(
                    RecordCursorRow.object == object_name,
                    (RecordCursorRow.lease_owner.is_(None))
                    | (RecordCursorRow.lease_owner == owner)
                    | (RecordCursorRow.lease_until < now),
                )
                .values(lease_owner=owner, lease_until=now + hold)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None
            row = s.get(RecordCursorRow, object_name)
            return as_utc(row.stamp) if row is not None else None

    def _create(self, object_name: str, start: datetime) -> None:
        with self.db.session() as s:
            if s.get(RecordCursorRow, object_name) is not None:
                return
        try:
            with self.db.session() as s:
                s.add(RecordCursorRow(object=object_name, stamp=start))
        except IntegrityError:
            pass  # another replica created it first

    def release(self, object_name: str, owner: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(RecordCursorRow)
                .where(RecordCursorRow.object == object_name, RecordCursorRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    def stamp(self, object_name: str) -> datetime | None:
        with self.db.session() as s:
            row = s.get(RecordCursorRow, object_name)
            return as_utc(row.stamp) if row is not None else None

    def unseen(self, object_name: str, changes: Iterable[SeenChange]) -> list[SeenChange]:
        """The changes not yet handed over, in the order given."""
        changes = list(changes)
        if not changes:
            return []
        oldest = min(_utc(c.stamp) for c in changes)
        with self.db.session() as s:
            rows = s.execute(
                select(RecordChangeSeenRow.record_id, RecordChangeSeenRow.stamp).where(
                    RecordChangeSeenRow.object == object_name,
                    RecordChangeSeenRow.stamp >= oldest,
                )
            ).all()
        seen = {(rid, as_utc(stamp)) for rid, stamp in rows}
        return [c for c in changes if (c.record_id, _utc(c.stamp)) not in seen]

    def advance(
        self,
        object_name: str,
        owner: str,
        *,
        stamp: datetime,
        seen: Iterable[SeenChange],
        forget_before: datetime,
        now: datetime,
    ) -> bool:
        """Record the changes handed over and move the cursor (never backwards), if ``owner``
        still holds the lease; drop seen changes older than ``forget_before``."""
        with self.db.session() as s:
            row = s.get(RecordCursorRow, object_name)
            if row is None or row.lease_owner != owner:
                return False
            current = as_utc(row.stamp)
            row.stamp = max(current, _utc(stamp)) if current else _utc(stamp)
            row.polled_at = _utc(now)
            for change in {(c.record_id, _utc(c.stamp)) for c in seen}:
                s.merge(
                    RecordChangeSeenRow(object=object_name, record_id=change[0], stamp=change[1])
                )
            s.execute(
                delete(RecordChangeSeenRow).where(
                    RecordChangeSeenRow.object == object_name,
                    RecordChangeSeenRow.stamp < _utc(forget_before),
                )
            )
            return True
