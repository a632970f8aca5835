"""End-to-end fixtures for flows: a running sfbot subscribed to the fake Slack's Events API,
the channels the shipped examples name, and the examples applied with the real CLI.

tests/e2e/conftest.py makes the fixtures (``flow_sf``, ``flow_slack``, ``flow_app``) visible
to every end-to-end test module.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    ADMIN,
    OWNER,
    SIGNING_SECRET,
    SfbotApp,
    new_app,
    start_emulator,
    start_fake_slack,
)
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "flows"
CUSTOMER = "U0CUSTOMR1"
MANAGER = "U0MANAGER1"
INBOUND_CHANNEL = "C0INBOUND1"
CHANNELS = {
    "C0INBOUND1": "inbound",
    "C0SUPPORT2": "support-desk",
    "C0SALES001": "sales",
    "C0MANAGERS": "sales-managers",
}
# Slack answers retries 0.2 s, 0.4 s, 0.6 s apart here (1 and 5 minutes in Slack)
FAST_RETRIES = (0.2, 0.4, 0.6)


def example_text(name: str, **renames: str) -> str:
    text = (EXAMPLES / name).read_text()
    for old, new in renames.items():
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def flow_sf() -> Iterator[SalesforceEmulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def flow_slack() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.add_user(CUSTOMER, "carol.customer", real_name="Carol Customer", email="carol@acme.test")
    fake.add_user(MANAGER, "max.manager", real_name="Max Manager")
    fake.add_channel("C0SUPPORT2", "support-desk", is_private=True)  # a private channel
    for cid, name in CHANNELS.items():
        if cid not in fake.channels:
            fake.add_channel(cid, name)
    yield fake
    fake.stop()


def apply_files(app: SfbotApp, *files: Path) -> Any:
    result = app.cli("flow", "apply", *map(str, files), "--owner", OWNER)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def write_flow(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def flow_app(
    tmp_path_factory: pytest.TempPathFactory, flow_sf: SalesforceEmulator, flow_slack: FakeSlack
) -> Iterator[SfbotApp]:
    """sfbot with the four shipped examples applied (the support one on #support-desk)."""
    workdir = tmp_path_factory.mktemp("flows")
    app = new_app(workdir, flow_sf, flow_slack)
    app.env["SFBOT_ADMINS"] = ADMIN
    app.connect()
    files = [EXAMPLES / n for n in ("inbound-leads.yml", "lookup-before-escalating.yml")]
    files += [EXAMPLES / "lead-conversion-approval.yml"]
    note = example_text("note-after-call.yml", **{'"#support"': '"#support-desk"'})
    files.append(write_flow(workdir, "note-after-call.yml", note))
    apply_files(app, *files)
    app.start()
    flow_slack.subscribe_events(
        f"{app.url}/slack/events", SIGNING_SECRET, retry_delays=FAST_RETRIES
    )
    yield app
    app.stop()


def runs(app: SfbotApp, name: str | None = None) -> list[dict[str, Any]]:
    result = app.cli("flow", "runs", *([name] if name else []), "--json", "--limit", "100")
    assert result.returncode == 0, result.stdout + result.stderr
    return list(json.loads(result.stdout)["runs"])


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def wait_runs_done(app: SfbotApp, name: str, count: int, timeout: float = 30.0) -> list[dict]:
    """The flow's runs once ``count`` of them have ended (not running, not waiting)."""

    def done() -> list[dict] | None:
        found = runs(app, name)
        finished = [r for r in found if r["status"] not in ("running", "waiting")]
        return found if len(finished) >= count else None

    return list(wait_until(done, timeout, f"{count} finished runs of {name}"))


def thread_replies(slack: FakeSlack, channel: str, ts: str) -> list[dict]:
    return [m for m in slack.messages(channel) if m.get("thread_ts") == ts and m["ts"] != ts]


@contextmanager
def two_replicas(
    tmp_path: Path, database_url: str, first_env: dict[str, str] | None = None
) -> Iterator[tuple[SalesforceEmulator, FakeSlack, SfbotApp, SfbotApp]]:
    """Two `sfbot run --http` processes on one database (their own fakes), the inbound-leads
    example applied; ``first_env`` is added to the first one's environment."""
    sf, slack = start_emulator(), start_fake_slack()
    slack.add_channel(INBOUND_CHANNEL, "inbound")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = new_app(tmp_path / "a", sf, slack, database_url=database_url)
    second = SfbotApp(sf=sf, slack=slack, env=dict(first.env), workdir=tmp_path / "b")
    try:
        first.connect()
        apply_files(first, EXAMPLES / "inbound-leads.yml")
        first.start(extra_env=first_env)
        second.start()
        yield sf, slack, first, second
    finally:
        first.stop()
        second.stop()
        sf.stop()
        slack.stop()
