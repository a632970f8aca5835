"""Small helpers shared by the FakeSlack modules."""

from __future__ import annotations

import copy
import secrets
from typing import Any


def truthy(v: Any) -> bool:
    # slack_sdk sends booleans as "0"/"1"; the docs' examples use "true".
    return v in (True, 1, "1", "true", "True")


def public(obj: dict) -> dict:
    """Deep copy without the fake's private ``_`` keys."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def with_block_ids(blocks: list) -> list:
    """Slack fills in a block_id where none was given ("If not specified, a block_id will be
    generated") -- https://docs.slack.dev/reference/block-kit/blocks"""
    out = copy.deepcopy(blocks)
    for b in out:
        if isinstance(b, dict) and "block_id" not in b:
            b["block_id"] = secrets.token_urlsafe(4)
    return out


class FakeClock:
    """Manually advanced clock for ``FakeSlack(clock=...)`` (seconds since the epoch)."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
