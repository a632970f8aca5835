"""`sfbot digest list` and `sfbot digest runs`, run as a subprocess on a prepared database."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from storage.db import Database
from storage.digest_store import FAILED, MISSED, POSTED, SKIPPED, DigestStore
from tests.e2e.harness import run_cli

T0 = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)


class DigestCli:
    def __init__(self, workdir: Path) -> None:
        self.url = f"sqlite:///{workdir / 'sfbot.db'}"
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "SFBOT_")) and k != "DATABASE_URL"
        }
        self.env.update(DATABASE_URL=self.url, SFBOT_SECRET_KEY=Fernet.generate_key().decode())
        self.db = Database(self.url)
        self.store = DigestStore(self.db)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, "digest", *args, cwd=str(self.workdir))

    def json(self, *args: str) -> dict:
        result = self(*args, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def add(self, name: str, **changes) -> int:
        fields = {
            "name": name,
            "kind": "new_leads",
            "params": {},
            "channel_id": "C0SALES01",
            "schedule": {"type": "daily", "time": "09:00"},
            "timezone": "Europe/Paris",
            "post_when_empty": False,
            "owner_user_id": "U0ADMIN01",
            "now": T0,
        }
        return self.store.create(**{**fields, **changes}).id

    def run(self, digest_id: int, hours: int, state: str, **outcome) -> None:
        at = T0 + timedelta(hours=hours)
        claimed = self.store.claim(digest_id, at, "host:1", now=at, late=hours == 3)
        assert claimed is not None
        if state != "claimed":
            self.store.finish(claimed.id, state, now=at, **outcome)


@pytest.fixture
def cli(tmp_path: Path):
    c = DigestCli(tmp_path)
    yield c
    c.db.dispose()


def test_list_without_digests(cli):
    assert cli.json("list") == {"digests": [], "count": 0}
    assert "No digests" in cli("list").stdout


def test_list_shows_definitions_with_next_run(cli):
    daily = cli.add("Morning leads")
    paused = cli.add("Cases", kind="open_cases")
    cli.store.update(paused, paused=True)
    cron = cli.add(
        "Closing",
        kind="closing_opportunities",
        params={"days": 14},
        schedule={"type": "cron", "cron": "0 3 29 2 *"},
        timezone="UTC",
    )
    broken = cli.add("Broken", schedule={"type": "cron", "cron": "99 * * * *"})
    body = cli.json("list")
    assert body["count"] == 4
    by_id = {d["id"]: d for d in body["digests"]}
    first = by_id[daily]
    assert first["name"] == "Morning leads" and first["kind_label"] == "New leads"
    assert first["schedule_description"] == "daily at 09:00"
    assert first["timezone"] == "Europe/Paris" and first["paused"] is False
    next_run = datetime.fromisoformat(first["next_run"])
    assert next_run > datetime.now(UTC)
    assert next_run.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") == "09:00"
    assert by_id[paused]["paused"] is True and by_id[paused]["next_run"] is None
    closing = by_id[cron]
    assert closing["params"] == {"days": 14}
    assert closing["next_run"].startswith(("2028-02-29T03:00", "2032-02-29T03:00"))
    assert by_id[broken]["next_run"] is None
    table = cli("list").stdout.splitlines()
    assert table[0].split()[:3] == ["id", "name", "kind"]
    assert any("Cases" in line and "paused" in line for line in table)
    assert any("daily at 09:00 (Europe/Paris)" in line for line in table)


def test_runs_newest_first_with_state_late_ts_and_error(cli):
    digest = cli.add("Morning leads")
    other = cli.add("Other")
    cli.run(digest, 1, POSTED, channel_id="C0SALES01", message_ts="1714982400.000100")
    cli.run(digest, 2, FAILED, error="Salesforce: No such column (INVALID_FIELD)")
    cli.run(digest, 3, SKIPPED, record_count=0)
    cli.run(digest, 4, MISSED)
    cli.run(digest, 5, "claimed")
    cli.run(other, 6, POSTED, message_ts="1714999999.000200")
    body = cli.json("runs")
    assert body["count"] == 6
    assert [r["state"] for r in body["runs"]] == [
        POSTED,
        "claimed",
        MISSED,
        SKIPPED,
        FAILED,
        POSTED,
    ]
    mine = cli.json("runs", "--digest", str(digest))["runs"]
    assert {r["digest_id"] for r in mine} == {digest}
    posted = mine[-1]
    assert posted["ts"] == "1714982400.000100"
    assert posted["scheduled_for"] == "2024-05-06T08:00:00+00:00"
    assert posted["late"] is False and mine[2]["late"] is True
    assert mine[3]["error"] == "Salesforce: No such column (INVALID_FIELD)"
    assert len(cli.json("runs", "--limit", "2")["runs"]) == 2
    table = cli("runs", "--digest", str(digest)).stdout.splitlines()
    assert table[0].startswith("scheduled for (UTC)")
    assert "1714982400.000100" in table[-1]
    assert any("INVALID_FIELD" in line and "failed" in line for line in table)


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (("runs", "--limit", "0"), "INVALID_OPTION", "limit"),
        (("runs", "--limit", "lots"), "INVALID_OPTION", "limit"),
        (("runs", "--limit", "5000"), "INVALID_OPTION", "limit"),
        (("runs", "--digest", "abc"), "INVALID_OPTION", "digest"),
        (("runs", "--digest", "999"), "UNKNOWN_DIGEST", "digest"),
    ],
)
def test_bad_options_exit_2_with_a_json_error(cli, args, code, field):
    result = cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["fields"]) == (code, [field])
    assert error["message"]


def test_no_runs_yet(cli):
    cli.add("Quiet")
    assert cli.json("runs") == {"runs": [], "count": 0}
    assert cli("runs").stdout.strip() == "No digest runs."
