"""Which events start which flows: the trigger's channel, thread replies, emoji and ``match``."""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel

from actions.flows.ports import REACTION, SHORTCUT, SLACK_MESSAGE, TriggerEvent


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def match_groups(trigger: BaseModel, event: TriggerEvent) -> dict[str, Any] | None:
    """``trigger.match.NAME`` values; None when the trigger's ``match`` does not match.

    A trigger without ``match`` gives ``{}``. The regex is searched in ``variables["text"]``.
    """
    pattern = getattr(trigger, "match", None)
    if not pattern:
        return {}
    text = event.variables.get("text")
    if not isinstance(text, str):
        return None
    found = _regex(pattern).search(text)
    if found is None:
        return None
    groups: dict[str, Any] = {k: v for k, v in found.groupdict().items()}
    groups["0"] = found.group(0)
    return groups


def trigger_accepts(kind: str, trigger: BaseModel, flow_name: str, event: TriggerEvent) -> bool:
    """Whether a flow with this trigger runs for ``event`` (before ``match``)."""
    if event.kind != kind:
        return False
    channel = getattr(trigger, "channel", None)
    if kind == SLACK_MESSAGE:
        if channel != event.channel:
            return False
        is_reply = bool(event.thread_ts) and event.thread_ts != event.ts
        return not is_reply or bool(getattr(trigger, "threads", False))
    if kind == REACTION:
        emoji = str(event.variables.get("reaction") or event.variables.get("emoji") or "")
        return emoji.strip(":") == getattr(trigger, "emoji", None) and (
            channel is None or channel == event.channel
        )
    if kind == SHORTCUT:
        return event.flow == flow_name
    return event.flow in (None, flow_name)
