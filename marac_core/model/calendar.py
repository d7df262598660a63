"""Due times: meeting start, working days on England's bank holidays, 12-month expiry."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
DEFAULT_MEETING_TIME = dt.time(9, 0)
END_OF_DAY = dt.time(17, 0)
START_OF_DAY = dt.time(9, 0)


_BANK_HOLIDAYS: dict[int, frozenset[dt.date]] = {}
_WORKING_OUT = threading.Lock()


def _bank_holidays(year: int) -> frozenset[dt.date]:
    with _WORKING_OUT:  # Held while a year is worked out, so no year is worked out twice.
        if year not in _BANK_HOLIDAYS:
            from marac_core.model import bank_holidays

            _BANK_HOLIDAYS[year] = bank_holidays.of_year(year)
        return _BANK_HOLIDAYS[year]


def prepare(*years: int) -> None:
    """Work out these years' bank holidays in the background: reading them from the cache takes under a
    millisecond, but working them out (the first run, or after the holidays package is upgraded) takes
    0.1 to 0.2 s, which a run can spend while it waits for the systems' answers."""
    threading.Thread(target=lambda: [_bank_holidays(y) for y in years], daemon=True).start()


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """A UK local wall-clock time as an aware datetime."""
    return dt.datetime.combine(day, time, tzinfo=UK)


def meeting_start(day: dt.date, time: dt.time | None) -> dt.datetime:
    return at(day, time or DEFAULT_MEETING_TIME)


def add_working_days(day: dt.date, count: int) -> dt.date:
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def in_working_hours(due: dt.datetime) -> dt.datetime:
    """A due time that falls outside working hours (09:00 to 17:00 on a working day) moves to the end of the
    last working day before it: work owed "within 72 hours" of a Thursday meeting is owed by Friday 17:00,
    not on Saturday, when nobody is at work to do it (docs/procedures.md)."""
    local = due.astimezone(UK)
    if is_working_day(local.date()) and START_OF_DAY <= local.time().replace(tzinfo=None) <= END_OF_DAY:
        return due
    day = local.date() if local.time().replace(tzinfo=None) > END_OF_DAY else local.date() - dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return at(day, END_OF_DAY)


def end_of_week(day: dt.date) -> dt.datetime:
    """Close of business on the last working day of the week (Monday to Sunday) containing ``day``."""
    last = day + dt.timedelta(days=6 - day.weekday())
    while not is_working_day(last) and last > day:
        last -= dt.timedelta(days=1)
    return at(max(last, day), END_OF_DAY)


def next_working_day_end(day: dt.date) -> dt.datetime:
    return at(add_working_days(day, 1), END_OF_DAY)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError(day)
