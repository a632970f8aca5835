"""End-to-end fixtures: the emulator, the fake Slack and a running sfbot, per test module.

Tests in one module share the processes (starting sfbot takes about a second); each test
uses its own records and Slack users' actions, and `reset` clears the recorded calls.

Every test ends by checking that sfbot made no call the real Slack refuses (unknown method,
missing scope, invalid arguments or blocks, a bad acknowledgement...): the autouse fixture
`no_invalid_slack_calls`. A test that provokes one on purpose says so with
`@pytest.mark.invalid_slack_calls_expected`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.flows_fixtures import flow_app, flow_sf, flow_slack  # noqa: F401 (fixtures)
from tests.e2e.harness import SfbotApp, new_app, start_emulator, start_fake_slack
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack, SlackDriver
from tests.fakes.slack.server import STARTED


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "invalid_slack_calls_expected: the test makes sfbot send Slack a call it refuses",
    )


@pytest.fixture(autouse=True)
def no_invalid_slack_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if any fake Slack recorded an invalid call while it ran."""
    before = {id(fake): len(fake.invalid_calls) for fake in STARTED}
    yield
    if request.node.get_closest_marker("invalid_slack_calls_expected"):
        return
    problems = [
        f"{call['method']}: {call.get('invalid')}"
        for fake in STARTED
        for call in fake.invalid_calls[before.get(id(fake), 0) :]
    ]
    assert not problems, "sfbot sent Slack calls it refuses:\n" + "\n".join(problems)


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
