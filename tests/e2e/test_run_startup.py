"""`sfbot run` refuses to start without what it needs, naming it, with exit code 2."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import run_cli


def test_missing_slack_settings_are_explained_in_plain_text(sfbot):
    env = {
        k: v for k, v in sfbot.env.items() if k not in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    }
    result = run_cli(env, "run", "--http", cwd=str(sfbot.workdir), timeout=30)
    assert result.returncode == 2
    assert result.stdout == ""  # a message for people, on stderr, not a JSON document
    text = result.stderr
    assert text.startswith(
        "sfbot: cannot start: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET are not set."
    )
    assert "OAuth & Permissions" in text and "Signing Secret" in text  # where to get each
    assert "manifest.yml" in text and '"The Slack app" in README.md' in text
    assert "Traceback" not in text and "{" not in text


def test_missing_slack_settings_as_json_with_json_flag(sfbot):
    env = {k: v for k, v in sfbot.env.items() if k != "SLACK_SIGNING_SECRET"}
    result = run_cli(env, "run", "--http", "--json", cwd=str(sfbot.workdir), timeout=30)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "CONFIGURATION"
    assert error["fields"] == ["SLACK_SIGNING_SECRET"]
    assert "Traceback" not in result.stderr


@pytest.mark.invalid_slack_calls_expected  # the wrong token, on purpose
def test_a_token_slack_refuses_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_BOT_TOKEN": "xoxb-not-the-right-one"}
    plain = run_cli(env, "run", "--http", cwd=str(sfbot.workdir), timeout=30)
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.startswith("sfbot: Slack refused SLACK_BOT_TOKEN: invalid_auth")
    result = run_cli(env, "run", "--http", "--json", cwd=str(sfbot.workdir), timeout=30)
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "SLACK_AUTH"
    assert "invalid_auth" in error["message"]
    assert "xoxb-not-the-right-one" not in result.stdout + result.stderr


def test_unreachable_slack_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    result = run_cli(env, "run", "--http", "--json", cwd=str(sfbot.workdir), timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["code"] == "SLACK_UNREACHABLE"
    assert "Traceback" not in result.stderr


@pytest.mark.invalid_slack_calls_expected  # the wrong app-level token, on purpose
def test_socket_mode_with_a_refused_app_token_is_a_clear_error(sfbot):
    env = {**sfbot.env, "SLACK_APP_TOKEN": "xapp-1-not-valid"}
    result = run_cli(env, "run", "--json", cwd=str(sfbot.workdir), timeout=60)  # Socket Mode
    assert result.returncode == 2, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "SLACK_APP_TOKEN"
    assert "xapp-1-not-valid" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    calls = sfbot.slack.calls_to("apps.connections.open")
    assert calls and calls[-1]["token"] == "xapp-1-not-valid"
