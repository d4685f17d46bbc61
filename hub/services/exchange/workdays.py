"""Working days in mainland China: the State Council's holiday schedule, weekends otherwise.

The decision deadline of a 有条件共享 request is counted in working days. ``chinesecalendar``
carries each year's published schedule (public holidays, and the weekend days worked in lieu,
调休). The schedule of a year is published late in the year before, so a date beyond the
library's data falls back to Monday-Friday; upgrading the package extends the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time since 1991


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no schedule for
        return day.weekday() < 5


def has_schedule(day: date) -> bool:
    """Whether ``day``'s year has a published schedule in the installed package."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    current = start
    left = days
    while left:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware timestamp (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()
