"""After Salesforce said yes, sfbot's own bookkeeping never turns into a failure report
(issue 7.3), and a database that cannot be written stops a write before it is sent.

The failures are made real: a read-only SQLite URL (``mode=ro``), or a trigger that makes
the database refuse one table's inserts, as a full disk or a broken replica would."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager

from tests.e2e.harness import AGENT, run_cli
from tests.e2e.test_create_update import NAME, create_values, ids_of, open_create, unique


def read_only_url(sfbot) -> str:
    return f"sqlite:///file:{sfbot.workdir / 'sfbot.db'}?mode=ro&uri=true"


@contextmanager
def refusing_inserts(sfbot, table: str):
    db = sqlite3.connect(sfbot.workdir / "sfbot.db", timeout=30)
    name = f"refuse_{table}"
    db.execute(
        f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    db.commit()
    try:
        yield
    finally:
        db.execute(f"DROP TRIGGER {name}")
        db.commit()
        db.close()


@contextmanager
def table_gone(sfbot, table: str):
    """The table cannot be used (OperationalError, as on a broken or read-only database)."""
    db = sqlite3.connect(sfbot.workdir / "sfbot.db", timeout=30)
    db.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    db.commit()
    try:
        yield
    finally:
        db.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
        db.commit()
        db.close()


def posts(sf, sobject: str) -> int:
    return sum(
        1 for e in sf.request_log if e["method"] == "POST" and f"sobjects/{sobject}" in e["path"]
    )


def test_sfbot_run_on_a_read_only_database_is_a_clear_error_at_start(sfbot):
    env = {**sfbot.env, "DATABASE_URL": read_only_url(sfbot)}
    result = run_cli(env, "run", "--http", "--port", "9", cwd=str(sfbot.workdir), timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "sfbot cannot write to its database" in result.stderr  # plain text for people
    assert "Traceback" not in result.stderr
    as_json = run_cli(env, "run", "--http", "--port", "9", "--json", cwd=str(sfbot.workdir))
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["error"]["code"] == "DATABASE_READ_ONLY"


def test_cli_write_on_a_read_only_database_sends_nothing(sfbot, sf):
    before = posts(sf, "Lead")
    env = {**sfbot.env, "DATABASE_URL": read_only_url(sfbot)}
    raw = json.dumps({"object": "lead", "name": "Never Sent"})
    result = run_cli(env, "action", "create_record", "--input", raw, cwd=str(sfbot.workdir))
    assert result.returncode == 2, result.stdout + result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "DATABASE_READ_ONLY"
    assert posts(sf, "Lead") == before


def test_cli_audit_failure_after_the_write_is_a_warning_beside_the_id(sfbot, sf):
    before = ids_of(sf, "Lead")
    raw = json.dumps({"object": "lead", "name": unique("Audit Down ")})
    with refusing_inserts(sfbot, "audit_log"):
        result = sfbot.cli("action", "create_record", "--input", raw)
    assert result.returncode == 0, result.stdout + result.stderr
    body = json.loads(result.stdout)
    created = ids_of(sf, "Lead") - before
    assert created == {body["id"]}
    assert [w["code"] for w in body["warnings"]] == ["AUDIT_NOT_WRITTEN"]
    assert "AUDIT ENTRY NOT WRITTEN" in result.stderr


def test_modal_audit_failure_after_the_write_still_shows_the_record(driver, slack, sf, sfbot):
    view = open_create(driver, slack, "create account")
    before = ids_of(sf, "Account")
    with refusing_inserts(sfbot, "audit_log"):
        r = driver.view_submission(
            view, create_values("account", **{NAME: unique("Audit Ltd ")}), user_id=AGENT
        )
        assert r.ack_in_time
        created = ids_of(sf, "Account") - before
        assert len(created) == 1
        card = slack.wait_for(
            "chat.postEphemeral",
            lambda c: next(iter(created)) in json.dumps(c["args"].get("blocks")),
            timeout=15,
        )
    # reported beside the success, never as a failure
    assert "could not write its audit entry" in json.dumps(card["args"]["blocks"])
    assert "Nothing was saved" not in json.dumps(r.json() if r.text else {})


def test_modal_on_an_unwritable_database_sends_nothing_and_says_so(driver, slack, sf, sfbot):
    view = open_create(driver, slack, "create lead")
    before = posts(sf, "Lead")
    with table_gone(sfbot, "idempotency_keys"):
        r = driver.view_submission(
            view, create_values("lead", **{NAME: unique("Db Down ")}), user_id=AGENT
        )
    assert r.status_code == 200 and r.json()["response_action"] == "update"
    assert "cannot write to its database" in json.dumps(r.json()["view"])
    assert posts(sf, "Lead") == before
