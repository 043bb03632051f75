"""Wall-clock opening hours: reading, checking and normalising a calendar's intervals."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping

from custrel.errors import ValidationError

__all__ = [
    "DAY_NAMES",
    "DAY_SECONDS",
    "Hours",
    "Interval",
    "format_time",
    "hours",
    "local_date",
    "seconds_of",
    "subtract",
    "week",
]

DAY_SECONDS = 86_400
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Interval = tuple[str, str]
"""A stretch of one local day as normalised wall times: ``("09:00", "17:00")``."""

Hours = tuple[Interval, ...]
"""The intervals of one day, sorted, not overlapping."""

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _seconds(value: object, field: str, *, end: bool) -> int:
    """Return a wall time as seconds after midnight; ``"24:00"`` is allowed as an end only."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None or value.microsecond:
            raise ValidationError(
                "expected a wall time without zone or microseconds", field=field, value=value
            )
        return value.hour * 3600 + value.minute * 60 + value.second
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(
            'expected a wall time "HH:MM" or "HH:MM:SS" (or a datetime.time)',
            field=field,
            value=value,
        )
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if minute > 59 or second > 59 or hour > 24 or (hour == 24 and (minute or second)):  # noqa: PLR2004 - clock limits
        raise ValidationError("not a wall time", field=field, value=value)
    if hour == 24 and not end:  # noqa: PLR2004 - the end of the day
        raise ValidationError('"24:00" can only end an interval', field=field, value=value)
    return hour * 3600 + minute * 60 + second


def format_time(seconds: int) -> str:
    """Write seconds after midnight as ``"HH:MM"``, or ``"HH:MM:SS"`` when there are seconds."""
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    return f"{hour:02d}:{minute:02d}:{second:02d}" if second else f"{hour:02d}:{minute:02d}"


def seconds_of(day: Hours) -> tuple[tuple[int, int], ...]:
    """Return normalised intervals as (start, end) seconds after midnight."""
    return tuple(
        (_seconds(start, "", end=False), _seconds(end, "", end=True)) for start, end in day
    )


def hours(value: object, field: str) -> Hours:
    """Check and normalise one day's intervals: pairs of wall times, sorted, not overlapping.

    Touching intervals (``12:00`` ending one and starting the next) are allowed; an interval
    that ends at or before its start, or two that overlap, are refused.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(
            "expected a list of (start, end) wall-time pairs", field=field, value=value
        )
    pairs = []
    for item in value:
        if isinstance(item, (str, bytes)) or not isinstance(item, (tuple, list)) or len(item) != 2:  # noqa: PLR2004 - a pair
            raise ValidationError(
                "expected a (start, end) pair of wall times", field=field, value=item
            )
        start = _seconds(item[0], field, end=False)
        end = _seconds(item[1], field, end=True)
        if end <= start:
            raise ValidationError(
                "an interval must end after it starts",
                field=field,
                value=(format_time(start), format_time(end)),
            )
        pairs.append((start, end))
    pairs.sort()
    for (start, end), (next_start, next_end) in itertools.pairwise(pairs):
        if next_start < end:
            raise ValidationError(
                "intervals overlap",
                field=field,
                value=(
                    (format_time(start), format_time(end)),
                    (format_time(next_start), format_time(next_end)),
                ),
            )
    return tuple((format_time(start), format_time(end)) for start, end in pairs)


def _day_index(key: object) -> int:
    if isinstance(key, str):
        name = key.strip().lower()
        if name in DAY_NAMES:
            return DAY_NAMES.index(name)
        if name in _FULL_NAMES:
            return _FULL_NAMES.index(name)
    raise ValidationError(
        'expected a weekday name such as "mon" or "monday"', field="week", value=key
    )


def week(value: object) -> tuple[Hours, ...]:
    """Normalise a weekly pattern: a mapping of weekday names, or seven days Monday first."""
    if isinstance(value, Mapping):
        days: list[Hours] = [()] * 7
        seen: set[int] = set()
        for key, day in value.items():
            index = _day_index(key)
            if index in seen:
                raise ValidationError("weekday given twice", field="week", value=key)
            seen.add(index)
            days[index] = hours(day, f"week[{key!r}]")
        return tuple(days)
    if isinstance(value, (tuple, list)) and len(value) == len(DAY_NAMES):
        return tuple(hours(day, f"week[{DAY_NAMES[i]!r}]") for i, day in enumerate(value))
    raise ValidationError(
        'expected a mapping of weekday names to intervals, such as {"mon": [("09:00", "17:00")]}',
        field="week",
        value=value,
    )


def local_date(value: object, field: str) -> dt.date:
    """Return *value* if it is a date (a local calendar day), refusing datetimes and text."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError("expected a datetime.date", field=field, value=value)
    return value


def subtract(
    day: tuple[tuple[int, int], ...], cut: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], ...]:
    """Return the parts of *day*'s intervals outside every interval of *cut* (seconds)."""
    result = []
    for start, end in day:
        pieces = [(start, end)]
        for cut_start, cut_end in cut:
            next_pieces = []
            for piece_start, piece_end in pieces:
                if cut_end <= piece_start or cut_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if piece_start < cut_start:
                    next_pieces.append((piece_start, cut_start))
                if cut_end < piece_end:
                    next_pieces.append((cut_end, piece_end))
            pieces = next_pieces
        result.extend(pieces)
    return tuple(result)
