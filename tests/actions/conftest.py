"""Fixtures: a started Salesforce emulator and an ActionContext connected to it.

Each test gets its own emulator (starting one takes milliseconds) and its own SQLite file, so
the recorded calls and counters only hold what the test did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from actions.config import ActionsSettings
from actions.connect import connect_client_credentials
from actions.context import ActionContext
from tests.e2e.harness import CC_CLIENT_ID, CC_CLIENT_SECRET, start_emulator
from tests.fakes.salesforce import SalesforceEmulator

ContextFactory = Callable[..., ActionContext]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    for name in ("DATABASE_URL", "SFBOT_SECRET_KEY", "SFBOT_SF_READ_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    emulator = start_emulator()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_bundle)
    yield emulator
    emulator.stop()


@pytest.fixture
def settings(tmp_path: Path) -> ActionsSettings:
    return ActionsSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path}/sfbot.db",
        secret_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
def make_ctx(settings: ActionsSettings) -> Iterator[ContextFactory]:
    """Build more ActionContexts on the same database (each one = one sfbot process)."""
    built: list[ActionContext] = []

    def factory(**overrides: Any) -> ActionContext:
        ctx = ActionContext.build(settings.model_copy(update=overrides))
        built.append(ctx)
        return ctx

    yield factory
    for ctx in built:
        ctx.close()


@pytest.fixture
def ctx(emu: SalesforceEmulator, make_ctx: ContextFactory) -> ActionContext:
    """Connected with client credentials; the emulator's counters start at zero."""
    context = make_ctx()
    connect_client_credentials(
        context, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, connected_by="test"
    )
    emu.reset_counters()
    return context
