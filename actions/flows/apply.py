"""Applying flow files: every check, channels resolved through Slack, then one row per flow.

A file with any problem stores nothing; the other files of the same ``apply`` are stored.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from actions.flows.loader import FlowFileError, Loc, Problem, parse_document, parse_text_with_lines
from actions.flows.model import FlowDefinition, walk
from actions.flows.ports import FlowSlackError
from actions.flows.state import parse_path
from actions.flows.templates import has_template
from actions.flows.yaml_lines import line_of
from storage.flow_store import FlowStore

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ChannelDirectory(Protocol):
    """The part of ``FlowSlack`` that applying a flow needs."""

    def resolve_channel(self, ref: str) -> str: ...

    def is_member(self, channel_id: str) -> bool: ...


@dataclass
class ApplyResult:
    applied: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def channel_refs(definition: FlowDefinition) -> list[tuple[Loc, str, bool]]:
    """(location in the document, channel, must the bot be a member) for every literal channel:
    the trigger's, and those of post_message and ask steps."""
    refs: list[tuple[Loc, str, bool]] = []
    channel = getattr(definition.trigger, "channel", None)
    if channel:
        refs.append((("trigger", definition.trigger_kind, "channel"), channel, True))
    for step in walk(definition.steps):
        value = getattr(step.body, "channel", None)
        if isinstance(value, str) and value and not has_template(value):
            loc = ("steps", *parse_path(step.path), step.kind, "channel")
            refs.append((loc, value, True))
    return refs


def resolve_channels(
    definition: FlowDefinition,
    lines: dict[Loc, int],
    directory: ChannelDirectory,
) -> tuple[dict[str, Any], list[Problem]]:
    """The document with ``#name`` channels as ids; problems for unknown channels and those
    the bot is not a member of."""
    document = copy.deepcopy(definition.document)
    problems: list[Problem] = []
    for loc, ref, needs_member in channel_refs(definition):
        try:
            channel_id = directory.resolve_channel(ref)
            if needs_member and not directory.is_member(channel_id):
                problems.append(
                    Problem(
                        line_of(lines, loc),
                        f"sfbot is not a member of {ref}: /invite it there first",
                    )
                )
                continue
        except FlowSlackError as exc:
            problems.append(Problem(line_of(lines, loc), f"channel {ref}: {exc.message}"))
            continue
        _set(document, loc, channel_id)
    return document, problems


def _set(document: Any, loc: Loc, value: Any) -> None:
    target = document
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value


def check_owner(owner: str | None) -> str | None:
    if owner is not None and not USER_ID_RE.match(owner):
        raise ValueError(f"--owner must be a Slack user id like U0123ABCD, not {owner!r}")
    return owner


def apply_files(
    files: list[tuple[str, str]],
    store: FlowStore,
    directory: ChannelDirectory | None,
    owner: str | None,
    now: datetime | None = None,
    check_trigger: Callable[[FlowDefinition, dict[Loc, int]], list[Problem]] | None = None,
) -> ApplyResult:
    """Check and store each ``(filename, text)``. ``owner`` (a Slack user id) is who gets told
    about failed runs: required for a new flow, kept when a flow is re-applied without it."""
    result = ApplyResult()
    seen: dict[str, str] = {}
    for filename, text in files:
        try:
            definition, lines = parse_text_with_lines(text, filename)
            problems: list[Problem] = []
            if definition.name in seen:
                problems.append(
                    Problem(
                        line_of(lines, ("name",)),
                        f"{definition.name!r} is also in {seen[definition.name]}",
                    )
                )
            document = definition.document
            refs = channel_refs(definition)
            if refs and directory is None:
                problems.append(Problem(None, "checking channels needs Slack: set SLACK_BOT_TOKEN"))
            elif refs and directory is not None:
                document, more = resolve_channels(definition, lines, directory)
                problems += more
            if check_trigger is not None and not problems:
                problems += check_trigger(definition, lines)
            if owner is None and store.get(definition.name) is None:
                problems.append(
                    Problem(
                        None,
                        "a new flow needs an owner: --owner U0123ABCD (who is told when runs fail)",
                    )
                )
            if problems:
                raise FlowFileError(filename, problems)
            checked = parse_document(document, filename)
        except FlowFileError as exc:
            result.problems.extend(exc.lines())
            continue
        seen[checked.name] = filename
        stored, created = store.save(
            name=checked.name,
            description=checked.description,
            trigger_kind=checked.trigger_kind,
            document=document,
            source=text,
            enabled=checked.enabled,
            owner_user_id=owner,
            now=now,
        )
        result.applied.append(
            {
                "name": stored.name,
                "file": filename,
                "created": created,
                "version": stored.version,
                "enabled": stored.enabled,
                "trigger": stored.trigger_kind,
                "owner": stored.owner_user_id,
            }
        )
    return result
