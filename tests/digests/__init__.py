"""Tests of scheduled digests: schedules, kinds, the engine, restarts, replicas, the scheduler.

Shared helpers live here (the fixtures are in ``conftest.py``; ``worker.py`` is the separate
process used by the multi-process test).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.digests.history import METADATA_EVENT
from tests.fakes.salesforce import SalesforceEmulator
from tests.fakes.slack import FakeSlack


class FakeClock:
    """The engine's clock, moved by the tests (``now()`` is always UTC).

    The fake Slack reads it too (``timestamp``), so message timestamps, rate limits and
    Retry-After waits all happen on this time line.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, delta: timedelta | float = 0.0, **units: float) -> datetime:
        """``advance(timedelta(...))``, ``advance(1.5)`` (seconds) or ``advance(minutes=3)``."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step + timedelta(**units)
            return self._now

    def set(self, when: datetime) -> datetime:
        with self._lock:
            self._now = when.astimezone(UTC)
            return self._now

    def sleep(self, seconds: float) -> None:
        """A ``time.sleep`` stand-in: waiting moves the fake time instead of the real one."""
        self.advance(seconds)


class Crash(BaseException):
    """sfbot killed at this point (a BaseException: nothing in the engine catches it)."""


def dm_channel(user_id: str) -> str:
    """The fake Slack's DM channel with ``user_id`` (chat.postMessage to a user ID)."""
    return "D" + user_id[1:]


def run_id_of(message: dict[str, Any]) -> int | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    return (meta.get("event_payload") or {}).get("run_id")


def digest_messages(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """The digest messages posted in ``channel`` (those carrying run metadata)."""
    return [m for m in slack.messages(channel) if run_id_of(m) is not None]


def posts_per_run(slack: FakeSlack, channels: list[str]) -> Counter[int]:
    """How many messages carry each run id, over ``channels``."""
    counts: Counter[int] = Counter()
    for channel in channels:
        for message in slack.messages(channel):
            run_id = run_id_of(message)
            if run_id is not None:
                counts[run_id] += 1
    return counts


def block_texts(message: dict[str, Any]) -> list[str]:
    """Every text of a message's blocks (section text, context elements, header)."""
    texts: list[str] = []
    for block in message.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"].get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and "text" in element:
                texts.append(str(element["text"]))
    return texts


def sf_time(value: datetime) -> str:
    """A datetime as the emulator takes it for CreatedDate / LastModifiedDate."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def add_cases(
    emu: SalesforceEmulator, count: int, *, opened: datetime, priority: str = "High"
) -> list[str]:
    """``count`` open cases, the first opened at ``opened``, each a minute after the previous."""
    return [
        emu.insert(
            "Case",
            {
                "Subject": f"Printer on fire #{i}",
                "Priority": priority,
                "CreatedDate": sf_time(opened + timedelta(minutes=i)),
            },
        )
        for i in range(count)
    ]
