"""Digest schedules: daily at a time, chosen weekdays, or a cron expression, in a time zone.

The cron machinery (time zones, DST, crontab weekdays) is ``actions.cron``, shared with the
schedules of flows.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actions.cron import LocalCronTrigger, cron_trigger, fire_times, next_fire, zone
from actions.errors import invalid_input_from

__all__ = [
    "DigestTrigger",
    "Schedule",
    "fire_times",
    "next_fire",
    "parse_schedule",
    "trigger_for",
    "zone",
]

# Digests fire at every local time their schedule names (see actions.cron).
DigestTrigger = LocalCronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Schedule(BaseModel):
    """``{"type": "daily", "time": "09:00"}``, ``{"type": "weekdays", "time": "09:00",
    "days": ["mon", "fri"]}`` or ``{"type": "cron", "cron": "0 9 * * 1-5"}``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["daily", "weekdays", "cron"]
    time: str | None = Field(default=None, description="HH:MM, 24-hour")
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    cron: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Schedule:
        if self.type in ("daily", "weekdays") and not (self.time and TIME_RE.match(self.time)):
            raise ValueError("time must be HH:MM (24-hour)")
        if self.type == "weekdays" and not self.days:
            raise ValueError("choose at least one weekday")
        if self.type == "cron" and not self.cron:
            raise ValueError("a cron expression is required")
        return self

    def describe(self) -> str:
        if self.type == "daily":
            return f"daily at {self.time}"
        if self.type == "weekdays":
            ordered = [d for d in WEEKDAYS if d in self.days]
            return f"{', '.join(d.capitalize() for d in ordered)} at {self.time}"
        return f"cron `{self.cron}`"


def parse_schedule(raw: object) -> Schedule:
    """A stored or submitted schedule, or InvalidInput naming what is wrong with it."""
    try:
        return Schedule.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input_from(exc) from exc


def trigger_for(schedule: Schedule, tz_name: str) -> DigestTrigger:
    if schedule.type in ("daily", "weekdays"):
        tz = zone(tz_name)
        assert schedule.time is not None
        hour, minute = schedule.time.split(":")
        dow = (
            ",".join(d for d in WEEKDAYS if d in schedule.days)
            if schedule.type == "weekdays"
            else "*"
        )
        return DigestTrigger(day_of_week=dow, hour=int(hour), minute=int(minute), timezone=tz)
    return cron_trigger(schedule.cron or "", tz_name)
