"""`sfbot run` refuses to start without what it needs, naming it, with exit code 2."""

from __future__ import annotations

import json

from tests.e2e.harness import run_cli


def test_missing_slack_settings_are_named(sfbot):
    env = {
        k: v for k, v in sfbot.env.items() if k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    }
    result = run_cli(env, "run", "--http", cwd=str(sfbot.workdir), timeout=30)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "CONFIGURATION"
    assert set(error["fields"]) == {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}
    assert "Traceback" not in result.stderr


def test_a_token_slack_refuses_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_BOT_TOKEN": "xoxb-not-the-right-one"}
    result = run_cli(env, "run", "--http", cwd=str(sfbot.workdir), timeout=30)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "SLACK_AUTH"
    assert "invalid_auth" in error["message"]
    assert "xoxb-not-the-right-one" not in result.stdout + result.stderr


def test_unreachable_slack_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    result = run_cli(env, "run", "--http", cwd=str(sfbot.workdir), timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["code"] == "SLACK_UNREACHABLE"
    assert "Traceback" not in result.stderr


def test_socket_mode_with_a_refused_app_token_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_APP_TOKEN": "xapp-1-not-valid"}
    result = run_cli(env, "run", cwd=str(sfbot.workdir), timeout=60)  # no --http: Socket Mode
    assert result.returncode == 2, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "SLACK_APP_TOKEN"
    assert "xapp-1-not-valid" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    calls = sfbot.slack.calls_to("apps.connections.open")
    assert calls and calls[-1]["token"] == "xapp-1-not-valid"
