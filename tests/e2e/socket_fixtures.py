"""`sfbot run` in Socket Mode (SLACK_APP_TOKEN set, no --http) against the fake Slack's
Socket Mode server (tests/fakes/slack/socket_mode.py)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.e2e.harness import SfbotApp, sfbot_executable
from tests.fakes.slack import FakeSlack

APP_TOKEN = "xapp-1-A0FAKEAPP-1234567890-e2e0socket0mode0app0level0token"


def enable(slack: FakeSlack) -> None:
    slack.enable_socket_mode(APP_TOKEN)


def start_socket_mode(app: SfbotApp, log_name: str = "sfbot.log") -> subprocess.Popen[bytes]:
    """Start `sfbot run` (Socket Mode) and wait for its socket to be open."""
    server = app.slack.socket_mode
    assert server is not None
    before = len(server.opened)
    log = (app.workdir / log_name).open("ab")
    process = subprocess.Popen(
        [sfbot_executable(), "run"],
        env={**app.env, "SLACK_APP_TOKEN": APP_TOKEN},
        cwd=str(app.workdir),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(server.opened) <= before:
        if process.poll() is not None:
            raise RuntimeError(f"sfbot exited {process.returncode}:\n{read_log(app, log_name)}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"sfbot did not connect:\n{read_log(app, log_name)}")
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_log(app: SfbotApp, log_name: str = "sfbot.log") -> str:
    path: Path = app.workdir / log_name
    return path.read_text(errors="replace") if path.exists() else ""
