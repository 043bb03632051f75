"""`BusinessCalendar`: business-time arithmetic in a zone with holidays; `BusinessDays`."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import TypeAlias

import attrs
import pendulum
from pendulum.tz.timezone import Timezone

from custrel import _time
from custrel.calendars import _hours
from custrel.calendars._engine import Engine
from custrel.calendars._hours import Hours
from custrel.calendars._instants import to_microseconds, zone_instant
from custrel.errors import ValidationError

__all__ = ["BusinessCalendar", "BusinessDays", "DatedHours", "IntervalLike"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ONE_US = dt.timedelta(microseconds=1)
_ZERO = dt.timedelta(0)

IntervalLike: TypeAlias = tuple[str | dt.time, str | dt.time]
"""One interval as given: wall times ``("09:00", "17:00")``; ``"24:00"`` may end a day."""

DatedHours: TypeAlias = tuple[tuple[dt.date, Hours], ...]
"""One-off hours by local date, sorted: ``((date(2026, 11, 28), (("10:00", "16:00"),)),)``."""

_DatedInput: TypeAlias = (
    Mapping[dt.date, Iterable[IntervalLike]] | Iterable[tuple[dt.date, Iterable[IntervalLike]]]
)


def _business_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="days", value=value)
    return value


@attrs.frozen(order=True)
class BusinessDays:
    """A duration counted in business days, as `BusinessCalendar.add_business_days` counts them.

    ``calendar.add(start, BusinessDays(2))`` is the same wall-clock time two business days after
    the next opening (Mon 14:00 + 1 business day = Tue 14:00). It is a different unit from a
    `timedelta` of business time on purpose: a business day is a date with open time, however
    long that date's hours are.

    Attributes:
        days: How many business days; zero or more.
    """

    days: int = attrs.field(converter=_business_days)

    def __str__(self) -> str:
        return f"{self.days} business day{'' if self.days == 1 else 's'}"


def _holidays(value: object) -> tuple[tuple[dt.date, ...], tuple[tuple[dt.date, str], ...]]:
    """Return sorted holiday dates and the names known for them (from a mapping)."""
    if isinstance(value, (str, bytes, dt.date)) or not isinstance(value, Iterable):
        raise ValidationError(
            "expected a collection of datetime.date (or a mapping of dates to names)",
            field="holidays",
            value=value,
        )
    names: dict[dt.date, str] = {}
    days: set[dt.date] = set()
    for item in value:
        day = _hours.local_date(item, "holidays")
        days.add(day)
        if isinstance(value, Mapping):
            name = value[item]
            if not isinstance(name, str):
                raise ValidationError(
                    "expected a holiday name (a str)", field="holidays", value=name
                )
            if name.strip():
                names[day] = name.strip()
    return tuple(sorted(days)), tuple(sorted(names.items()))


def _dated_hours(value: object, field: str) -> DatedHours:
    """Normalise one-off hours: a mapping (or pairs) of local dates to their intervals."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs: Iterable[object] = value.items()
    elif isinstance(value, (tuple, list)):
        pairs = value
    else:
        raise ValidationError(
            "expected a mapping of datetime.date to lists of (start, end) wall times",
            field=field,
            value=value,
        )
    dated: dict[dt.date, Hours] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:  # noqa: PLR2004 - a pair
            raise ValidationError("expected (date, intervals) pairs", field=field, value=pair)
        day = _hours.local_date(pair[0], field)
        if day in dated:
            raise ValidationError("date given twice", field=field, value=day)
        hours = _hours.hours(pair[1], f"{field}[{day.isoformat()}]")
        if not hours:
            raise ValidationError(
                "give at least one interval (a whole day is ('00:00', '24:00'))",
                field=f"{field}[{day.isoformat()}]",
                value=pair[1],
            )
        dated[day] = hours
    return tuple(sorted(dated.items()))


