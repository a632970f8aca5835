"""The stored connection, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from storage.connection_store import ConnectionStore, StoredConnection
from storage.crypto import Cipher, new_key
from storage.db import Database

SECRETS = {
    "client_secret": "cs-VERY-SECRET-1",
    "private_key": "-----BEGIN PRIVATE KEY-----pk-VERY-SECRET-2",
    "refresh_token": "rt-VERY-SECRET-3",
    "access_token": "at-VERY-SECRET-4",
}


def sample(**changes) -> StoredConnection:
    base = dict(
        flow="client_credentials",
        login_url="https://login.example.com",
        client_id="cid",
        instance_url="https://org.example.com",
        org_id="00D000000000001AAA",
        user_id="005000000000001AAA",
        api_version="62.0",
        connected_by="cli:test",
        username="integration@example.com",
        scopes=("api", "id"),
        **SECRETS,
    )
    base.update(changes)
    return StoredConnection(**base)


@pytest.fixture
def store(database_url):
    db = Database(database_url)
    yield ConnectionStore(db, Cipher([new_key().encode()]))
    db.dispose()


def test_schema_is_migrated_to_head_on_first_use(database_url):
    db = Database(database_url)
    assert db.current_revision() is None
    ConnectionStore(db, Cipher([new_key().encode()])).load()
    assert db.current_revision() == Database.head_revision()
    db.upgrade()  # idempotent
    db.dispose()


def test_save_load_round_trip_and_replace(store):
    assert store.load() is None
    store.save(sample())
    loaded = store.load()
    assert loaded.client_secret == SECRETS["client_secret"]
    assert loaded.scopes == ("api", "id")
    assert loaded.connected_at.tzinfo is not None
    store.save(sample(username="other@example.com"))
    assert store.load().username == "other@example.com"


def test_secrets_are_not_readable_in_the_database(store):
    store.save(sample())
    with store.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM sf_connection")).all()
    dump = repr(rows)
    for value in SECRETS.values():
        assert value not in dump
    assert "VERY-SECRET" not in dump


def test_repr_never_shows_secrets():
    assert "VERY-SECRET" not in repr(sample())


def test_refresh_once_even_with_many_threads(store):
    store.save(sample())
    calls = []

    def fetch(conn):
        calls.append(conn.access_token)
        return f"new-token-{len(calls)}"

    results = []

    def worker():
        results.append(store.refresh_access_token(0, fetch))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert {r.access_token for r in results} == {"new-token-1"}
    assert store.load().token_version == 1


def test_usage_problem_delete_and_cache(store):
    store.save(sample())
    store.record_usage(12, 15000)
    store.set_problem("token_refused", "refused")
    conn = store.load()
    assert (conn.api_usage_used, conn.api_usage_max, conn.problem) == (12, 15000, "token_refused")
    store.cache_put("describe:Lead", conn.org_id, {"a": 1})
    assert store.cache_get("describe:Lead", conn.org_id, timedelta(hours=1)) == {"a": 1}
    assert store.cache_get("describe:Lead", "00Dother", timedelta(hours=1)) is None
    assert store.cache_get("describe:Lead", conn.org_id, timedelta(seconds=-1)) is None
    assert store.delete() is True
    assert store.load() is None
    assert store.cache_get("describe:Lead", conn.org_id, timedelta(hours=1)) is None


def test_rotate_key_reencrypts_everything(database_url):
    old, new = new_key(), new_key()
    db = Database(database_url)
    ConnectionStore(db, Cipher([old.encode()])).save(sample())
    rotating = ConnectionStore(db, Cipher([new.encode(), old.encode()]))
    assert rotating.rotate_key() == 4
    assert (
        ConnectionStore(db, Cipher([new.encode()])).load().access_token == SECRETS["access_token"]
    )
    db.dispose()


def test_no_database_lock_is_held_while_salesforce_is_asked(store):
    store.save(sample())
    written = threading.Event()

    def fetch(conn):
        # Another process writing meanwhile (usage, audit...) is not blocked by the refresh.
        writer = threading.Thread(target=lambda: (store.record_usage(1, 2), written.set()))
        writer.start()
        writer.join(timeout=5)
        return "fresh-token"

    conn = store.refresh_access_token(0, fetch)
    assert written.is_set()
    assert (conn.access_token, conn.token_version, conn.api_usage_used) == ("fresh-token", 1, 1)


def test_a_lease_left_by_a_dead_refresher_expires(store):
    store.save(sample())
    assert store._take_refresh_lease(0, timedelta(minutes=5))  # taken, then the process died
    conn = store.refresh_access_token(
        0, lambda c: "fresh-token", lease=timedelta(seconds=0.3), poll_seconds=0.05
    )
    assert (conn.access_token, conn.token_version) == ("fresh-token", 1)


def test_a_failed_refresh_releases_the_lease(store):
    store.save(sample())

    def refused(conn):
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        store.refresh_access_token(0, refused)
    assert store.refresh_access_token(0, lambda c: "fresh-token").access_token == "fresh-token"
