"""Shared by the access and unfurl end-to-end tests: the fake Slack installed from the
manifest `sfbot manifest` prints, guests, a user group and a Slack Connect channel."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.e2e.harness import start_fake_slack

ROOT = Path(__file__).resolve().parents[2]
GUEST = "U0GUEST01"
SINGLE_GUEST = "U0GUEST02"
AGENT2 = "U0AGENT02"
SUPPORT_GROUP = "S0SUPPORT1"
EXTERNAL = "C0PARTNER1"
OTHER_CHANNEL = "C0SALES001"


def schema_path(version: int) -> Path:
    """Slack's manifest schema: tests/data/slack once moved there, else ../shared/slack."""
    name = f"manifest.schema.{version}.0.0.json"
    shared = [p / "shared" / "slack" for p in ROOT.parents]  # ../shared (from a worktree: ../..)
    for folder in (ROOT / "tests" / "data" / "slack", *shared):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def start_access_slack():
    fake = start_fake_slack()
    fake.add_user(GUEST, "gus.guest", guest="multi")
    fake.add_user(SINGLE_GUEST, "sue.guest", guest="single")
    fake.add_user(AGENT2, "ann.agent")
    fake.add_channel(EXTERNAL, "partner-acme", external=True)
    fake.add_channel(OTHER_CHANNEL, "sales")
    return fake


def printed_manifest(sfbot) -> dict:
    result = sfbot.cli("manifest", "--template", str(ROOT / "manifest.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(result.stdout)


def cli_json(sfbot, *args: str) -> dict:
    result = sfbot.cli(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def audit_entries(sfbot) -> list[dict]:
    return cli_json(sfbot, "audit", "--json", "--limit", "200")["entries"]
