"""Tests of the `sfbot` command line, run as a subprocess against the Salesforce emulator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cryptography.fernet import Fernet

from actions.config import ActionsSettings
from actions.context import ActionContext
from storage.connection_store import StoredConnection
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET, base_env, run_cli
from tests.fakes.salesforce import SalesforceEmulator


class Cli:
    """`sfbot` with its own SQLite file and key, pointed at the emulator."""

    def __init__(self, workdir: Path, emu: SalesforceEmulator) -> None:
        self.workdir, self.emu, self.key = workdir, emu, Fernet.generate_key().decode()
        self.db = workdir / "sfbot.db"
        self.env = base_env(f"sqlite:///{self.db}", self.key, emu, None)

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli({**self.env, **env}, *args, cwd=str(self.workdir))

    def connect(self, *extra: str) -> subprocess.CompletedProcess[str]:
        login = ("--login-url", self.emu.login_url, "--client-id", CC_CLIENT_ID)
        return self(
            "connect", "client-credentials", *login, *extra, SFBOT_CLIENT_SECRET=CC_CLIENT_SECRET
        )

    def stored(self) -> StoredConnection | None:
        settings = ActionsSettings(
            _env_file=None, database_url=self.env["DATABASE_URL"], secret_key=self.key
        )
        ctx = ActionContext.build(settings)
        try:
            return ctx.store.load()
        finally:
            ctx.close()

    def db_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in self.workdir.glob("sfbot.db*"))


def output(result: subprocess.CompletedProcess[str]) -> dict:
    """The JSON object a command printed last (after any human-readable lines)."""
    lines = result.stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if line == "{")
    return json.loads("\n".join(lines[start:]))
