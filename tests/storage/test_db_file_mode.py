"""The SQLite database and its WAL files are created 0600, like the key file (issue 7)."""

from __future__ import annotations

import os
import stat

from storage.db import Database


def test_database_and_wal_files_are_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual umask: SQLite alone would make them 0644
    try:
        db = Database(f"sqlite:///{tmp_path}/data/sfbot.db")
        db.ensure_schema()
        with db.session() as session:
            session.connection().exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
        files = sorted(p.name for p in (tmp_path / "data").iterdir())
        assert "sfbot.db" in files
        assert "sfbot.db-wal" in files  # WAL mode: still open, so its files exist
        modes = {name: stat.S_IMODE((tmp_path / "data" / name).stat().st_mode) for name in files}
        assert set(modes.values()) == {0o600}, modes
        db.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_world_readable_database_is_reported(tmp_path, caplog):
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Database(f"sqlite:///{path}").dispose()
    assert "readable by other users (mode 644)" in caplog.text
