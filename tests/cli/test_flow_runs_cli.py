"""`sfbot flow runs`, a page at a time (``--limit``, ``--before``, ``--status``), run as a
subprocess on a prepared database."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from actions.flows.apply import apply_files
from storage.db import Database
from storage.flow_run_store import FlowRunStore
from storage.flow_store import FlowStore
from tests.e2e.harness import run_cli
from tests.flows.fake_port import FakeFlowSlack

T0 = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)
FLOW = """
name: paged
trigger:
  slack_message: {channel: C0SALES001}
steps:
  - stop: {}
"""


class FlowCli:
    def __init__(self, workdir: Path) -> None:
        url = f"sqlite:///{workdir / 'sfbot.db'}"
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "SFBOT_")) and k != "DATABASE_URL"
        }
        self.env.update(DATABASE_URL=url, SFBOT_SECRET_KEY=Fernet.generate_key().decode())
        self.db = Database(url)
        self.db.upgrade()
        store = FlowStore(self.db)
        result = apply_files([("paged.yml", FLOW)], store, FakeFlowSlack(), "U0OWNER01", now=T0)
        assert result.problems == []
        self.flow = store.get("paged")
        self.runs = FlowRunStore(self.db)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, "flow", "runs", *args, cwd=str(self.workdir))

    def json(self, *args: str) -> dict:
        result = self(*args, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def add(self, n: int, status: str) -> int:
        run = self.runs.claim(
            flow_id=self.flow.id,
            flow_name="paged",
            flow_version=self.flow.version,
            trigger_key=f"slack:EvPage{n}",
            trigger_kind="slack_message",
            event={},
            claimed_by="host:1",
            now=T0 + timedelta(minutes=n),
            status=status,
        )
        assert run is not None
        return run.id


@pytest.fixture
def cli(tmp_path: Path):
    c = FlowCli(tmp_path)
    yield c
    c.db.dispose()


def test_pages_newest_first_until_the_last(cli):
    ids = [cli.add(n, "failed" if n % 3 == 0 else "skipped") for n in range(7)]
    first = cli.json("paged", "--limit", "3")
    assert [r["id"] for r in first["runs"]] == ids[::-1][:3]
    second = cli.json("paged", "--limit", "3", "--before", str(first["next_before"]))
    assert [r["id"] for r in second["runs"]] == ids[::-1][3:6]
    last = cli.json("paged", "--limit", "3", "--before", str(second["next_before"]))
    assert [r["id"] for r in last["runs"]] == ids[:1] and last["next_before"] is None
    failed = cli.json("--status", "failed")
    assert [r["id"] for r in failed["runs"]] == [ids[6], ids[3], ids[0]]
    text = cli("paged", "--limit", "3").stdout
    assert f"More runs: sfbot flow runs paged --limit 3 --before {ids[4]}" in text


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--before", "soon"), "before"),
        (("--status", "done"), "status"),
        (("--limit", "0"), "limit"),
    ],
)
def test_bad_options_exit_2_with_a_json_error(cli, args, field):
    result = cli(*args, "--json")
    assert result.returncode == 2, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["fields"]) == ("INVALID_OPTION", [field])
