"""In Socket Mode with PORT set, `sfbot run` also serves /healthz and the flows' webhooks (and
nothing else): the shipped score-webhook example run once by a signed request."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from actions.flows.webhook import sign
from tests.e2e.flows_fixtures import EXAMPLES, apply_files, wait_runs_done
from tests.e2e.harness import SfbotApp, free_port, new_app, start_emulator, start_fake_slack
from tests.e2e.socket_fixtures import enable, start_socket_mode, stop
from tests.fakes.salesforce import SalesforceEmulator

SECRET = "scorer-secret-e2e"


@pytest.fixture(scope="module")
def hook_sf() -> Iterator[SalesforceEmulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def hook_app(tmp_path_factory: pytest.TempPathFactory, hook_sf) -> Iterator[SfbotApp]:
    slack = start_fake_slack()
    enable(slack)
    app = new_app(tmp_path_factory.mktemp("hook"), hook_sf, slack)
    app.env.update({"LEAD_SCORER_SECRET": SECRET, "PORT": str(free_port())})
    app.env["SFBOT_HOST"] = "127.0.0.1"
    app.connect()
    apply_files(app, EXAMPLES / "score-webhook.yml")
    app.process = start_socket_mode(app)  # type: ignore[assignment]
    yield app
    stop(app.process)  # type: ignore[arg-type]
    slack.stop()


def base(app: SfbotApp) -> str:
    url = f"http://127.0.0.1:{app.env['PORT']}"
    deadline = time.monotonic() + 30  # the HTTP thread starts beside the socket
    while True:
        try:
            requests.get(url + "/healthz", timeout=5)
            return url
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_socket_mode_serves_health_and_a_signed_webhook_only(hook_app, hook_sf) -> None:
    url = base(hook_app)
    assert requests.get(url + "/healthz", timeout=10).status_code == 200
    assert requests.post(url + "/slack/events", data=b"{}", timeout=10).status_code == 404
    lead = hook_sf.insert("Lead", {"LastName": "Scored", "Company": "S"})
    body = json.dumps({"lead_id": lead, "score": 91}).encode()
    ts = str(int(time.time()))
    headers = {"X-Sfbot-Timestamp": ts, "X-Sfbot-Signature": sign(SECRET, ts, body)}
    hook = url + "/flows/score-webhook/webhook"
    assert (
        requests.post(
            hook,
            data=body,
            headers={**headers, "X-Sfbot-Signature": "sha256=" + "0" * 64},
            timeout=10,
        ).status_code
        == 401
    )
    accepted = requests.post(hook, data=body, headers=headers, timeout=10)
    assert accepted.status_code == 202, accepted.text
    wait_runs_done(hook_app, "score-webhook", 1)
    assert hook_sf.get(lead)["Lead_Score__c"] == 91
