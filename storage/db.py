"""Engine, sessions and schema migrations (Alembic, run programmatically)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseURLError(ValueError):
    """DATABASE_URL cannot be used."""


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with NORMAL: a commit survives the process crashing (only an OS crash or power loss
    # may lose the last commits); FULL would wait for the disk on every commit, and flows
    # commit a few times per run.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Several processes may share the file: a writer waits for another's short transaction
    # rather than fail (no transaction is held while Salesforce or Slack is called).
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so processes can share the file."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"DATABASE_URL is not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite or postgresql+psycopg")


class Database:
    """One engine and session factory; migrates the schema to head on first use."""

    def __init__(self, database_url: str, *, auto_upgrade: bool = True) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._auto_upgrade = auto_upgrade
        self._ready = False
        self._lock = threading.Lock()

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def upgrade(self) -> None:
        """Run every pending migration (idempotent)."""
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Serialise concurrent upgrades from several replicas.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74656)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        self._ready = True

    def ensure_schema(self) -> None:
        if self._ready or not self._auto_upgrade:
            return
        with self._lock:
            if not self._ready:
                if self.current_revision() != self.head_revision():
                    self.upgrade()
                self._ready = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        self.ensure_schema()
        with self._sessions() as session, session.begin():
            yield session

    def check_writable(self) -> None:
        """Raise SQLAlchemyError unless a write can be committed now (a read-only file or
        directory, a read-only replica, a full disk): checked before Salesforce is asked to
        write, so a write is never followed by a failure to record it. One tiny transaction
        that leaves nothing behind (a row added and removed)."""
        self.ensure_schema()
        key = {"key": f"sfbot:write-check:{uuid.uuid4().hex}"}
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO idempotency_keys (key, created_at, state) "
                    "VALUES (:key, CURRENT_TIMESTAMP, 'pending')"
                ),
                key,
            )
            conn.execute(text("DELETE FROM idempotency_keys WHERE key = :key"), key)

    def dispose(self) -> None:
        self.engine.dispose()
