"""Run the real sfbot as a subprocess over real HTTP, against the Salesforce emulator and the
fake Slack Web API. Used by the end-to-end tests and by the benchmarks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack, SlackDriver

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-e2e-bot-token"
TEAM_ID = "T0E2E0001"
CC_CLIENT_ID = "3MVG9e2e.client.credentials"
CC_CLIENT_SECRET = "e2e-client-secret-DO-NOT-LOG"

ADMIN = "U0ADMIN01"
AGENT = "U0AGENT01"
OWNER = "U0OWNER01"
CHANNEL = "C0SUPPORT1"
README_SCOPES = ("api", "id")  # README.md, "Scopes:" (the web flow adds refresh_token)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sfbot_executable() -> str:
    exe = Path(sys.executable).with_name("sfbot")
    return str(exe) if exe.exists() else (shutil.which("sfbot") or "sfbot")


def base_env(
    database_url: str, secret_key: str, sf: SalesforceEmulator, slack: FakeSlack | None
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "SFBOT_")) and k not in ("DATABASE_URL", "PORT")
    }
    env.update(
        DATABASE_URL=database_url,
        SFBOT_SECRET_KEY=secret_key,
        REQUESTS_CA_BUNDLE=sf.ca_bundle,
        SFBOT_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if slack is not None:
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
        )
    return env


def run_cli(
    env: dict[str, str], *args: str, cwd: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sfbot_executable(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def start_emulator() -> SalesforceEmulator:
    sf = SalesforceEmulator()
    sf.start()
    # exactly the scopes README.md tells admins to grant for client credentials
    sf.add_connected_app(CC_CLIENT_ID, client_secret=CC_CLIENT_SECRET, scopes=README_SCOPES)
    return sf


def start_fake_slack() -> FakeSlack:
    slack = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM_ID, bot_user_id="U0SFBOT01")
    slack.start()
    slack.add_user(ADMIN, "ada.admin", is_admin=True)
    slack.add_user(OWNER, "olga.owner", is_owner=True)
    slack.add_user(AGENT, "sam.agent")
    slack.add_channel(CHANNEL, "support")
    return slack


@dataclass
class SfbotApp:
    """A running `sfbot run --http` with its fakes and a signed-request driver."""

    sf: SalesforceEmulator
    slack: FakeSlack
    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "sfbot.log"

    def connect(self) -> subprocess.CompletedProcess[str]:
        """Connect the stored service account through the real CLI."""
        result = run_cli(
            {**self.env, "SFBOT_CLIENT_SECRET": CC_CLIENT_SECRET},
            "connect",
            "client-credentials",
            "--login-url",
            self.sf.login_url,
            "--client-id",
            CC_CLIENT_ID,
            "--yes",
            cwd=str(self.workdir),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, *extra_args: str, extra_env: dict[str, str] | None = None) -> None:
        env = {**self.env, **(extra_env or {})}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sfbot_executable(),
                "run",
                "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *extra_args,
            ],
            env=env,
            cwd=str(self.workdir),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sfbot exited {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"sfbot did not become healthy:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def driver(self) -> SlackDriver:
        return SlackDriver(
            app_url=f"{self.url}/slack/events",
            signing_secret=SIGNING_SECRET,
            fake=self.slack,
            team_id=TEAM_ID,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, *args, cwd=str(self.workdir))


def new_app(
    workdir: Path, sf: SalesforceEmulator, slack: FakeSlack, database_url: str | None = None
) -> SfbotApp:
    db = database_url or f"sqlite:///{workdir}/sfbot.db"
    env = base_env(db, Fernet.generate_key().decode(), sf, slack)
    return SfbotApp(sf=sf, slack=slack, env=env, workdir=workdir)
