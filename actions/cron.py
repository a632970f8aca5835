"""Cron schedules in a time zone, firing once at every local time they name (digests and
flow schedules share them).

Cron expressions use standard crontab numbering (0 or 7 = Sunday). APScheduler 3 numbers
weekdays from Monday (its documented historical mismatch), so numeric weekdays are turned
into names before they reach it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from actions.errors import InvalidInput

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


class LocalCronTrigger(CronTrigger):
    """APScheduler's CronTrigger, firing once at every local time the schedule names.

    APScheduler 3.11 slips around DST changes: searching on from a local fire time loses the
    fold and can repeat a time or loop in the repeated hour (agronholm/apscheduler#1021), and
    moving to the next day adds the wall-clock difference in UTC, so a search across a
    spring-forward lands an hour late and skips a fire time just after local midnight
    (#529, #606). Here every search starts from a UTC instant and is done again from each
    DST change it crosses, and the second occurrence of a repeated local time is skipped
    (like cron, such a time fires once: at its first occurrence).
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        start = now.astimezone(UTC)
        if previous_fire_time is not None:
            start = min(start, previous_fire_time.astimezone(UTC) + timedelta(microseconds=1))
        fire = self._first_from(start)
        while fire is not None and _repeated_wall_time(fire, self.timezone):
            fire = self._first_from(fire + timedelta(microseconds=1))
        return fire

    def _first_from(self, start: datetime) -> datetime | None:
        """The first fire time at or after ``start`` (UTC), in UTC."""
        fire = super().get_next_fire_time(None, start)
        cursor = start
        while fire is not None:
            change = _offset_change(self.timezone, cursor, fire)
            if change is None:
                break
            again = super().get_next_fire_time(None, change)
            if again is not None and again < fire:
                fire = again
            cursor = change
        return None if fire is None else fire.astimezone(UTC)


def _offset_change(tz: ZoneInfo, after: datetime, until: datetime) -> datetime | None:
    """The first whole second in (after, until] where the UTC offset of ``tz`` changes."""
    before = after.astimezone(tz).utcoffset()
    lo = math.floor(after.timestamp())
    end = math.ceil(until.timestamp())
    while lo < end:
        hi = min(lo + 86400, end)
        if datetime.fromtimestamp(hi, UTC).astimezone(tz).utcoffset() != before:
            while hi - lo > 1:  # the offset at lo is ``before``, at hi it is not
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            return datetime.fromtimestamp(hi, UTC)
        lo = hi
    return None


def _repeated_wall_time(value: datetime, tz: ZoneInfo) -> bool:
    """Whether ``value`` is the second occurrence of a local time that repeats when the clocks
    go back."""
    local = value.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def cron_trigger(expression: str, tz_name: str) -> LocalCronTrigger:
    """A standard 5-field crontab expression in ``tz_name``; InvalidInput when it is not one."""
    tz = zone(tz_name)
    fields = expression.split()
    if len(fields) != 5:
        raise InvalidInput(
            "a cron expression has 5 fields: minute hour day month weekday",
            code="INVALID_CRON",
            fields=["cron"],
        )
    try:
        return LocalCronTrigger(
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


def next_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first fire time after ``now``, in UTC."""
    fire = trigger.get_next_fire_time(None, now.astimezone(UTC) + timedelta(microseconds=1))
    return None if fire is None else fire.astimezone(UTC)


def fire_times(
    trigger: CronTrigger, after: datetime, until: datetime, limit: int = 1000
) -> Iterator[datetime]:
    """Every fire time t with after < t <= until, oldest first, in UTC (at most ``limit``)."""
    current = next_fire(trigger, after)
    count = 0
    while current is not None and current <= until and count < limit:
        yield current
        count += 1
        current = next_fire(trigger, current)
