"""Digest schedules: daily at a time, chosen weekdays, or a cron expression, in a time zone.

Cron expressions use standard crontab numbering (0 or 7 = Sunday). APScheduler 3 numbers
weekdays from Monday (its documented historical mismatch), so numeric weekdays are turned
into names before they reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CRON_DOW = {
    "0": "sun",
    "1": "mon",
    "2": "tue",
    "3": "wed",
    "4": "thu",
    "5": "fri",
    "6": "sat",
    "7": "sun",
}
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


def _crontab_dow(field: str) -> str:
    """Standard crontab weekdays (0 or 7 = Sunday; lists, ranges, steps) as day names."""
    if field in ("*", "?"):
        return "*"
    days: list[str] = []
    for item in field.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                days.append(item)  # names: APScheduler reads them as cron does
                continue
            lo, hi = int(a), int(b)
        elif base.isdigit():
            lo = hi = int(base)
        else:
            days.append(item)
            continue
        if not 0 <= lo <= hi <= 7:
            raise InvalidInput(
                f"invalid weekday {item!r} in cron", code="INVALID_CRON", fields=["cron"]
            )
        days.extend(CRON_DOW[str(n)] for n in range(lo, hi + 1, step))
    return ",".join(dict.fromkeys(days))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}", code="INVALID_TIMEZONE", fields=["timezone"]
        ) from exc


def trigger_for(schedule: Schedule, tz_name: str) -> CronTrigger:
    tz = zone(tz_name)
    if schedule.type in ("daily", "weekdays"):
        assert schedule.time is not None
        hour, minute = schedule.time.split(":")
        dow = (
            ",".join(d for d in WEEKDAYS if d in schedule.days)
            if schedule.type == "weekdays"
            else "*"
        )
        return CronTrigger(day_of_week=dow, hour=int(hour), minute=int(minute), timezone=tz)
    fields = (schedule.cron or "").split()
    if len(fields) != 5:
        raise InvalidInput(
            "a cron expression has 5 fields: minute hour day month weekday",
            code="INVALID_CRON",
            fields=["cron"],
        )
    try:
        return CronTrigger(
            minute=fields[0],
            hour=fields[1],
            day=fields[2],
            month=fields[3],
            day_of_week=_crontab_dow(fields[4]),
            timezone=tz,
        )
    except ValueError as exc:
        raise InvalidInput(
            f"invalid cron expression: {exc}", code="INVALID_CRON", fields=["cron"]
        ) from exc


def fire_times(
    trigger: CronTrigger, after: datetime, until: datetime, limit: int = 1000
) -> Iterator[datetime]:
    """Every fire time t with after < t <= until, oldest first (at most ``limit``)."""
    current = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    count = 0
    while current is not None and current <= until and count < limit:
        yield current
        count += 1
        current = trigger.get_next_fire_time(current, current + timedelta(microseconds=1))


def next_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    return trigger.get_next_fire_time(None, now + timedelta(microseconds=1))
