"""End-to-end fixtures: the emulator, the fake Slack and a running sfbot, per test module.

Tests in one module share the processes (starting sfbot takes about a second); each test
uses its own records and Slack users' actions, and `reset` clears the recorded calls.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.flows_fixtures import flow_app, flow_sf, flow_slack  # noqa: F401 (fixtures)
from tests.e2e.harness import SfbotApp, new_app, start_emulator, start_fake_slack
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack, SlackDriver


@pytest.fixture(scope="module")
def sf() -> Iterator[SalesforceEmulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def sfbot(
    tmp_path_factory: pytest.TempPathFactory, sf: SalesforceEmulator, slack: FakeSlack
) -> Iterator[SfbotApp]:
    app = new_app(tmp_path_factory.mktemp("sfbot"), sf, slack)
    app.connect()
    app.start()
    yield app
    app.stop()


@pytest.fixture
def driver(sfbot: SfbotApp) -> SlackDriver:
    sfbot.sf.delay = 0.0
    return sfbot.driver()
