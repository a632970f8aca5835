"""The stored service-account connection: encrypted at rest, one row per installation."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from storage.crypto import Cipher
from storage.db import Database
from storage.models import MetadataCacheRow, SalesforceConnectionRow
from storage.times import as_utc, utcnow

SECRET_FIELDS = ("client_secret", "private_key", "refresh_token", "access_token")
# Longer than a token request can take (connect + read timeouts).
REFRESH_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class StoredConnection:
    """A decrypted view of the connection row. Never log or print it whole."""

    flow: str
    login_url: str
    client_id: str
    instance_url: str
    org_id: str
    user_id: str
    api_version: str
    connected_by: str
    username: str | None = None
    scopes: tuple[str, ...] = ()
    client_secret: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    token_version: int = 0
    connected_at: datetime = field(default_factory=utcnow)
    token_refreshed_at: datetime | None = None
    api_usage_used: int | None = None
    api_usage_max: int | None = None
    problem: str | None = None
    problem_detail: str | None = None


class ConnectionStore:
    """Reads and writes the connection and the metadata cache."""

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self.cipher = cipher

    def _decrypt(self, value: str | None) -> str | None:
        return None if value is None else self.cipher.decrypt(value)

    def _encrypt(self, value: str | None) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def _to_view(self, row: SalesforceConnectionRow) -> StoredConnection:
        return StoredConnection(
            flow=row.flow,
            login_url=row.login_url,
            client_id=row.client_id,
            instance_url=row.instance_url,
            org_id=row.org_id,
            user_id=row.user_id,
            api_version=row.api_version,
            connected_by=row.connected_by,
            username=row.username,
            scopes=tuple(row.scopes.split()) if row.scopes else (),
            client_secret=self._decrypt(row.client_secret_enc),
            private_key=self._decrypt(row.private_key_enc),
            refresh_token=self._decrypt(row.refresh_token_enc),
            access_token=self._decrypt(row.access_token_enc),
            token_version=row.token_version,
            connected_at=as_utc(row.connected_at) or utcnow(),
            token_refreshed_at=as_utc(row.token_refreshed_at),
            api_usage_used=row.api_usage_used,
            api_usage_max=row.api_usage_max,
            problem=row.problem,
            problem_detail=row.problem_detail,
        )

    def load(self) -> StoredConnection | None:
        with self.db.session() as s:
            row = s.get(SalesforceConnectionRow, 1)
            return None if row is None else self._to_view(row)

    def save(self, conn: StoredConnection) -> StoredConnection:
        """Store ``conn`` as the one connection, replacing any previous one."""
        with self.db.session() as s:
            s.execute(delete(SalesforceConnectionRow))
            s.execute(delete(MetadataCacheRow))
            row = SalesforceConnectionRow(
                id=1,
                flow=conn.flow,
                login_url=conn.login_url,
                client_id=conn.client_id,
                client_secret_enc=self._encrypt(conn.client_secret),
                private_key_enc=self._encrypt(conn.private_key),
                refresh_token_enc=self._encrypt(conn.refresh_token),
                access_token_enc=self._encrypt(conn.access_token),
                token_version=conn.token_version,
                username=conn.username,
                instance_url=conn.instance_url,
                org_id=conn.org_id,
                user_id=conn.user_id,
                api_version=conn.api_version,
                scopes=" ".join(conn.scopes),
                connected_by=conn.connected_by,
                connected_at=conn.connected_at,
                token_refreshed_at=conn.token_refreshed_at,
                api_usage_used=conn.api_usage_used,
                api_usage_max=conn.api_usage_max,
                problem=conn.problem,
                problem_detail=conn.problem_detail,
            )
            s.add(row)
        return conn

    def refresh_access_token(
        self,
        seen_version: int,
        fetch: Callable[[StoredConnection], str],
        *,
        lease: timedelta = REFRESH_LEASE,
        poll_seconds: float = 0.1,
    ) -> StoredConnection:
        """Replace the access token that failed, unless someone already did.

        One process takes a short lease on the refresh (a conditional UPDATE, committed at
        once), asks Salesforce with no database lock held, then stores the token only if no
        one else did (compare-and-set on ``token_version``). The others wait for it and reuse
        the token it stored. A lease whose holder died expires after ``lease``.
        """
        deadline = time.monotonic() + lease.total_seconds()
        while not self._take_refresh_lease(seen_version, lease):
            current = self.load()
            if current is None:
                raise LookupError("no Salesforce connection is stored")
            if current.token_version != seen_version:
                return current  # refreshed by someone else meanwhile
            if time.monotonic() > deadline:
                break  # the holder is stuck or gone: refresh anyway (the store is still CAS)
            time.sleep(poll_seconds)
        conn = self.load()
        if conn is None:
            raise LookupError("no Salesforce connection is stored")
        if conn.token_version != seen_version:
            return conn
        try:
            token = fetch(conn)
        except BaseException:
            self._release_refresh_lease(seen_version)
            raise
        with self.db.session() as s:
            s.execute(
                update(SalesforceConnectionRow)
                .where(
                    SalesforceConnectionRow.id == 1,
                    SalesforceConnectionRow.token_version == seen_version,
                )
                .values(
                    access_token_enc=self._encrypt(token),
                    token_version=seen_version + 1,
                    token_refreshed_at=utcnow(),
                    problem=None,
                    problem_detail=None,
                    refresh_lease_until=None,
                )
            )
        stored = self.load()
        if stored is None:
            raise LookupError("no Salesforce connection is stored")
        return stored

    def _take_refresh_lease(self, seen_version: int, lease: timedelta) -> bool:
        now = utcnow()
        with self.db.session() as s:
            taken = s.execute(
                update(SalesforceConnectionRow)
                .where(
                    SalesforceConnectionRow.id == 1,
                    SalesforceConnectionRow.token_version == seen_version,
                    or_(
                        SalesforceConnectionRow.refresh_lease_until.is_(None),
                        SalesforceConnectionRow.refresh_lease_until < now,
                    ),
                )
                .values(refresh_lease_until=now + lease)
            )
            return getattr(taken, "rowcount", 0) == 1

    def _release_refresh_lease(self, seen_version: int) -> None:
        with self.db.session() as s:
            s.execute(
                update(SalesforceConnectionRow)
                .where(
                    SalesforceConnectionRow.id == 1,
                    SalesforceConnectionRow.token_version == seen_version,
                )
                .values(refresh_lease_until=None)
            )

    def record_usage(self, used: int, maximum: int) -> None:
        with self.db.session() as s:
            row = s.get(SalesforceConnectionRow, 1)
            if row is not None:
                row.api_usage_used, row.api_usage_max = used, maximum

    def set_problem(self, problem: str | None, detail: str | None = None) -> None:
        """Record why the connection needs attention (None clears it)."""
        with self.db.session() as s:
            row = s.get(SalesforceConnectionRow, 1)
            if row is not None:
                row.problem, row.problem_detail = problem, detail

    def delete(self) -> bool:
        with self.db.session() as s:
            deleted = s.query(SalesforceConnectionRow).delete()
            s.execute(delete(MetadataCacheRow))
        return bool(deleted)

    def rotate_key(self) -> int:
        """Re-encrypt every stored secret under the newest key; returns how many."""
        count = 0
        with self.db.session() as s:
            row = s.get(SalesforceConnectionRow, 1)
            if row is None:
                return 0
            for name in SECRET_FIELDS:
                value = getattr(row, f"{name}_enc")
                if value is not None:
                    setattr(row, f"{name}_enc", self.cipher.rotate(value))
                    count += 1
        return count

    # -- metadata cache -------------------------------------------------------------------

    def cache_get(self, key: str, org_id: str, max_age: timedelta) -> Any | None:
        with self.db.session() as s:
            row = s.get(MetadataCacheRow, key)
            if row is None or row.org_id != org_id:
                return None
            fetched = as_utc(row.fetched_at) or utcnow()
            if utcnow() - fetched > max_age:
                return None
            return json.loads(row.value)

    def cache_put(self, key: str, org_id: str, value: Any) -> None:
        """Insert or replace; two processes filling a cold cache at once both succeed."""
        text = json.dumps(value, separators=(",", ":"))
        try:
            with self.db.session() as s:
                s.add(MetadataCacheRow(key=key, org_id=org_id, value=text, fetched_at=utcnow()))
        except IntegrityError:
            with self.db.session() as s:
                row = s.get(MetadataCacheRow, key)
                if row is not None:
                    row.org_id, row.value, row.fetched_at = org_id, text, utcnow()
