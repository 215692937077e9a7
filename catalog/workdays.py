"""Working days in Vietnam: legal deadlines count them, not calendar days.

Weekends, public holidays (Tết by the lunar calendar included), the days off the government moves
and the Saturdays it turns into working days all come from the maintained `holidays` library, so
nothing here is a hand-made list. Deadlines end at midnight, Vietnam time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .rules import Period

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday unless a public holiday, plus the Saturdays worked in exchange for a day off."""
    cal = _calendar(day.year)
    if day in cal:
        return False
    if day in getattr(cal, "weekend_workdays", ()):
        return True
    return day.weekday() < 5


def holiday_name(day: date) -> str | None:
    return _calendar(day.year).get(day)


def local_date(moment: datetime) -> date:
    """The date in Vietnam at this moment."""
    return moment.astimezone(VN_TZ).date()


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (the day of receipt itself never counts)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after `start` up to and including `end` (0 when end <= start)."""
    n = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            n += 1
    return n


def end_of_day(day: date) -> datetime:
    """The last instant of a Vietnamese calendar day, in UTC."""
    return datetime.combine(day, time.max, tzinfo=VN_TZ).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - some day of every month exists


def deadline(received: datetime, period: Period) -> datetime:
    """When something received at `received` is due under a legal period."""
    day = local_date(received)
    if period.unit == "working_days":
        return end_of_day(add_working_days(day, period.count))
    if period.unit == "days":
        return received + timedelta(days=period.count)
    return end_of_day(add_months(day, period.count))
