"""``webhook`` triggers over real HTTP (the server ``sfbot run`` serves, without Slack's path as in
Socket Mode): bad, missing, stale and replayed signatures run nothing; a good one runs the shipped
example once; a non-JSON body is a 400."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from pydantic import SecretStr

from actions.flows.engine import FlowEngine
from actions.flows.webhook import sign
from bot.server import make_wsgi_app
from tests.fakes.salesforce import SalesforceEmulator

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples/flows/score-webhook.yml").read_text()
SECRET = "s3cret-for-the-scorer"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def url(engine: FlowEngine, ctx, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LEAD_SCORER_SECRET", SECRET)
    services = SimpleNamespace(
        settings=SimpleNamespace(slack_signing_secret=SecretStr("x")), actions=ctx, flows=engine
    )
    server = make_server("127.0.0.1", 0, make_wsgi_app(None, services), handler_class=_Quiet)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/flows/score-webhook/webhook"
    server.shutdown()
    server.server_close()


def post(
    url: str, body: bytes, *, ts: str | None = None, sig: str | None = None
) -> requests.Response:
    ts = ts if ts is not None else str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Sfbot-Timestamp": ts}
    headers["X-Sfbot-Signature"] = sig if sig is not None else sign(SECRET, ts, body)
    return requests.post(url, data=body, headers=headers, timeout=30)


def test_a_signed_request_runs_the_example_once_and_a_replay_runs_nothing(
    apply, engine: FlowEngine, emu: SalesforceEmulator, url: str
) -> None:
    assert apply(EXAMPLE) == []
    lead_id = emu.insert("Lead", {"LastName": "Scored", "Company": "S"})
    body = json.dumps({"lead_id": lead_id, "score": 87}).encode()
    ts = str(int(time.time()))
    first = post(url, body, ts=ts)
    assert first.status_code == 202
    assert isinstance(first.json()["run_id"], int)
    assert engine.wait_idle(60)
    assert emu.get(lead_id)["Lead_Score__c"] == 87
    replay = post(url, body, ts=ts)
    assert replay.status_code == 200 and replay.json() == {"run_id": None, "duplicate": True}
    assert engine.wait_idle(60)
    (run,) = engine.runs("score-webhook")
    assert run["status"] == "succeeded"


@pytest.mark.parametrize(
    ("ts_shift", "sig", "reason"),
    [
        (0, "sha256=" + "0" * 64, "does not match"),
        (0, "", "sha256=HEX"),
        (0, "md5=abc", "sha256=HEX"),
        (-301, None, "more than 300 seconds"),
        (+301, None, "more than 300 seconds"),
    ],
)
def test_bad_or_stale_signatures_are_401_and_run_nothing(
    apply, engine: FlowEngine, url: str, ts_shift: int, sig: str | None, reason: str
) -> None:
    assert apply(EXAMPLE) == []
    body = b'{"lead_id": "00Q000000000001AAA", "score": 1}'
    resp = post(url, body, ts=str(int(time.time()) + ts_shift), sig=sig)
    assert resp.status_code == 401
    assert reason in resp.json()["message"]
    assert engine.runs("score-webhook") == []


def test_missing_headers_a_body_signed_for_another_and_a_bad_timestamp_are_401(
    apply, engine: FlowEngine, url: str
) -> None:
    assert apply(EXAMPLE) == []
    assert requests.post(url, data=b"{}", timeout=30).status_code == 401
    ts = str(int(time.time()))
    other = sign(SECRET, ts, b'{"score": 1}')
    assert post(url, b'{"score": 99}', ts=ts, sig=other).status_code == 401
    for bad in ("abc", "1.5", "", "0x10", "\u0661\u0662".encode().decode("latin-1")):
        assert post(url, b"{}", ts=bad, sig="sha256=" + "0" * 64).status_code == 401
    assert engine.runs("score-webhook") == []


def test_a_non_json_body_is_400_and_unknown_flows_404(apply, engine: FlowEngine, url: str) -> None:
    assert apply(EXAMPLE) == []
    resp = post(url, b"score=87")
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_json"
    assert engine.runs("score-webhook") == []
    other = url.replace("score-webhook", "no-such-flow")
    assert post(other, b"{}").status_code == 404
    assert requests.get(url, timeout=30).status_code == 405


def test_an_unset_secret_refuses_every_request(
    apply, engine: FlowEngine, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert apply(EXAMPLE) == []
    monkeypatch.delenv("LEAD_SCORER_SECRET")
    assert post(url, b"{}").status_code == 503
    assert engine.runs("score-webhook") == []
