"""Digest definitions and their runs.

The runs (claims and outcomes) are in storage.digest_runs; DigestStore has both sides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from storage.db import Database
from storage.digest_runs import (
    CLAIMED,
    FAILED,
    MISSED,
    POSTED,
    SKIPPED,
    Claim,
    DigestRun,
    DigestRuns,
    Finish,
    in_chunks,
)
from storage.models import DigestRow, DigestRunRow
from storage.times import as_utc, utcnow

__all__ = [
    "CLAIMED",
    "FAILED",
    "MISSED",
    "POSTED",
    "SKIPPED",
    "Claim",
    "Digest",
    "DigestRun",
    "DigestStore",
    "Finish",
]


@dataclass(frozen=True)
class Digest:
    id: int
    name: str
    kind: str
    params: dict[str, Any]
    channel_id: str
    schedule: dict[str, Any]
    timezone: str
    post_when_empty: bool
    paused: bool
    owner_user_id: str
    created_at: datetime
    updated_at: datetime
    active_since: datetime
    version: int


def _digest(row: DigestRow) -> Digest:
    return Digest(
        id=row.id,
        name=row.name,
        kind=row.kind,
        params=json.loads(row.params or "{}"),
        channel_id=row.channel_id,
        schedule=json.loads(row.schedule),
        timezone=row.timezone,
        post_when_empty=row.post_when_empty,
        paused=row.paused,
        owner_user_id=row.owner_user_id,
        created_at=as_utc(row.created_at) or utcnow(),
        updated_at=as_utc(row.updated_at) or utcnow(),
        active_since=as_utc(row.active_since) or utcnow(),
        version=row.version,
    )


class DigestStore(DigestRuns):
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- definitions -----------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        kind: str,
        params: dict[str, Any],
        channel_id: str,
        schedule: dict[str, Any],
        timezone: str,
        post_when_empty: bool,
        owner_user_id: str,
        now: datetime | None = None,
    ) -> Digest:
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = DigestRow(
                name=name,
                kind=kind,
                params=json.dumps(params),
                channel_id=channel_id,
                schedule=json.dumps(schedule),
                timezone=timezone,
                post_when_empty=post_when_empty,
                paused=False,
                owner_user_id=owner_user_id,
                created_at=now,
                updated_at=now,
                active_since=now,
                version=1,
            )
            s.add(row)
            s.flush()
            return _digest(row)

    def update(
        self, digest_id: int, *, now: datetime | None = None, **changes: Any
    ) -> Digest | None:
        """Change a definition; ``version`` goes up so every process reschedules it.

        Resuming it or changing when it runs starts it afresh (``active_since``): runs that
        fell while it was paused, or under the old schedule, are not posted.
        """
        now = (now or utcnow()).astimezone(UTC)
        with self.db.session() as s:
            row = s.get(DigestRow, digest_id)
            if row is None:
                return None
            restarts = (changes.get("paused") is False and row.paused) or any(
                key in changes for key in ("schedule", "timezone")
            )
            for key, value in changes.items():
                if key in ("params", "schedule"):
                    value = json.dumps(value)
                if not hasattr(row, key) or key in ("id", "version", "created_at", "active_since"):
                    raise TypeError(f"cannot change {key!r}")
                setattr(row, key, value)
            if restarts:
                row.active_since = now
            row.version += 1
            row.updated_at = now
            s.flush()
            return _digest(row)

    def delete(self, digest_id: int) -> bool:
        with self.db.session() as s:
            s.execute(delete(DigestRunRow).where(DigestRunRow.digest_id == digest_id))
            return s.query(DigestRow).filter(DigestRow.id == digest_id).delete() > 0

    def get(self, digest_id: int) -> Digest | None:
        with self.db.session() as s:
            row = s.get(DigestRow, digest_id)
            return None if row is None else _digest(row)

    def get_many(self, digest_ids: list[int]) -> list[Digest]:
        """The digests that exist among ``digest_ids``, by id."""
        found: list[Digest] = []
        with self.db.session() as s:
            for chunk in in_chunks(sorted(set(digest_ids))):
                rows = s.execute(select(DigestRow).where(DigestRow.id.in_(chunk))).scalars()
                found.extend(_digest(r) for r in rows)
        return sorted(found, key=lambda d: d.id)

    def all_digests(self) -> list[Digest]:
        with self.db.session() as s:
            return [
                _digest(r) for r in s.execute(select(DigestRow).order_by(DigestRow.id)).scalars()
            ]

    # -- runs ------------------------------------------------------------------------------
