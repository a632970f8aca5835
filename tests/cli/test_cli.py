"""The real `sfbot` command line, run as a subprocess: status, disconnect, actions, keys.

Connecting through the CLI is tested in tests/actions/test_connect_flows.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from cryptography.fernet import Fernet

from tests.cli import Cli, output
from tests.e2e.harness import (
    CC_CLIENT_ID,
    CC_CLIENT_SECRET,
    README_SCOPES,
    run_cli,
    sfbot_executable,
    start_emulator,
)
from tests.fakes.salesforce import SalesforceEmulator

STATUS_KEYS = {"connected", "reason", "instance_url", "org_id", "user_id", "username"}
STATUS_KEYS |= {"api_version", "scopes", "api_usage", "actions"}


@pytest.fixture
def emu() -> Iterator[SalesforceEmulator]:
    emulator = start_emulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def cli(tmp_path: Path, emu: SalesforceEmulator) -> Cli:
    return Cli(tmp_path, emu)


@pytest.fixture
def connected(cli: Cli) -> Cli:
    result = cli.connect("--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    cli.emu.reset_counters()
    return cli


# -- status and disconnect ---------------------------------------------------------------------


def status_json(cli, *args: str, **env: str) -> dict:
    result = cli("status", "--json", *args, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    body = json.loads(result.stdout)
    assert set(body) >= STATUS_KEYS
    return body


def test_status_json_when_connected(connected, emu):
    body = status_json(connected)
    assert (body["connected"], body["reason"]) == (True, None)
    assert (body["instance_url"], body["org_id"]) == (emu.instance_url, emu.org_id)
    assert (body["user_id"], body["username"]) == (emu.user_id, emu.username)
    # the scopes Salesforce granted: exactly what README.md tells admins to grant
    assert (body["api_version"], body["scopes"]) == ("62.0", list(README_SCOPES))
    assert body["api_usage"] == {"used": emu.api_usage[0], "max": 100_000}
    names = [a["name"] for a in body["actions"]]
    assert {"create_record", "update_record", "delete_record", "lookup_record"} <= set(names)
    assert "convert_lead" in names


def test_the_test_app_grants_the_scopes_the_readme_names():
    # README.md: "Scopes: **`api`** (...) and **`id`** (...); the web flow also needs
    # **`refresh_token`**". The emulator's client-credentials app has exactly the first two.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if ln.startswith("Scopes: "))
    named = re.findall(r"\*\*`([a-z_]+)`\*\*", line)
    assert tuple(named) == README_SCOPES


@pytest.mark.parametrize(
    ("granted", "missing"),
    [(("api",), "id"), (("id",), "api")],
)
def test_a_missing_scope_is_named_and_nothing_is_stored(cli, emu, granted, missing):
    emu.add_connected_app(CC_CLIENT_ID, client_secret=CC_CLIENT_SECRET, scopes=granted)
    result = cli.connect()
    assert result.returncode != 0
    error = output(result)["error"]
    assert f"does the connected app grant the '{missing}' scope" in error["message"]
    assert cli.stored() is None


def test_status_reasons(cli, emu, tmp_path):
    assert status_json(cli)["reason"] == "never_connected"
    assert cli.connect().returncode == 0
    emu.add_connected_app(CC_CLIENT_ID, client_secret="rotated-in-salesforce")
    emu.expire_all_tokens()
    refused = status_json(cli)
    assert (refused["connected"], refused["reason"]) == (False, "token_refused")
    assert status_json(cli, "--offline")["reason"] == "token_refused"
    ca = str(shutil.copy(emu.ca_bundle, tmp_path / "ca.pem"))  # stop() deletes the original
    emu.stop()
    down = status_json(cli, REQUESTS_CA_BUNDLE=ca)
    assert (down["connected"], down["reason"]) == (False, "org_unreachable")


def test_disconnect_revokes_and_deletes_the_secrets(connected, emu):
    token = connected.stored().access_token
    assert connected("disconnect").returncode != 0  # no --yes, no terminal
    assert connected.stored() is not None
    result = connected("disconnect", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "revoked at Salesforce" in result.stdout
    assert emu.oauth.lookup(token) is None
    assert connected.stored() is None
    assert status_json(connected)["reason"] == "never_connected"


# -- actions ---------------------------------------------------------------------------------


def test_actions_json_lists_json_schemas(cli, emu):
    result = cli("actions", "--json")
    assert result.returncode == 0
    actions = json.loads(result.stdout)["actions"]
    by_name = {a["name"]: a for a in actions}
    assert {
        "create_record",
        "update_record",
        "delete_record",
        "lookup_record",
        "convert_lead",
    } <= set(by_name)
    for action in actions:
        assert set(action) == {"name", "description", "inputs", "outputs"} and action["description"]
        for schema in (action["inputs"], action["outputs"]):
            jsonschema.Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object"
    create = by_name["create_record"]["inputs"]
    assert set(create["required"]) == {"object", "name"}
    jsonschema.validate({"object": "lead", "name": "Ada"}, create)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"object": "lead", "name": "Ada", "extra": 1}, create)
    assert emu.request_log == []


def action(cli, name: str, raw: object) -> subprocess.CompletedProcess[str]:
    return cli("action", name, "--input", raw if isinstance(raw, str) else json.dumps(raw))


def test_action_prints_its_output_as_json(connected, emu):
    created = action(connected, "create_record", {"object": "lead", "name": "Ada Lovelace"})
    assert created.returncode == 0, created.stdout + created.stderr
    lead_id = json.loads(created.stdout)["id"]
    assert emu.get(lead_id)["LastName"] == "Lovelace"
    found = action(connected, "lookup_record", {"id": lead_id})
    assert json.loads(found.stdout)["records"][0]["name"] == "Ada Lovelace"
    assert emu.token_requests == 0  # the stored token is reused by every process
    audit = json.loads(run_cli(connected.env, "audit", "--json", cwd=str(connected.workdir)).stdout)
    entries = [e for e in audit["entries"] if e["source"] == "cli"]
    assert [(e["action"], e["outcome"], e["record_ids"]) for e in entries] == [
        ("lookup_record", "ok", [lead_id]),
        ("create_record", "ok", [lead_id]),
    ]


@pytest.mark.parametrize(
    ("name", "raw", "code", "fields"),
    [
        ("create_record", "{not json", "INVALID_JSON", []),
        ("create_record", "[1, 2]", "INVALID_JSON", []),
        ("create_record", {"object": "planet", "name": "x"}, "INVALID_INPUT", ["object"]),
        (
            "create_record",
            {"object": "opportunity", "name": "x", "phone": "555-0100"},
            "FIELD_NOT_AVAILABLE",
            ["phone"],
        ),
        ("delete_record", {"object_id": "003Hs000000BcGpIAK"}, "DELETE_NOT_ALLOWED", ["object_id"]),
        ("lookup_record", {"name": "x' OR Name != '", "id": "x"}, "INVALID_INPUT", ["input"]),
        ("drop_everything", {}, "UNKNOWN_ACTION", ["action"]),
    ],
)
def test_bad_input_exits_2_without_calling_salesforce(connected, emu, name, raw, code, fields):
    result = action(connected, name, raw)
    assert result.returncode == 2, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["fields"]) == (code, fields) and error["message"]
    assert emu.request_log == []


def test_salesforce_refusal_exits_1_with_its_error_code(connected, emu):
    emu.set_duplicate_rule("Lead", "Email")
    first = emu.insert("Lead", {"LastName": "One", "Company": "C", "Email": "dup@example.com"})
    result = action(
        connected, "create_record", {"object": "lead", "name": "Two", "email": "dup@example.com"}
    )
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "DUPLICATES_DETECTED" and error["duplicates"] == [first]
    gone = action(connected, "delete_record", {"object_id": first})
    assert gone.returncode == 0
    again = action(connected, "delete_record", {"object_id": first})
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "ENTITY_IS_DELETED"


def test_two_processes_on_an_expired_token_refresh_once(connected, emu):
    lead = emu.insert("Lead", {"LastName": "L", "Company": "C"})
    emu.expire_all_tokens()
    cmd = [sfbot_executable(), "action", "lookup_record", "--input", json.dumps({"id": lead})]
    procs = [
        subprocess.Popen(
            cmd,
            env=connected.env,
            cwd=str(connected.workdir),
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert [json.loads(o)["count"] for o in outputs] == [1, 1]
    assert emu.token_requests == 1


# -- configuration and keys --------------------------------------------------------------------


def test_postgresql_without_a_secret_key_is_a_clear_error(cli, emu):
    env = {k: v for k, v in cli.env.items() if k != "SFBOT_SECRET_KEY"}
    env["DATABASE_URL"] = "postgresql+psycopg://sfbot@127.0.0.1:1/sfbot"
    for args in (("status", "--json"), ("action", "lookup_record", "--input", '{"name": "Ada"}')):
        result = run_cli(env, *args, cwd=str(cli.workdir))
        assert result.returncode == 2, result.stdout + result.stderr
        error = json.loads(result.stdout)["error"]
        assert error["code"] == "SECRET_KEY" and error["fields"] == ["SFBOT_SECRET_KEY"]
        assert "SFBOT_SECRET_KEY is required" in error["message"]
        assert "Traceback" not in result.stderr
    assert emu.request_log == []


def test_an_unreachable_database_is_a_clear_error(cli, emu):
    env = {**cli.env, "DATABASE_URL": "postgresql+psycopg://sfbot@127.0.0.1:1/sfbot"}
    result = run_cli(env, "status", "--json", cwd=str(cli.workdir))
    assert result.returncode == 1, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "DATABASE" and error["fields"] == ["DATABASE_URL"]
    assert "Traceback" not in result.stderr
    assert emu.request_log == []


def test_rotate_key(connected, emu):
    old, new = connected.key, Fernet.generate_key().decode()
    before = connected.stored()
    too_early = connected("status", "--json", "--offline", SFBOT_SECRET_KEY=new)
    assert too_early.returncode == 2
    assert json.loads(too_early.stdout)["error"]["code"] == "SECRET_KEY"
    rotated = connected("rotate-key", SFBOT_SECRET_KEY=f"{new},{old}")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert json.loads(rotated.stdout) == {"reencrypted": 2}  # client secret + access token
    assert status_json(connected, SFBOT_SECRET_KEY=new)["connected"] is True
    found = action(connected, "lookup_record", {"name": "Nobody"})
    assert found.returncode == 2  # the old key alone no longer opens the secrets
    connected.key = new
    connected.env["SFBOT_SECRET_KEY"] = new
    stored = connected.stored()
    assert (stored.client_secret, stored.access_token) == (
        before.client_secret,
        before.access_token,
    )
    assert action(connected, "lookup_record", {"name": "Nobody"}).returncode == 0
    assert emu.token_requests == 0
