"""Schedules (pure): fire times of daily, weekday and cron schedules in time zones, across DST
changes both ways, crontab weekday numbering, and invalid input."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from actions.errors import InvalidInput
from bot.digests.schedule import (
    Schedule,
    fire_times,
    next_fire,
    parse_schedule,
    trigger_for,
    zone,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fires(schedule: dict, tz: str, after: datetime, until: datetime) -> list[datetime]:
    return list(fire_times(trigger_for(Schedule.model_validate(schedule), tz), after, until))


def local(times: list[datetime], tz: str) -> list[datetime]:
    return [t.astimezone(ZoneInfo(tz)) for t in times]


DAILY_9 = {"type": "daily", "time": "09:00"}


# -- daily, in time zones ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "utc_time"),
    [
        ("UTC", time(9, 0)),
        ("America/New_York", time(14, 0)),  # EST, UTC-5 in January
        ("Europe/Berlin", time(8, 0)),  # CET, UTC+1
        ("Asia/Kolkata", time(3, 30)),  # IST, UTC+5:30, no DST
        ("Australia/Lord_Howe", time(22, 0)),  # +11 in January (summer): 09:00 is 22:00 UTC
    ],
)
def test_daily_fires_at_the_local_time_every_day(tz: str, utc_time: time) -> None:
    times = fires(DAILY_9, tz, utc(2025, 1, 5), utc(2025, 1, 12))
    assert len(times) == 7
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert {t.timetz().replace(tzinfo=None) for t in times} == {utc_time}
    assert all(lt.time() == time(9, 0) for lt in local(times, tz))
    assert len({lt.date() for lt in local(times, tz)}) == 7


def test_fire_times_are_strictly_after_and_up_to_inclusive() -> None:
    nine = utc(2025, 1, 6, 9)
    assert fires(DAILY_9, "UTC", nine, nine + timedelta(days=1)) == [nine + timedelta(days=1)]
    assert fires(DAILY_9, "UTC", nine - timedelta(seconds=1), nine) == [nine]
    assert fires(DAILY_9, "UTC", nine, nine + timedelta(hours=23)) == []


def test_next_fire_is_the_first_time_after_now_in_utc() -> None:
    trigger = trigger_for(Schedule.model_validate(DAILY_9), "Asia/Kolkata")
    assert next_fire(trigger, utc(2025, 1, 6, 3, 29)) == utc(2025, 1, 6, 3, 30)
    assert next_fire(trigger, utc(2025, 1, 6, 3, 30)) == utc(2025, 1, 7, 3, 30)


# -- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "after", "offsets"),
    [
        # spring forward: New York 9 March 2025, Berlin 30 March, Lord Howe 5 October (30 min)
        ("America/New_York", utc(2025, 3, 7), (-5, -5, -4, -4)),
        ("Europe/Berlin", utc(2025, 3, 28), (1, 1, 2, 2)),
        ("Australia/Lord_Howe", utc(2025, 10, 2, 12), (10.5, 10.5, 11, 11)),
        # fall back: New York 2 November, Berlin 26 October, Lord Howe 6 April
        ("America/New_York", utc(2025, 10, 31), (-4, -4, -5, -5)),
        ("Europe/Berlin", utc(2025, 10, 24), (2, 2, 1, 1)),
        ("Australia/Lord_Howe", utc(2025, 4, 3, 12), (11, 11, 10.5, 10.5)),
    ],
)
def test_daily_time_stays_local_across_dst_changes(
    tz: str, after: datetime, offsets: tuple[float, ...]
) -> None:
    times = fires(DAILY_9, tz, after, after + timedelta(days=4))
    assert [lt.time() for lt in local(times, tz)] == [time(9, 0)] * 4
    assert [lt.utcoffset() for lt in local(times, tz)] == [timedelta(hours=h) for h in offsets]
    assert len({lt.date() for lt in local(times, tz)}) == 4


@pytest.mark.parametrize(
    ("tz", "hhmm", "day"),
    [
        # the local time does not exist that day (the clocks skip over it)
        ("America/New_York", "02:30", date(2025, 3, 9)),
        ("Europe/Berlin", "02:30", date(2025, 3, 30)),
        ("Australia/Lord_Howe", "02:15", date(2025, 10, 5)),
        # the local time happens twice that day (the clocks go back over it)
        ("America/New_York", "01:30", date(2025, 11, 2)),
        ("Europe/Berlin", "02:30", date(2025, 10, 26)),
        ("Australia/Lord_Howe", "01:45", date(2025, 4, 6)),
    ],
)
@pytest.mark.parametrize("kind", ["daily", "weekdays", "cron"])
def test_a_time_skipped_or_repeated_by_dst_fires_once_that_day(
    tz: str, hhmm: str, day: date, kind: str
) -> None:
    hour, minute = (int(x) for x in hhmm.split(":"))
    schedules: dict[str, dict[str, Any]] = {
        "daily": {"type": "daily", "time": hhmm},
        "weekdays": {"type": "weekdays", "time": hhmm, "days": ["sun", "mon", "tue", "sat"]},
        "cron": {"type": "cron", "cron": f"{minute} {hour} * * *"},
    }
    schedule = schedules[kind]
    zone_info = ZoneInfo(tz)
    start = datetime.combine(day - timedelta(days=2), time(12), zone_info)
    times = fires(schedule, tz, start, start + timedelta(days=4))
    per_day = Counter(lt.date() for lt in local(times, tz))
    assert per_day[day] == 1, times
    assert times == sorted(set(times))
    # the days around it fire at the usual local time
    for lt in local(times, tz):
        if lt.date() != day:
            assert (lt.hour, lt.minute) == (hour, minute)


def test_a_skipped_time_fires_just_after_the_gap() -> None:
    times = fires(
        {"type": "daily", "time": "02:30"}, "America/New_York", utc(2025, 3, 9), utc(2025, 3, 10)
    )
    assert local(times, "America/New_York")[0].replace(tzinfo=None) == datetime(2025, 3, 9, 3, 30)


def test_a_repeated_time_fires_at_its_first_occurrence() -> None:
    times = fires(
        {"type": "daily", "time": "01:30"}, "America/New_York", utc(2025, 11, 2), utc(2025, 11, 3)
    )
    assert times == [utc(2025, 11, 2, 5, 30)]  # 01:30 EDT, not 01:30 EST (06:30 UTC)


def test_cron_in_the_repeated_hour_fires_each_wall_time_once() -> None:
    times = fires(
        {"type": "cron", "cron": "*/30 1-2 * * *"},
        "America/New_York",
        utc(2025, 11, 2),
        utc(2025, 11, 2, 12),
    )
    walls = [lt.strftime("%H:%M") for lt in local(times, "America/New_York")]
    assert walls == ["01:00", "01:30", "02:00", "02:30"]
    assert times == sorted(set(times))


def test_next_fire_skips_the_second_occurrence_of_a_repeated_time() -> None:
    trigger = trigger_for(
        Schedule.model_validate({"type": "daily", "time": "01:30"}), "America/New_York"
    )
    assert next_fire(trigger, utc(2025, 11, 2, 5, 30)) == utc(2025, 11, 3, 6, 30)


@pytest.mark.parametrize(
    "tz", ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]
)
@pytest.mark.parametrize(
    "hhmm",
    ["00:00", "00:15", "00:45", "01:00", "01:30", "02:00", "02:30", "03:00", "09:00", "23:59"],
)
def test_daily_fires_exactly_once_on_every_local_day_of_a_year(tz: str, hhmm: str) -> None:
    zone_info = ZoneInfo(tz)
    first = date(2025, 1, 1)
    start = datetime.combine(first, time(0), zone_info) - timedelta(seconds=1)
    end = datetime.combine(date(2026, 1, 1), time(0), zone_info) - timedelta(seconds=1)
    times = fires({"type": "daily", "time": hhmm}, tz, start, end)
    assert times == sorted(set(times))
    per_day = Counter(lt.date() for lt in local(times, tz))
    assert set(per_day.values()) == {1}
    assert len(per_day) == 365


def test_midnight_the_day_after_spring_forward_is_not_skipped() -> None:
    # APScheduler 3.11 alone goes from 9 March 00:00 to 11 March (agronholm/apscheduler#606)
    times = fires(
        {"type": "daily", "time": "00:00"}, "America/New_York", utc(2025, 3, 9), utc(2025, 3, 12)
    )
    assert [lt.date() for lt in local(times, "America/New_York")] == [
        date(2025, 3, 9),
        date(2025, 3, 10),
        date(2025, 3, 11),
    ]


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"])
def test_weekly_just_after_midnight_fires_every_week_of_a_year(tz: str) -> None:
    schedule = {"type": "cron", "cron": "10 0 * * 1"}  # Mondays 00:10
    times = fires(schedule, tz, utc(2024, 12, 31), utc(2025, 12, 31))
    assert len(times) == 52
    assert all(lt.strftime("%a %H:%M") == "Mon 00:10" for lt in local(times, tz))


@pytest.mark.parametrize(
    ("tz", "cron", "last_fire"),
    [
        # the repeated hour of a fall-back day (agronholm/apscheduler#1021 loops here)
        ("Europe/Helsinki", "30 * * * *", datetime(2017, 10, 29, 3, 30, fold=1)),
        ("America/New_York", "30 1 * * *", datetime(2025, 11, 2, 1, 30, fold=0)),
        ("America/New_York", "*/15 * * * *", datetime(2025, 11, 2, 1, 45, fold=1)),
    ],
)
def test_the_scheduler_job_loop_moves_on_around_a_fall_back(
    tz: str, cron: str, last_fire: datetime
) -> None:
    """What APScheduler's Job._get_run_times does with the trigger after a fire: it asks for
    the next time from the previous one (a local time, with its fold) until it passes now."""
    trigger = trigger_for(parse_schedule({"type": "cron", "cron": cron}), tz)
    previous = last_fire.replace(tzinfo=ZoneInfo(tz))
    now = previous + timedelta(seconds=1)
    run_times: list[datetime] = []
    current = trigger.get_next_fire_time(previous, now)
    while current is not None and current <= now and len(run_times) < 5:
        run_times.append(current)
        current = trigger.get_next_fire_time(current, now)
    assert run_times == []
    assert current is not None and current > now


# -- weekdays and crontab numbering ---------------------------------------------------------

WEEK = (utc(2025, 1, 5, 12), utc(2025, 1, 12, 12))  # Sun 5th 12:00 .. Sun 12th 12:00 UTC


def weekday_names(times: list[datetime], tz: str = "UTC") -> list[str]:
    return [lt.strftime("%a").lower() for lt in local(times, tz)]


def test_weekdays_schedule_fires_on_the_chosen_days_only() -> None:
    schedule = {"type": "weekdays", "time": "09:00", "days": ["fri", "mon"]}
    assert weekday_names(fires(schedule, "UTC", *WEEK)) == ["mon", "fri"]
    assert Schedule.model_validate(schedule).describe() == "Mon, Fri at 09:00"


def test_weekdays_are_local_days() -> None:
    # Monday 09:00 in Kolkata is Monday 03:30 UTC; Monday 09:00 in Lord Howe is Sunday in UTC
    schedule = {"type": "weekdays", "time": "09:00", "days": ["mon"]}
    (kolkata,) = fires(schedule, "Asia/Kolkata", *WEEK)
    (lord_howe,) = fires(schedule, "Australia/Lord_Howe", utc(2025, 1, 5), utc(2025, 1, 12))
    assert kolkata == utc(2025, 1, 6, 3, 30)
    assert lord_howe == utc(2025, 1, 5, 22, 0)
    assert weekday_names([lord_howe], "Australia/Lord_Howe") == ["mon"]


@pytest.mark.parametrize(
    ("dow", "days"),
    [
        ("*", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        ("1-5", ["mon", "tue", "wed", "thu", "fri"]),
        ("0", ["sun"]),
        ("7", ["sun"]),
        ("0,6", ["sat", "sun"]),
        ("6,7", ["sat", "sun"]),
        ("5-7", ["fri", "sat", "sun"]),
        ("0-2", ["mon", "tue", "sun"]),
        ("1-5/2", ["mon", "wed", "fri"]),
        ("*/2", ["tue", "thu", "sat", "sun"]),
        ("1,3", ["mon", "wed"]),
        ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("sat,sun", ["sat", "sun"]),
    ],
)
def test_cron_weekdays_use_standard_crontab_numbering(dow: str, days: list[str]) -> None:
    times = fires(
        {"type": "cron", "cron": f"0 9 * * {dow}"}, "UTC", utc(2025, 1, 5), utc(2025, 1, 12)
    )
    order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert sorted(weekday_names(times), key=order.index) == days


def test_cron_minutes_hours_days_and_months() -> None:
    every_15 = fires({"type": "cron", "cron": "*/15 9-17 * * 1-5"}, "UTC", *WEEK)
    assert len(every_15) == 5 * 9 * 4
    assert {t.hour for t in every_15} == set(range(9, 18))
    monthly = fires(
        {"type": "cron", "cron": "0 8 1 * *"}, "UTC", utc(2025, 1, 1), utc(2025, 12, 31)
    )
    assert [t.month for t in monthly] == list(range(1, 13))
    assert all(t.day == 1 and t.hour == 8 for t in monthly)
    quarterly = fires(
        {"type": "cron", "cron": "30 7 1 1,4,7,10 *"},
        "Europe/Berlin",
        utc(2025, 1, 1),
        utc(2026, 1, 1),
    )
    assert [lt.strftime("%m-%d %H:%M") for lt in local(quarterly, "Europe/Berlin")] == [
        "01-01 07:30",
        "04-01 07:30",
        "07-01 07:30",
        "10-01 07:30",
    ]


def test_fire_times_stop_at_the_limit() -> None:
    trigger = trigger_for(Schedule.model_validate({"type": "cron", "cron": "* * * * *"}), "UTC")
    assert len(list(fire_times(trigger, utc(2025, 1, 1), utc(2025, 2, 1), limit=50))) == 50


def test_describe() -> None:
    assert Schedule.model_validate(DAILY_9).describe() == "daily at 09:00"
    assert (
        Schedule.model_validate({"type": "cron", "cron": "0 9 * * 1-5"}).describe()
        == "cron `0 9 * * 1-5`"
    )


# -- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron",
    [
        "0 9 * *",  # four fields
        "0 9 * * * *",  # six
        "61 9 * * *",
        "0 24 * * *",
        "0 9 32 * *",
        "0 9 * 13 *",
        "0 9 * * 8",
        "0 9 * * 5-2",
        "0 9 * * -1",
        "0 9 * * funday",
        "x 9 * * *",
        "",
    ],
)
def test_invalid_cron_is_invalid_input(cron: str) -> None:
    with pytest.raises(InvalidInput) as info:
        trigger_for(parse_schedule({"type": "cron", "cron": cron}), "UTC")
    assert info.value.fields
    if cron:
        assert info.value.code == "INVALID_CRON"
        assert info.value.fields == ["cron"]


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "EST5EDT6"])
def test_unknown_time_zone_is_invalid_input(tz: str) -> None:
    with pytest.raises(InvalidInput) as info:
        trigger_for(Schedule.model_validate(DAILY_9), tz)
    assert info.value.code == "INVALID_TIMEZONE"
    with pytest.raises(InvalidInput):
        zone(tz)


@pytest.mark.parametrize(
    "schedule",
    [
        {"type": "daily", "time": "25:00"},
        {"type": "daily", "time": "9:00"},
        {"type": "daily", "time": "09:60"},
        {"type": "daily", "time": "09:00:00"},
        {"type": "daily"},
        {"type": "weekdays", "time": "09:00", "days": []},
        {"type": "weekdays", "time": "09:00", "days": ["monday"]},
        {"type": "cron"},
        {"type": "hourly", "time": "09:00"},
        {"type": "daily", "time": "09:00", "extra": 1},
    ],
)
def test_invalid_schedule_is_invalid_input(schedule: dict) -> None:
    with pytest.raises(InvalidInput) as info:
        trigger_for(parse_schedule(schedule), "UTC")
    assert info.value.fields