def _duration_us(value: object, field: str = "duration") -> int:
    if type(value) is dt.timedelta and value >= _ZERO:  # the common case, checked cheaply
        return value // _ONE_US
    if not isinstance(value, dt.timedelta):
        raise ValidationError(
            "expected a timedelta of business time (or BusinessDays)", field=field, value=value
        )
    if getattr(value, "years", 0) or getattr(value, "months", 0):
        raise ValidationError(
            "business time is counted in hours, minutes and seconds, not months or years",
            field=field,
            value=value,
        )
    duration_us = dt.timedelta.__floordiv__(value, _ONE_US)  # pendulum.Duration's // is broken
    if duration_us < 0:
        raise ValidationError("a business duration cannot be negative", field=field, value=value)
    return duration_us


def _days_since_epoch(day: dt.date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


@attrs.frozen(init=False)
class BusinessCalendar:
    """When a business is open: a weekly pattern in an IANA zone, holidays and one-off changes.

    ```python
    cal = BusinessCalendar(
        timezone="Europe/Oslo",
        week={"mon": [("08:00", "11:30"), ("12:00", "16:00")], "tue": [("08:00", "16:00")]},
        holidays=[date(2026, 12, 25)],
        openings={date(2026, 11, 28): [("10:00", "14:00")]},  # a Saturday sale day
        closures={date(2026, 12, 22): [("12:00", "24:00")]},  # closing early one day
    )
    ```

    Each local date's intervals are turned into instants by the calendar's zone, so DST days
    have their true length. A wall time in a spring-forward gap means the end of the gap
    (02:30 on a 02:00->03:00 day is 03:00); an ambiguous one in a fall-back fold means its first
    occurrence. On a date the hours are the one-off opening's if there is one (it replaces the
    weekly pattern, and wins over a holiday), else none on a holiday, else the weekday's; then
    one-off closures are cut out.

    A calendar is an immutable value: equal when built from the same hours, zone and dates,
    and hashable. Instants are accepted in any zone (naive datetimes are refused) and returned
    as `pendulum.DateTime` in the calendar's zone.

    Attributes:
        timezone: The IANA zone the wall times are in.
        week: Seven days of intervals, Monday first, each sorted: ``(("09:00", "17:00"),)``.
        holidays: Whole local dates closed, sorted.
        openings: One-off hours for dates, replacing the weekly pattern (and any holiday).
        closures: One-off closed intervals for dates (``("00:00", "24:00")`` closes a day).
    """

    timezone: str
    week: tuple[Hours, ...]
    holidays: tuple[dt.date, ...]
    openings: DatedHours
    closures: DatedHours
    _holiday_names: tuple[tuple[dt.date, str], ...] = attrs.field(
        init=False, eq=False, order=False, repr=False
    )
    _zone: Timezone = attrs.field(init=False, eq=False, order=False, repr=False)
    _engine: Engine = attrs.field(init=False, eq=False, order=False, repr=False)

    def __init__(
        self,
        *,
        timezone: str,
        week: Mapping[str, Iterable[IntervalLike]] | Iterable[Iterable[IntervalLike]],
        holidays: Iterable[dt.date] | Mapping[dt.date, str] = (),
        openings: _DatedInput | None = None,
        closures: _DatedInput | None = None,
    ) -> None:
        """Build and check a calendar.

        Args:
            timezone: An IANA zone name such as ``"Europe/Oslo"``.
            week: Intervals per weekday, keyed ``"mon"`` ... ``"sun"`` (or ``"monday"`` ...);
                days left out are closed. Several intervals a day are allowed; they must not
                overlap, may touch, and each must end after it starts. Wall times are
                ``"HH:MM"``, ``"HH:MM:SS"`` or `datetime.time`; ``"24:00"`` ends a day.
            holidays: Local dates closed all day; a mapping of dates to names (such as
                `country_holidays` returns) keeps the names for `describe`.
            openings: One-off hours: a mapping of local dates to intervals that replace the
                weekly pattern on that date (a Saturday sale day, a holiday opened anyway).
            closures: One-off closed intervals by local date, cut out of that date's hours.

        Raises:
            ValidationError: An unknown zone, a bad weekday or wall time, a reversed or
                overlapping interval, holidays that are not dates, or a week with no open time
                (one-off openings alone would leave later deadlines undefined).
        """
        zone = _time.timezone(timezone)
        days = _hours.week(week)
        if not any(days):
            raise ValidationError(
                "the weekly pattern has no open time; a calendar needs at least one interval",
                field="week",
                value=week,
            )
        holiday_days, names = _holidays(holidays)
        opening_days = _dated_hours(openings, "openings")
        closure_days = _dated_hours(closures, "closures")
        self.__attrs_init__(zone.name, days, holiday_days, opening_days, closure_days)
        object.__setattr__(self, "_holiday_names", names)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(
            self,
            "_engine",
            Engine(
                zoneinfo.ZoneInfo(zone.name),
                tuple(_hours.seconds_of(day) for day in days),
                frozenset(_days_since_epoch(day) for day in holiday_days),
                {_days_since_epoch(day): _hours.seconds_of(h) for day, h in opening_days},
                {_days_since_epoch(day): _hours.seconds_of(h) for day, h in closure_days},
            ),
        )

    @classmethod
    def weekdays(
        cls,
        opens: str | dt.time = "09:00",
        closes: str | dt.time = "17:00",
        *,
        timezone: str,
        holidays: Iterable[dt.date] | Mapping[dt.date, str] = (),
        openings: _DatedInput | None = None,
        closures: _DatedInput | None = None,
    ) -> BusinessCalendar:
        """Return a Monday-to-Friday calendar open from *opens* to *closes* each day.

        ``BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")``; the other arguments
        are as for the constructor.
        """
        return cls(
            timezone=timezone,
            week={name: [(opens, closes)] for name in _hours.DAY_NAMES[:5]},
            holidays=holidays,
            openings=openings,
            closures=closures,
        )

    @classmethod
    def always(
        cls,
        *,
        timezone: str = "UTC",
        holidays: Iterable[dt.date] | Mapping[dt.date, str] = (),
    ) -> BusinessCalendar:
        """Return a calendar open around the clock (24x7), less any *holidays*.

        The zone decides where dates (holidays, business days) begin and end.
        """
        return cls(
            timezone=timezone,
            week={name: [("00:00", "24:00")] for name in _hours.DAY_NAMES},
            holidays=holidays,
        )

    # -- on instants ---------------------------------------------------------------------------

    def add(self, start: dt.datetime, duration: dt.timedelta | BusinessDays) -> pendulum.DateTime:
        """Return the business-time deadline *duration* after *start*.

        Snaps to the next open instant, then consumes open time. When the duration exactly
        fills an interval the result is that interval's end (Fri 16:00 + 1 h with 09-17 is
        Fri 17:00, not Mon 09:00); ``add(start, timedelta(0))`` is *start* if open, else the
        next opening. A `BusinessDays` duration is handed to `add_business_days`.

        Args:
            start: Any timezone-aware datetime.
            duration: Business time (a non-negative `timedelta`) or `BusinessDays`.

        Returns:
            The deadline, in the calendar's zone.

        Raises:
            ValidationError: A naive *start*, a negative duration, or a deadline past year 9999.
        """
        if isinstance(duration, BusinessDays):
            return self.add_business_days(start, duration.days)
        start_us = to_microseconds(start, "start")
        return zone_instant(self._engine.add(start_us, _duration_us(duration)), self._zone)

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> pendulum.Duration:
        """Return the business time inside ``[start, end)``: the inverse of `add`.

        ``cal.elapsed(s, cal.add(s, d)) == d`` for every start *s* and duration *d*.

        Raises:
            ValidationError: A naive datetime, or *end* before *start*.
        """
        elapsed_us = self._engine.elapsed(
            to_microseconds(start, "start"), to_microseconds(end, "end")
        )
        return pendulum.duration(microseconds=elapsed_us)

    def add_business_days(self, start: dt.datetime, days: int) -> pendulum.DateTime:
        """Return the same wall-clock time *days* business days after the next opening.

        A business day is a local date with open time; holidays and closed days are skipped.
        The start snaps to the next open instant first, so Sat 10:00 + 1 business day is
        Tue 09:00 with Mon-Fri 09-17, and Mon 14:00 + 1 is Tue 14:00. When the business is
        closed at that wall time on the day reached (shorter hours that day), the result is
        that day's next opening, or its closing time if it opens no more that day.

        Raises:
            ValidationError: A naive *start* or a negative number of days.
        """
        start_us = to_microseconds(start, "start")
        return zone_instant(
            self._engine.add_business_days(start_us, _business_days(days)), self._zone
        )

    def is_open(self, at: dt.datetime) -> bool:
        """Return whether the business is open at *at* (an interval's end is closed)."""
        return self._engine.is_open(to_microseconds(at, "at"))

    def next_open(self, at: dt.datetime) -> pendulum.DateTime:
        """Return *at* if the business is open then, else the next opening."""
        return zone_instant(self._engine.add(to_microseconds(at, "at"), 0), self._zone)

    # -- on integer microseconds (the hot path) ------------------------------------------------

    def add_microseconds(self, start_us: int, duration_us: int) -> int:
        """`add` on integer microseconds since 1970-01-01T00:00:00Z, without datetime objects.

        Args:
            start_us: The start, in microseconds since the Unix epoch (UTC).
            duration_us: Business time in microseconds, zero or more.

        Returns:
            The deadline in microseconds since the Unix epoch.

        Raises:
            ValidationError: A negative duration, or an instant outside the years 1-9999.
        """
        return self._engine.add(start_us, duration_us)

    def elapsed_microseconds(self, start_us: int, end_us: int) -> int:
        """`elapsed` on integer microseconds since the epoch: open microseconds in ``[start, end)``.

        Raises:
            ValidationError: *end_us* before *start_us*, or an instant outside the years 1-9999.
        """
        return self._engine.elapsed(start_us, end_us)

    def next_open_microseconds(self, at_us: int) -> int:
        """`next_open` on integer microseconds since the epoch."""
        return self._engine.add(at_us, 0)

    def is_open_microseconds(self, at_us: int) -> bool:
        """`is_open` on integer microseconds since the epoch."""
        return self._engine.is_open(at_us)

    def add_business_days_microseconds(self, start_us: int, days: int) -> int:
        """`add_business_days` on integer microseconds since the epoch.

        Raises:
            ValidationError: A negative number of days.
        """
        return self._engine.add_business_days(start_us, days)

    # -- on dates ------------------------------------------------------------------------------

    def hours_on(self, day: dt.date) -> Hours:
        """Return the open wall-clock intervals of a local date, after holidays and one-offs."""
        seconds = self._engine.wall_hours(_days_since_epoch(_hours.local_date(day, "day")))
        return tuple((_hours.format_time(start), _hours.format_time(end)) for start, end in seconds)

    def holiday_name(self, day: dt.date) -> str | None:
        """Return a holiday's name when one was given (see `country_holidays`), else ``None``."""
        return dict(self._holiday_names).get(_hours.local_date(day, "day"))

    def describe(self) -> str:
        """Return the calendar in plain language for staff, as one paragraph.

        For example: "Open Monday to Friday 09:00-17:00, Europe/Oslo time. Closed on 2
        holidays: Thursday 1 January 2026 (New Year's Day), Friday 25 December 2026."
        """
        from custrel.calendars._describe import describe  # noqa: PLC0415 - only when asked

        return describe(self)
