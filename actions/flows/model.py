"""The flow file: its parts as typed models, and the registries of trigger and step kinds.

A flow file is a mapping: ``name``, ``description``, ``enabled``, one ``trigger`` (a mapping with
exactly one kind) and ``steps`` (a list of mappings, each with an optional ``id`` and exactly one
kind). ``actions.flows.loader`` turns a file into a ``FlowDefinition`` and reports problems with
their line; this module knows the shapes only.

New trigger kinds (issue 10: ``salesforce_record``, ``webhook``) are one model each in
``TRIGGER_MODELS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actions.flows.ports import (
    REACTION,
    SALESFORCE_RECORD,
    SCHEDULE,
    SHORTCUT,
    SLACK_MESSAGE,
    WEBHOOK,
)
from actions.objects import OBJECTS

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
STEP_ID_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
MAX_STEPS_PER_RUN = 50
MAX_NESTING = 5
MAX_CHOICES = 25  # Slack's limit of elements in one actions block
MAX_CHOICE_LENGTH = 75  # a button's text


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"match is not a valid regular expression: {exc}") from exc
    return value


# -- triggers ------------------------------------------------------------------------------


class SlackMessageTrigger(_Part):
    channel: str = Field(min_length=1, description="A channel id, or #name (resolved at apply)")
    match: str | None = Field(
        default=None, description="A regex; named groups become trigger.match.NAME"
    )
    threads: bool = Field(default=False, description="Thread replies start it too")

    _regex = field_validator("match")(_check_regex)


class ReactionTrigger(_Part):
    emoji: str = Field(min_length=1, max_length=100, description="The emoji's name, without colons")
    channel: str | None = Field(default=None, description="Only in this channel (id or #name)")
    match: str | None = Field(default=None, description="A regex on the reacted message's text")

    _regex = field_validator("match")(_check_regex)

    @field_validator("emoji")
    @classmethod
    def _no_colons(cls, value: str) -> str:
        return value.strip(":")


class ShortcutTrigger(_Part):
    title: str = Field(
        min_length=1, max_length=75, description="Shown in the 'Run a Salesforce flow' list"
    )


class ScheduleTrigger(_Part):
    cron: str = Field(min_length=1, description="Standard crontab: minute hour day month weekday")
    timezone: str = Field(default="UTC", description="An IANA time zone, e.g. Europe/Paris")


MIN_POLL_SECONDS = 15


class SalesforceRecordTrigger(_Part):
    object: str = Field(
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$",
        description="The object's API name (Lead, Contact, Account, Score__c, ...)",
    )
    where: str = Field(
        min_length=1,
        max_length=4000,
        description="A SOQL condition, e.g. Lead_Score__c >= 80 AND IsConverted = false",
    )
    every: int = Field(
        default=60, ge=MIN_POLL_SECONDS, le=86400, description="Seconds between checks"
    )
    fields: list[str] = Field(
        default_factory=list, max_length=50, description="More fields for trigger.record"
    )
    backfill: bool = Field(
        default=False, description="Also start for records that match when the flow is applied"
    )

    @field_validator("object")
    @classmethod
    def _api_name(cls, value: str) -> str:
        """sfbot's object names (``lead``) stand for their API names (``Lead``)."""
        spec = OBJECTS.get(value.lower())
        return spec.api_name if spec is not None else value


class WebhookTrigger(_Part):
    secret_env: str = Field(
        pattern=r"^[A-Z_][A-Z0-9_]{0,127}$",
        description="The environment variable holding the HMAC secret",
    )


TRIGGER_MODELS: dict[str, type[_Part]] = {
    SLACK_MESSAGE: SlackMessageTrigger,
    REACTION: ReactionTrigger,
    SHORTCUT: ShortcutTrigger,
    SCHEDULE: ScheduleTrigger,
    SALESFORCE_RECORD: SalesforceRecordTrigger,
    WEBHOOK: WebhookTrigger,
}

# -- steps ---------------------------------------------------------------------------------


class PostMessageStep(_Part):
    channel: str | None = Field(default=None, description="A channel id or #name")
    user: str | None = Field(default=None, description="A Slack user id: a direct message")
    thread: bool = Field(default=False, description="Reply in the triggering message's thread")
    text: str = Field(min_length=1, max_length=3000)
    record_id: str | None = Field(default=None, description="Add this record's card")

    @model_validator(mode="after")
    def _one_destination(self) -> PostMessageStep:
        given = [k for k in ("channel", "user") if getattr(self, k)] + (
            ["thread"] if self.thread else []
        )
        if len(given) != 1:
            raise ValueError("give exactly one of channel, user or thread: true")
        return self


class AskStep(_Part):
    channel: str | None = Field(default=None, description="A channel id or #name")
    user: str | None = Field(default=None, description="A Slack user id: a direct message")
    thread: bool = Field(default=False, description="Ask in the triggering message's thread")
    text: str = Field(min_length=1, max_length=3000)
    choices: list[str] = Field(min_length=1, max_length=MAX_CHOICES)
    timeout_minutes: float = Field(
        default=1440, gt=0, le=43200, description="Then the choice is timed_out (default 1 day)"
    )

    @model_validator(mode="after")
    def _check(self) -> AskStep:
        given = [k for k in ("channel", "user") if getattr(self, k)] + (
            ["thread"] if self.thread else []
        )
        if len(given) != 1:
            raise ValueError("give exactly one of channel, user or thread: true")
        for choice in self.choices:
            if not choice or len(choice) > MAX_CHOICE_LENGTH:
                raise ValueError(f"a choice has 1 to {MAX_CHOICE_LENGTH} characters")
            if choice == "timed_out":
                raise ValueError("'timed_out' is what a timeout answers; choose another choice")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices must be different")
        return self


class StopStep(_Part):
    pass


# The Salesforce action steps: their inputs are the action's input model (see
# actions.flows.actions_table); everything else is one model here.
BODY_MODELS: dict[str, type[_Part]] = {
    "post_message": PostMessageStep,
    "ask": AskStep,
    "stop": StopStep,
}
IF = "if"

# -- the parsed file -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step. ``path`` locates it in the flow (``"2"``, ``"2.then.0"``); ``body`` is the
    action's input mapping (templates unrendered), the step model, or the ``if`` expression."""

    kind: str
    path: str
    id: str | None
    body: Any
    then: tuple[Step, ...] = ()
    otherwise: tuple[Step, ...] = ()

    @property
    def label(self) -> str:
        return self.id or self.path


@dataclass(frozen=True)
class FlowDefinition:
    """What a flow file says (channels as ids once applied). ``document`` is the file's data,
    kept to store and re-parse it."""

    name: str
    description: str
    enabled: bool
    trigger_kind: str
    trigger: BaseModel
    steps: tuple[Step, ...]
    document: dict[str, Any] = field(repr=False, default_factory=dict)


TopLevelKey = Literal["name", "description", "enabled", "trigger", "steps"]
TOP_LEVEL_KEYS: tuple[str, ...] = ("name", "description", "enabled", "trigger", "steps")


def walk(steps: tuple[Step, ...]) -> list[Step]:
    """Every step, nested ones included, in file order."""
    out: list[Step] = []
    for step in steps:
        out.append(step)
        out.extend(walk(step.then))
        out.extend(walk(step.otherwise))
    return out
