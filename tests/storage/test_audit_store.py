"""The audit log and idempotency keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from storage.audit_store import AuditEntry, AuditStore, IdempotencyStore
from storage.db import Database
from storage.times import utcnow


def test_audit_records_and_lists_newest_first(database_url):
    db = Database(database_url)
    audit = AuditStore(db)
    audit.record(AuditEntry(action="lookup_record", outcome="ok", slack_user_id="U1"))
    audit.record(
        AuditEntry(
            action="create_record",
            outcome="error",
            error_code="REQUIRED_FIELD_MISSING",
            slack_user_id="U2",
            object="lead",
        )
    )
    entries = audit.entries()
    assert [e.action for e in entries] == ["create_record", "lookup_record"]
    assert audit.entries(user_id="U1")[0].action == "lookup_record"
    assert audit.entries(since=utcnow() + timedelta(minutes=1)) == []
    db.dispose()


def test_idempotency_claim_is_exclusive_across_threads(database_url):
    db = Database(database_url)
    db.ensure_schema()
    store = IdempotencyStore(db)
    wins = []

    def worker():
        claimed, _state, _result = store.claim("view:V1")
        if claimed:
            wins.append(1)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    store.finish("view:V1", {"id": "00Q"})
    assert store.claim("view:V1") == (False, "done", {"id": "00Q"})
    store.release("view:V1")
    assert store.claim("view:V1")[0] is True
    db.dispose()
