"""Planning the digests that fall due together (at a whole minute, often hundreds at once).

Due runs are claimed in groups: digests that share a Salesforce query or a channel are in one
group (the connected parts of the graph of queries and channels), and a group is claimed in one
statement, so exactly one process gets all of it. So each query is made once per scheduled
time whatever the number of sfbot processes, and each channel is paced by one process (Slack
allows about one message a second per channel). Each process starts at a different group, so
the processes share the groups between them.

Posts go out slot by slot: every channel's first digest, then every channel's second one, ...
so a channel waiting for its next second never holds up the others.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from actions.digest_kinds import Window
from storage.digest_store import Claim, Digest, DigestRun


@dataclass
class RunOutcome:
    digest_id: int
    scheduled_for: datetime
    state: str
    message_ts: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Due:
    digest: Digest
    claim: Claim


@dataclass(frozen=True)
class Job:
    """A run this process holds, to execute."""

    digest: Digest
    run: DigestRun
    late: bool


@dataclass
class Post:
    """A run ready to post: its message, built before any pacing."""

    job: Job
    text: str
    blocks: list[Any]
    metadata: dict[str, Any]
    record_count: int


def query_key(digest: Digest) -> str:
    return f"{digest.kind}:{json.dumps(digest.params, sort_keys=True)}"


def share_groups(due: list[Due]) -> list[list[Due]]:
    """The due runs in groups that share no query and no channel with each other."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for d in due:
        parent[root("q:" + query_key(d.digest))] = root("c:" + d.digest.channel_id)
    groups: dict[str, list[Due]] = defaultdict(list)
    for d in due:
        groups[root("c:" + d.digest.channel_id)].append(d)
    return sorted(groups.values(), key=lambda g: min(d.digest.id for d in g))


def rotated(groups: list[list[Due]], owner: str) -> list[list[Due]]:
    """``groups`` starting at one that depends on ``owner``: processes start apart."""
    if not groups:
        return groups
    start = zlib.crc32(owner.encode()) % len(groups)
    return groups[start:] + groups[:start]


def by_slot(posts: list[Post]) -> list[list[Post]]:
    """Slot k holds the k-th post of every channel (in the order given)."""
    slots: list[list[Post]] = []
    seen: dict[str, int] = defaultdict(int)
    for post in posts:
        k = seen[post.job.digest.channel_id]
        seen[post.job.digest.channel_id] += 1
        if k == len(slots):
            slots.append([])
        slots[k].append(post)
    return slots


def window_for(digest: Digest, scheduled_for: datetime, previous: DigestRun | None) -> Window:
    """Since ``previous`` (the digest's last posted or skipped run) up to the time."""
    start = previous.scheduled_for if previous and previous.scheduled_for < scheduled_for else None
    if start is None:
        start = min(digest.created_at, scheduled_for) - timedelta(days=1)
    today = scheduled_for.astimezone(ZoneInfo(digest.timezone)).date()
    return Window(start=start, end=scheduled_for, today=today)
