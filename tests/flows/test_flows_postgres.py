"""Two sfbot processes on one PostgreSQL database receive the same Slack events at the same
time (as replicas behind Slack's retries do): each event runs each matching flow once."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.config import ActionsSettings
from tests.flows.test_engine import INBOUND

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
EVENTS = 30
ANSWER_TIMEOUT = 120.0  # a guard against a hung worker, not a measure of speed


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def settings(database_url: str, settings: ActionsSettings) -> ActionsSettings:
    return settings.model_copy(update={"database_url": database_url})


class Worker:
    def __init__(self, name: str, env: dict[str, str], log: Path, database_url: str) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.flows.worker",
                "--database-url",
                database_url,
                "--name",
                name,
            ],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        line = self.lines.get(timeout=ANSWER_TIMEOUT)
        assert line, f"the worker died; see {self.log.name}"
        return line

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.send("quit")
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def workers(
    tmp_path: Path, settings: ActionsSettings, database_url: str, emu
) -> Iterator[list[Worker]]:
    assert settings.secret_key is not None
    env = {
        **os.environ,
        "SFBOT_SECRET_KEY": settings.secret_key.get_secret_value(),
        "REQUESTS_CA_BUNDLE": emu.ca_bundle,
    }
    env.pop("DATABASE_URL", None)
    started = [Worker(n, env, tmp_path / f"{n}.log", database_url) for n in ("sfbot-1", "sfbot-2")]
    for w in started:
        assert w.answer() == "ready"
    yield started
    for w in started:
        w.stop()


def test_two_processes_run_each_event_once(apply, ctx, emu, workers, engine):
    assert apply(INBOUND) == []
    for i in range(EVENTS):
        for w in workers:  # the same delivery reaches both replicas
            w.send(f"EvPg{i} please add pg{i}@example.org")
    started = [int(w.answer().split()[1]) for _ in range(EVENTS) for w in workers]
    assert sum(started) == EVENTS
    posts: list[str] = []
    for w in workers:
        w.send("wait")
        while (line := w.answer()) != "idle":
            posts.append(line.removeprefix("post "))
    leads = [r for r in emu.records("Lead") if r["Email"].startswith("pg")]
    assert len(leads) == EVENTS
    assert len({r["Email"] for r in leads}) == EVENTS
    assert sorted(posts) == sorted(f"Created lead {r['Id']}" for r in leads)
    runs = engine.runs("inbound-leads", limit=1000)
    assert len(runs) == EVENTS and {r["status"] for r in runs} == {"succeeded"}
