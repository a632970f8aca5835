"""Checking a submitted digest modal before anything is saved.

``check_form`` needs neither Slack nor Salesforce; ``channel_problem`` asks Slack whether sfbot
can post to the channel; ``check_score_field`` looks at the cached Lead describe. Every problem
becomes a field error on the input it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from actions.context import ActionContext
from actions.digest_kinds import parse_params
from actions.errors import ActionError, InvalidInput, SalesforceRefused
from bot.blocks.digest_form import PARAM_BLOCKS, DigestForm
from bot.digests.schedule import Schedule, trigger_for, zone
from bot.ids import BlockId

ERROR_MAX = 150
NUMBER_TYPES = {"double", "int", "integer", "currency", "percent", "long"}
FIELD_BLOCKS: dict[str, str] = {
    **PARAM_BLOCKS,
    "kind": BlockId.DIGEST_KIND,
    "timezone": BlockId.DIGEST_TIMEZONE,
    "cron": BlockId.DIGEST_CRON,
}


@dataclass(frozen=True)
class DigestDraft:
    """A checked definition, ready to save."""

    name: str
    kind: str
    params: dict[str, Any]
    channel_id: str
    schedule: dict[str, Any]
    timezone: str
    post_when_empty: bool


def schedule_of(form: DigestForm) -> dict[str, Any]:
    if form.schedule_type == "cron":
        return {"type": "cron", "cron": form.cron}
    raw: dict[str, Any] = {"type": form.schedule_type, "time": form.time}
    if form.schedule_type == "weekdays":
        raw["days"] = list(form.days)
    return raw


def schedule_errors(form: DigestForm) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The schedule as stored, or errors on its inputs (cron checked by APScheduler)."""
    block = {"cron": BlockId.DIGEST_CRON, "weekdays": BlockId.DIGEST_WEEKDAYS}.get(
        form.schedule_type, BlockId.DIGEST_TIME
    )
    try:
        schedule = Schedule.model_validate(schedule_of(form))
        trigger_for(schedule, "UTC")
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        if form.schedule_type == "weekdays" and "weekday" not in message:
            block = BlockId.DIGEST_TIME
        return None, {block: truncate_error(message)}
    except InvalidInput as exc:
        return None, {block: truncate_error(exc.message)}
    return schedule.model_dump(exclude_none=True, exclude_defaults=True), {}


def truncate_error(message: str) -> str:
    return message if len(message) <= ERROR_MAX else message[: ERROR_MAX - 1] + "…"


def check_form(form: DigestForm) -> tuple[DigestDraft | None, dict[str, str]]:
    """Everything that needs neither Slack nor Salesforce."""
    errors: dict[str, str] = {}
    if not form.name:
        errors[BlockId.DIGEST_NAME] = "Give the digest a name."
    if not form.channel_id:
        errors[BlockId.DIGEST_CHANNEL] = "Choose the channel to post to."
    params: dict[str, Any] = {}
    try:
        params = parse_params(form.kind, dict(form.params)).model_dump()
    except InvalidInput as exc:
        for name in exc.fields or ["kind"]:
            errors[FIELD_BLOCKS.get(name, BlockId.DIGEST_KIND)] = truncate_error(exc.message)
    schedule, bad_schedule = schedule_errors(form)
    errors.update(bad_schedule)
    try:
        zone(form.timezone or "")
    except InvalidInput:
        errors[BlockId.DIGEST_TIMEZONE] = "Choose a time zone from the list, e.g. Europe/Paris."
    if errors or schedule is None:
        return None, errors
    assert form.name and form.channel_id and form.timezone
    draft = DigestDraft(
        form.name, form.kind, params, form.channel_id, schedule, form.timezone, form.post_when_empty
    )
    return draft, {}


def channel_problem(client: WebClient, channel_id: str) -> str | None:
    """Why sfbot could not post to the channel, if it could not (one conversations.info)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return "sfbot cannot see this channel: invite @sfbot to it first (/invite @sfbot)."
        return truncate_error(f"sfbot could not check the channel: {error}. Try again.")
    name = f"#{channel.get('name')}" if channel.get("name") else "the channel"
    if channel.get("is_archived"):
        return f"{name} is archived: choose another channel."
    if not channel.get("is_member") and not channel.get("is_im"):
        return f"Invite @sfbot to {name} first (/invite @sfbot in {name})."
    return None


def check_score_field(ctx: ActionContext, name: str) -> None:
    """A hot-lead score field must be a number field on Lead (cached describe)."""
    info = ctx.metadata.describe("Lead").field(name)
    if info is None:
        raise InvalidInput(
            f"Lead has no field {name}.", code="UNKNOWN_FIELD", fields=["score_field"]
        )
    if info.type not in NUMBER_TYPES:
        raise InvalidInput(
            f"{name} is a {info.type} field, not a number.",
            code="NOT_A_NUMBER_FIELD",
            fields=["score_field"],
        )


def field_errors(exc: ActionError, present: set[str]) -> dict[str, str] | None:
    """Errors on the inputs ``exc`` names; a refused custom query goes on the SOQL input."""
    if isinstance(exc, SalesforceRefused) and BlockId.DIGEST_SOQL in present:
        return {BlockId.DIGEST_SOQL: truncate_error(f"Salesforce refused it: {exc.message}")}
    if not isinstance(exc, InvalidInput):
        return None
    blocks = {FIELD_BLOCKS.get(f) for f in exc.fields}
    errors = {b: truncate_error(exc.message) for b in blocks if b in present}
    return errors or None
