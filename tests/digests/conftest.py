"""Fixtures for the digest tests: the Salesforce emulator, the fake Slack, a connected
ActionContext on ``database_url`` (SQLite and PostgreSQL), a fake clock and engine factories.

Everything runs on the fake clock: the engine's ``now``, the fake Slack's message timestamps
and rate limits, the pacer, and the waits of slack_sdk's ``RateLimitErrorRetryHandler`` (its
``time.sleep`` moves the clock), so no test sleeps for real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from actions.config import ActionsSettings
from actions.connect import connect_client_credentials
from actions.context import ActionContext
from bot.digests import pacing as pacing_module
from bot.digests.engine import ChannelPacer, DigestEngine
from storage.digest_store import Digest, DigestStore
from tests.digests import FakeClock
from tests.e2e.harness import (
    BOT_TOKEN,
    CC_CLIENT_ID,
    CC_CLIENT_SECRET,
    CHANNEL,
    OWNER,
    start_emulator,
    start_fake_slack,
)
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

# Monday 24 March 2025, 06:00 UTC: Europe/Berlin moves to summer time on Sunday the 30th.
START = datetime(2025, 3, 24, 6, 0, tzinfo=UTC)

EngineFactory = Callable[..., DigestEngine]
DigestFactory = Callable[..., Digest]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> list[float]:
    """The waits of RateLimitErrorRetryHandler (it sleeps Retry-After + jitter): on the clock."""
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=sleep))
    return sleeps


@pytest.fixture(autouse=True)
def _fake_time(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock, retry_sleeps: list[float]
) -> None:
    # ChannelPacer and SharedQueries read time.monotonic(): the fake clock's seconds.
    monkeypatch.setattr(
        pacing_module, "time", SimpleNamespace(monotonic=clock.timestamp, sleep=clock.sleep)
    )


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    for name in ("DATABASE_URL", "SFBOT_SECRET_KEY", "SFBOT_SF_READ_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    emulator = start_emulator()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_bundle)
    yield emulator
    emulator.stop()


@pytest.fixture
def slack(clock: FakeClock) -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.clock = clock.timestamp
    yield fake
    fake.stop()


@pytest.fixture
def settings(database_url: str) -> ActionsSettings:
    return ActionsSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        secret_key=SecretStr(Fernet.generate_key().decode()),
    )


@pytest.fixture
def ctx(emu: SalesforceEmulator, settings: ActionsSettings) -> Iterator[ActionContext]:
    """Connected to the emulator with client credentials; its counters start at zero."""
    context = ActionContext.build(settings)
    connect_client_credentials(
        context, emu.login_url, CC_CLIENT_ID, CC_CLIENT_SECRET, connected_by="test"
    )
    emu.reset_counters()
    yield context
    context.close()


@pytest.fixture
def store(ctx: ActionContext) -> DigestStore:
    return DigestStore(ctx.db)


def slack_client(slack: FakeSlack, max_retries: int = 3) -> WebClient:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=max_retries))
    return client


@pytest.fixture
def make_engine(ctx: ActionContext, slack: FakeSlack, clock: FakeClock) -> EngineFactory:
    """``make_engine(owner=...)``: one engine = one sfbot process (its own store object,
    Slack client, pacer and shared-query cache) on the common database."""

    def factory(
        owner: str = "sfbot-a", *, pacer_interval: float = 0.0, **overrides: Any
    ) -> DigestEngine:
        return DigestEngine(
            DigestStore(ctx.db),
            ctx,
            slack_client(slack),
            clock=clock,
            owner=owner,
            pacer=ChannelPacer(interval=pacer_interval, sleep=clock.sleep),
            **overrides,
        )

    return factory


@pytest.fixture
def engine(make_engine: EngineFactory) -> DigestEngine:
    return make_engine()


@pytest.fixture
def make_digest(store: DigestStore, clock: FakeClock) -> DigestFactory:
    """A digest created now (on the fake clock): open cases, daily at 09:00 UTC, in CHANNEL."""

    def factory(**overrides: Any) -> Digest:
        fields: dict[str, Any] = {
            "name": "Support queue",
            "kind": "open_cases",
            "params": {},
            "channel_id": CHANNEL,
            "schedule": {"type": "daily", "time": "09:00"},
            "timezone": "UTC",
            "post_when_empty": False,
            "owner_user_id": OWNER,
            "now": clock.now(),
        }
        fields.update(overrides)
        return store.create(**fields)

    return factory
