"""Date literals (SOQL and SOSL Reference, "Date Formats and Date Literals",
sforce_api_calls_soql_select_dateformats.htm).

Each literal denotes a range of whole days [start, end) in the user's time zone (the integration
user here is on GMT). Weeks start on Sunday (US locale). Documented semantics used:
TODAY/YESTERDAY/TOMORROW; LAST_WEEK/THIS_WEEK/NEXT_WEEK; LAST_MONTH/THIS_MONTH/NEXT_MONTH;
LAST_YEAR/THIS_YEAR/NEXT_YEAR; LAST_90_DAYS / NEXT_90_DAYS; LAST_N_DAYS:n "starts with the
current day and continues for the past n days" (so it includes today); NEXT_N_DAYS:n "starts
00:00:00 of the next day and continues for the next n days" (excludes today); N_DAYS_AGO:n.
"""

from __future__ import annotations

import datetime as dt

_SIMPLE = {
    "TODAY",
    "YESTERDAY",
    "TOMORROW",
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_MONTH",
    "THIS_MONTH",
    "NEXT_MONTH",
    "LAST_YEAR",
    "THIS_YEAR",
    "NEXT_YEAR",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
}
_WITH_N = {
    "LAST_N_DAYS",
    "NEXT_N_DAYS",
    "N_DAYS_AGO",
    "LAST_N_WEEKS",
    "NEXT_N_WEEKS",
    "LAST_N_MONTHS",
    "NEXT_N_MONTHS",
}


def is_date_literal(name: str) -> bool:
    return name.upper() in _SIMPLE | _WITH_N


def needs_n(name: str) -> bool:
    return name.upper() in _WITH_N


def _month_start(d: dt.date, delta: int) -> dt.date:
    m = d.month - 1 + delta
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def date_literal_range(name: str, n: int | None, today: dt.date | None = None):
    """Return (start, end) dates, end exclusive."""
    today = today or dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    week_start = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    name = name.upper()
    ranges = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "THIS_WEEK": (week_start, week_start + 7 * day),
        "LAST_WEEK": (week_start - 7 * day, week_start),
        "NEXT_WEEK": (week_start + 7 * day, week_start + 14 * day),
        "THIS_MONTH": (_month_start(today, 0), _month_start(today, 1)),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today, 0)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "THIS_YEAR": (dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)),
        "LAST_YEAR": (dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1)),
        "NEXT_YEAR": (dt.date(today.year + 1, 1, 1), dt.date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
    }
    if name in ranges:
        return ranges[name]
    if n is None:
        return None
    with_n = {
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_WEEKS": (week_start - 7 * n * day, week_start),
        "NEXT_N_WEEKS": (week_start + 7 * day, week_start + 7 * (n + 1) * day),
        "LAST_N_MONTHS": (_month_start(today, -n), _month_start(today, 0)),
        "NEXT_N_MONTHS": (_month_start(today, 1), _month_start(today, n + 1)),
    }
    return with_n.get(name)
