"""Plain-language rendering of a business calendar for staff."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from custrel.calendars._hours import DAY_NAMES, Hours

if TYPE_CHECKING:
    from custrel.calendars._calendar import BusinessCalendar

__all__ = ["describe", "format_date", "format_hours", "join"]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WHOLE_DAY = (("00:00", "24:00"),)


def join(items: list[str]) -> str:
    """Join words as English does: ``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def format_date(day: dt.date) -> str:
    """Write a date for people: ``Friday 25 December 2026``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_hours(hours: Hours) -> str:
    """Write one day's intervals: ``08:00-11:30 and 12:00-16:00``."""
    return join([f"{start}-{end}" for start, end in hours])


def _day_runs(indexes: list[int]) -> str:
    """Name weekdays, collapsing runs: ``Monday to Wednesday and Friday``."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] + 1 == index:
            runs[-1].append(index)
        else:
            runs.append([index])
    names = []
    for run in runs:
        if len(run) >= 3:  # noqa: PLR2004 - "Monday to Wednesday" reads better than a list
            names.append(f"{_WEEKDAYS[run[0]]} to {_WEEKDAYS[run[-1]]}")
        else:
            names.extend(_WEEKDAYS[index] for index in run)
    return join(names)


def _week(week: tuple[Hours, ...]) -> str:
    if all(day == _WHOLE_DAY for day in week):
        return "around the clock, every day"
    groups: dict[Hours, list[int]] = {}
    for index, day in enumerate(week):
        if day:
            groups.setdefault(day, []).append(index)
    parts = []
    for day, indexes in groups.items():
        hours = "all day" if day == _WHOLE_DAY else format_hours(day)
        parts.append(f"{_day_runs(indexes)} {hours}")
    return join(parts)


def describe(calendar: BusinessCalendar) -> str:
    """Return one paragraph saying when *calendar* is open, for staff."""
    assert len(calendar.week) == len(DAY_NAMES)  # noqa: S101 - the constructor ensures it
    sentences = [f"Open {_week(calendar.week)}, {calendar.timezone} time."]
    if calendar.holidays:
        count = len(calendar.holidays)
        named = []
        for day in calendar.holidays:
            name = calendar.holiday_name(day)
            named.append(format_date(day) + (f" ({name})" if name else ""))
        sentences.append(f"Closed on {count} holiday{'' if count == 1 else 's'}: {join(named)}.")
    if calendar.openings:
        openings = [f"{format_date(day)} {format_hours(hours)}" for day, hours in calendar.openings]
        sentences.append(f"Special opening hours: {join(openings)}.")
    if calendar.closures:
        closures = [
            ("all day " if hours == _WHOLE_DAY else f"{format_hours(hours)} on ") + format_date(day)
            for day, hours in calendar.closures
        ]
        sentences.append(f"Also closed {join(closures)}.")
    return " ".join(sentences)
