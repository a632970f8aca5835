"""The digest modal's data: what it shows (``DigestForm``), what it carries in
``private_metadata`` (``DigestMeta``), and reading a submitted or switched view back.

Pure: a Slack view payload in, a form out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from actions.digest_kinds import KINDS
from bot.blocks.view_state import ViewState
from bot.digests.schedule import Schedule
from bot.ids import ActionId, BlockId
from bot.signed_metadata import SignedMeta
from storage.digest_store import Digest

DEFAULT_KIND = "new_leads"
SCHEDULE_TYPES = {
    "daily": "Every day",
    "weekdays": "On chosen weekdays",
    "cron": "Cron expression",
}
WEEKDAY_LABELS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
DEFAULT_TIME = "09:00"
DEFAULT_DAYS = ("mon", "tue", "wed", "thu", "fri")
# a kind's parameter -> its input block
PARAM_BLOCKS: dict[str, str] = {
    "days": BlockId.DIGEST_DAYS,
    "score_field": BlockId.DIGEST_SCORE_FIELD,
    "threshold": BlockId.DIGEST_THRESHOLD,
    "soql": BlockId.DIGEST_SOQL,
}
POST_WHEN_EMPTY = "post_when_empty"


class DigestMeta(SignedMeta):
    """The modal's ``private_metadata``: what is rendered, and where it came from."""

    digest_id: int | None = None  # editing this digest (else adding one)
    kind: str = DEFAULT_KIND  # the kind whose inputs are shown
    schedule_type: str = "daily"  # the schedule type whose inputs are shown
    timezone: str | None = None  # the default time zone (the admin's, or the digest's)
    response_url: str | None = None  # the list message to refresh after an edit


@dataclass(frozen=True)
class DigestForm:
    """What the modal shows (or what was submitted). Parameters are kept as typed."""

    kind: str = DEFAULT_KIND
    schedule_type: str = "daily"
    name: str | None = None
    channel_id: str | None = None  # None: Slack preselects the current conversation
    params: dict[str, Any] = field(default_factory=dict)
    time: str | None = DEFAULT_TIME
    days: tuple[str, ...] = DEFAULT_DAYS
    cron: str | None = None
    timezone: str | None = None
    post_when_empty: bool = False
    digest_id: int | None = None
    response_url: str | None = None
    error: str | None = None  # mrkdwn shown at the top, already user-facing

    @property
    def meta(self) -> DigestMeta:
        return DigestMeta(
            digest_id=self.digest_id,
            kind=self.kind,
            schedule_type=self.schedule_type,
            timezone=self.timezone,
            response_url=self.response_url,
        )

    def switched(self, *, kind: str | None = None, schedule_type: str | None = None) -> DigestForm:
        return replace(
            self,
            kind=kind if kind in KINDS else self.kind,
            schedule_type=schedule_type if schedule_type in SCHEDULE_TYPES else self.schedule_type,
            error=None,
        )


def param_names(kind: str) -> tuple[str, ...]:
    """The parameters the kind's model takes (and the modal has an input for)."""
    return tuple(n for n in KINDS[kind].params.model_fields if n in PARAM_BLOCKS)


def form_of_digest(digest: Digest, response_url: str | None = None) -> DigestForm:
    """The form pre-filled with a saved digest (Edit); ``response_url`` is the list's."""
    schedule = Schedule.model_validate(digest.schedule)
    return DigestForm(
        kind=digest.kind,
        schedule_type=schedule.type,
        name=digest.name,
        channel_id=digest.channel_id,
        params=dict(digest.params),
        time=schedule.time,
        days=tuple(schedule.days) or DEFAULT_DAYS,
        cron=schedule.cron,
        timezone=digest.timezone,
        post_when_empty=digest.post_when_empty,
        digest_id=digest.id,
        response_url=response_url,
    )


def form_from_view(view: dict[str, Any]) -> DigestForm:
    """The form as the user left it: the view's state over its ``private_metadata``."""
    meta = DigestMeta.loads(view.get("private_metadata"))
    state = ViewState(view)
    kind = state.selected_value(BlockId.DIGEST_KIND, ActionId.DIGEST_KIND) or meta.kind
    kind = kind if kind in KINDS else DEFAULT_KIND
    schedule_type = (
        state.selected_value(BlockId.DIGEST_SCHEDULE_TYPE, ActionId.DIGEST_SCHEDULE_TYPE)
        or meta.schedule_type
    )
    params = {}
    for name in param_names(kind):
        typed = state.text(PARAM_BLOCKS[name])
        if typed:
            params[name] = typed
    days = state.selected_values(BlockId.DIGEST_WEEKDAYS)
    options = state.selected_values(BlockId.DIGEST_OPTIONS) or []
    field = ActionId.FIELD_INPUT
    return DigestForm(
        kind=kind,
        schedule_type=schedule_type if schedule_type in SCHEDULE_TYPES else "daily",
        name=state.text(BlockId.DIGEST_NAME).strip() or None,
        channel_id=state.scalar(BlockId.DIGEST_CHANNEL, field, "selected_conversation"),
        params=params,
        time=state.scalar(BlockId.DIGEST_TIME, field, "selected_time") or DEFAULT_TIME,
        days=DEFAULT_DAYS if days is None else tuple(days),
        cron=state.text(BlockId.DIGEST_CRON).strip() or None,
        timezone=state.selected_value(BlockId.DIGEST_TIMEZONE, ActionId.DIGEST_TIMEZONE)
        or meta.timezone,
        post_when_empty=POST_WHEN_EMPTY in options,
        digest_id=meta.digest_id,
        response_url=meta.response_url,
    )
