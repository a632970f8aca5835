"""One line of a digest, Slack-agnostic: the bot renders it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    record_id: str | None = None
    convertible_lead: bool = False
    # Records the org holds twice (the duplicates digest): the "Merge..." button opens them.
    merge_ids: tuple[str, ...] = ()
