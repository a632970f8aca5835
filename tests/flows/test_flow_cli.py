"""`sfbot flow ...` as a subprocess: apply (with FILE:LINE errors and channels checked over the
Slack fake), list, show, enable/disable, delete, runs, schema, test."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml
from cryptography.fernet import Fernet

from tests.e2e.harness import BOT_TOKEN, run_cli, start_fake_slack
from tests.fakes.slack import FakeSlack

GOOD = """\
name: support-notes
description: Note on the case when someone reacts
trigger:
  slack_message:
    channel: C0SUPPORT1
    match: 'case (?P<number>\\d+)'
steps:
  - id: find
    lookup_record: {name: "{{ trigger.match.number }}", object: account}
  - post_message: {thread: true, text: "found {{ steps.find.count }}"}
"""

BAD = """\
name: broken
trigger:
  slack_message:
    channel: C0NOTHERE1
steps:
  - id: find
    lookup_record: {email: "{{ trigger.text }}", colour: red}
  - post_message: {thread: true, text: "{{ ''.__class__ }}"}
"""


class FlowCli:
    def __init__(self, workdir: Path, slack: FakeSlack) -> None:
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "SFBOT_")) and k != "DATABASE_URL"
        }
        self.env.update(
            DATABASE_URL=f"sqlite:///{workdir / 'sfbot.db'}",
            SFBOT_SECRET_KEY=Fernet.generate_key().decode(),
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.api_url,
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, "flow", *args, cwd=str(self.workdir))

    def ok(self, *args: str) -> dict:
        result = self(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def file(self, name: str, text: str) -> str:
        (self.workdir / name).write_text(text)
        return name


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = start_fake_slack()
    fake.add_channel("C0OUTSIDE1", "outside", is_member=False)
    yield fake
    fake.stop()


@pytest.fixture
def cli(tmp_path: Path, slack: FakeSlack) -> FlowCli:
    return FlowCli(tmp_path, slack)


def test_apply_list_show_enable_disable_delete(cli):
    good = cli.file("good.yml", GOOD)
    applied = cli.ok("apply", good, "--owner", "U0OWNER01")["applied"]
    assert applied[0]["name"] == "support-notes" and applied[0]["created"] is True
    again = cli.ok("apply", good)["applied"][0]  # re-applied: the owner is kept
    assert again["created"] is False and again["version"] == 2 and again["owner"] == "U0OWNER01"
    listed = cli.ok("list", "--json")["flows"]
    assert [(f["name"], f["enabled"], f["trigger"], f["last_run"]) for f in listed] == [
        ("support-notes", True, "slack_message", None)
    ]
    assert "support-notes" in cli("list").stdout
    shown = cli.ok("show", "support-notes")
    assert shown["definition"]["trigger"]["slack_message"]["channel"] == "C0SUPPORT1"
    assert shown["source"] == GOOD
    assert cli.ok("disable", "support-notes") == {"name": "support-notes", "enabled": False}
    assert cli.ok("list", "--json")["flows"][0]["enabled"] is False
    cli.ok("enable", "support-notes")
    assert cli.ok("runs", "--json") == {"runs": [], "next_before": None}
    assert cli.ok("runs", "support-notes", "--limit", "5", "--json") == {
        "runs": [],
        "next_before": None,
    }
    assert cli.ok("delete", "support-notes", "--yes") == {"name": "support-notes", "deleted": True}
    assert cli.ok("list", "--json") == {"flows": []}


def test_bad_files_are_refused_with_their_lines_and_store_nothing(cli):
    bad = cli.file("bad.yml", BAD)
    result = cli("apply", bad, "--owner", "U0OWNER01")
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "INVALID_FLOW_FILE"
    # Slack is asked about channels once the file itself is right
    assert error["problems"] == [
        "bad.yml:7: lookup_record: colour: Extra inputs are not permitted",
        "bad.yml:8: '__class__': templates cannot reach Python internals",
    ]
    assert "bad.yml:7: lookup_record: colour" in result.stderr
    assert cli.ok("list", "--json") == {"flows": []}
    fixed = cli.file("fixed.yml", BAD.replace(", colour: red", "").replace("''.__class__", "1"))
    result = cli("apply", fixed, "--owner", "U0OWNER01")
    assert json.loads(result.stdout)["error"]["problems"] == [
        "fixed.yml:4: channel C0NOTHERE1: Slack says channel_not_found"
    ]


def test_a_channel_the_bot_is_not_in_is_refused(cli):
    text = GOOD.replace("C0SUPPORT1", "C0OUTSIDE1")
    result = cli("apply", cli.file("outside.yml", text), "--owner", "U0OWNER01")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["problems"] == [
        "outside.yml:5: sfbot is not a member of C0OUTSIDE1: /invite it there first"
    ]


def test_one_bad_file_does_not_stop_the_good_one(cli):
    good, bad = cli.file("good.yml", GOOD), cli.file("bad.yml", "name: [")
    result = cli("apply", good, bad, "--owner", "U0OWNER01")
    assert result.returncode == 2
    body = json.loads(result.stdout)
    assert body["error"]["problems"][0].startswith("bad.yml:1: not valid YAML")
    assert [a["name"] for a in body["applied"]] == ["support-notes"]


def test_bad_options_are_json_errors(cli):
    cli.ok("apply", cli.file("good.yml", GOOD), "--owner", "U0OWNER01")
    for args, code in [
        (("apply", "missing.yml", "--owner", "U0OWNER01"), "INVALID_FLOW_FILE"),
        (("apply", "x.yml", "--owner", "nobody"), "INVALID_OWNER"),
        (("show", "nope"), "UNKNOWN_FLOW"),
        (("enable", "nope"), "UNKNOWN_FLOW"),
        (("delete", "nope", "--yes"), "UNKNOWN_FLOW"),
        (("delete", "support-notes"), "NOT_CONFIRMED"),  # no terminal to confirm on
        (("runs", "--limit", "0"), "INVALID_OPTION"),
        (("runs", "nope"), "UNKNOWN_FLOW"),
    ]:
        result = cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert json.loads(result.stdout)["error"]["code"] == code


def test_schema_validates_a_good_file(cli):
    schema = cli.ok("schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(GOOD), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "trigger": {"nope": {}}, "steps": []}, schema)


def test_test_needs_a_json_event_and_a_good_file(cli):
    good = cli.file("good.yml", GOOD)
    result = cli("test", good, "--event", "{not json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "INVALID_JSON"
    bad = cli.file("bad.yml", "name: x\n")
    result = cli("test", bad, "--event", "{}")
    assert result.returncode == 2 and "bad.yml:" in result.stderr
    result = cli("test", good, "--event", '{"text": "nothing to match"}')
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {
        "flow": "support-notes",
        "matched": False,
        "status": "not_matched",
        "error": None,
        "steps": [],
    }
