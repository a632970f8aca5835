"""The per-minute rate limit under concurrent deliveries, on PostgreSQL (an advisory lock per
flow serialises the claims; see ``FlowRunStore.claim``)."""

from __future__ import annotations

import pytest

from actions.config import ActionsSettings
from tests.flows.test_rate_limit_concurrent import (  # noqa: F401 (the test, run here on PostgreSQL)
    test_concurrent_deliveries_never_pass_the_limit,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def settings(database_url: str, settings: ActionsSettings) -> ActionsSettings:
    return settings.model_copy(update={"database_url": database_url})
