"""Business-time arithmetic on integer microseconds since the Unix epoch (UTC).

Each local date is compiled once into its open spans as UTC microseconds, with the open time
before each span; each Monday-to-Sunday week into the open time before each of its days and its
number of open days. An instant's position is its open time since its week's Monday: a deadline
skips whole weeks by their totals, then bisects for the day and inside it; elapsed time is the
difference of two positions plus the weeks between. Nothing here touches pendulum.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect_left, bisect_right

from custrel.calendars._hours import subtract
from custrel.errors import ValidationError

__all__ = ["DAY_US", "MAX_US", "MIN_US", "SECOND_US", "Engine"]

SECOND_US = 1_000_000
DAY_US = 86_400 * SECOND_US
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)  # noqa: DTZ001 - local wall times are naive on purpose
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_ONE_US = dt.timedelta(microseconds=1)
# Local dates the engine compiles: a day of margin inside datetime's range for zone offsets.
_MIN_DAY = dt.date(1, 1, 3).toordinal() - _EPOCH_ORDINAL
_MAX_DAY = dt.date(9999, 12, 29).toordinal() - _EPOCH_ORDINAL
MIN_US = _MIN_DAY * DAY_US
"""The earliest instant the arithmetic accepts (early in year 1)."""
MAX_US = _MAX_DAY * DAY_US
"""The latest instant the arithmetic accepts or returns (late in year 9999)."""
_CACHE_LIMIT = 100_000  # compiled days (or weeks) kept; past that the cache starts afresh

Seconds = tuple[tuple[int, int], ...]
# A compiled day: (local midnight in UTC µs, span bounds [s0, e0, s1, e1, ...],
# open time before each span start plus the day's total at the end).
Day = tuple[int, tuple[int, ...], tuple[int, ...]]
# A compiled week from its Monday: (open time before each of its days and at its end, open days).
Week = tuple[tuple[int, ...], int]


def _beyond(what: str) -> ValidationError:
    return ValidationError(f"{what} lies outside the years 1-9999 the calendar covers")


class Engine:
    """The compiled form of a calendar: day and week caches and the arithmetic on them."""

    __slots__ = ("_closures", "_days", "_holidays", "_openings", "_week", "_weeks", "_zone")

    def __init__(
        self,
        zone: zoneinfo.ZoneInfo,
        week: tuple[Seconds, ...],
        holidays: frozenset[int],
        openings: dict[int, Seconds],
        closures: dict[int, Seconds],
    ) -> None:
        """Compile lazily: *week* has seven days, Monday first; dates are days since 1970-01-01."""
        self._zone = zone
        self._week = week
        self._holidays = holidays
        self._openings = openings
        self._closures = closures
        self._days: dict[int, Day] = {}
        self._weeks: dict[int, Week] = {}

    # -- compiling ---------------------------------------------------------------------------

    def wall_hours(self, day: int) -> Seconds:
        """Return the open wall-clock intervals of a local date (seconds after midnight)."""
        hours = self._openings.get(day)
        if hours is None:
            hours = () if day in self._holidays else self._week[(day + 3) % 7]
        cut = self._closures.get(day)
        if cut:
            hours = subtract(hours, cut)
        return hours

    def wall_to_us(self, day: int, micros: int) -> int:
        """Return the instant a wall time of a local date names, by DESIGN's gap and fold rule.

        A wall time in a spring-forward gap names the first instant the clock reads at or after
        it (the end of the gap); an ambiguous one in a fall-back fold names its first occurrence.
        """
        naive = _EPOCH_NAIVE + dt.timedelta(days=day, microseconds=micros)
        local_us = day * DAY_US + micros
        before = naive.replace(tzinfo=self._zone).utcoffset()
        after = naive.replace(tzinfo=self._zone, fold=1).utcoffset()
        assert before is not None  # noqa: S101 - a ZoneInfo always answers
        assert after is not None  # noqa: S101 - a ZoneInfo always answers
        if before >= after:  # an ordinary wall time, or a fold: fold=0 is the first occurrence
            return local_us - before // _ONE_US
        return self._gap_end(local_us, before // _ONE_US, after // _ONE_US)

    def _gap_end(self, local_us: int, before_us: int, after_us: int) -> int:
        """Return the transition instant of the gap that *local_us* (a wall time) falls in."""
        # Instants read local_us - after_us < wall < local_us - before_us around the transition;
        # transitions fall on whole seconds, so search seconds for the first reading >= wall.
        low = (local_us - after_us) // SECOND_US
        high = -(-(local_us - before_us) // SECOND_US)
        while low + 1 < high:
            middle = (low + high) // 2
            if self._reading_us(middle * SECOND_US) >= local_us:
                high = middle
            else:
                low = middle
        return high * SECOND_US

    def _reading_us(self, at_us: int) -> int:
        """Return what the local clock reads at an instant, as local microseconds since 1970."""
        local = (_EPOCH_UTC + dt.timedelta(microseconds=at_us)).astimezone(self._zone)
        offset = local.utcoffset()
        assert offset is not None  # noqa: S101 - a ZoneInfo always answers
        return at_us + offset // _ONE_US

    def reading(self, at_us: int) -> dt.datetime:
        """Return the local wall clock at an instant as an aware stdlib datetime."""
        return (_EPOCH_UTC + dt.timedelta(microseconds=at_us)).astimezone(self._zone)

    def day(self, day: int) -> Day:
        """Return a local date's compiled spans (cached)."""
        compiled = self._days.get(day)
        if compiled is None:
            compiled = self._compile(day)
        return compiled

    def _compile(self, day: int) -> Day:
        if not _MIN_DAY <= day <= _MAX_DAY:
            raise _beyond("the result")
        bounds: list[int] = []
        for start, end in self.wall_hours(day):
            start_us = self.wall_to_us(day, start * SECOND_US)
            end_us = self.wall_to_us(day, end * SECOND_US)
            if end_us <= start_us:  # wholly inside a spring-forward gap: no time at all
                continue
            if bounds and bounds[-1] >= start_us:  # touching: one continuous span
                bounds[-1] = end_us
            else:
                bounds += [start_us, end_us]
        before = [0]
        for index in range(0, len(bounds), 2):
            before.append(before[-1] + bounds[index + 1] - bounds[index])
        compiled = (self.wall_to_us(day, 0), tuple(bounds), tuple(before))
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        self._days[day] = compiled
        return compiled

    def week(self, monday: int) -> Week:
        """Return the week starting on local date *monday*: open time before each day, open days.

        The first tuple has eight entries: the open time of the week before Monday, Tuesday,
        ..., Sunday, and after Sunday (the week's total).
        """
        week = self._weeks.get(monday)
        if week is None:
            before = [0]
            open_days = 0
            for day in range(monday, monday + 7):
                total = self.day(day)[2][-1]
                before.append(before[-1] + total)
                open_days += total > 0
            week = (tuple(before), open_days)
            if len(self._weeks) >= _CACHE_LIMIT:
                self._weeks.clear()
            self._weeks[monday] = week
        return week

    # -- arithmetic --------------------------------------------------------------------------

    def local_day(self, at_us: int) -> int:
        """Return the local date (days since 1970-01-01) whose spans an instant falls among."""
        if not MIN_US <= at_us <= MAX_US:
            raise _beyond("the instant")
        day = at_us // DAY_US
        days = self._days
        compiled = days.get(day) or self._compile(day)
        if at_us < compiled[0]:
            return day - 1
        compiled = days.get(day + 1) or self._compile(day + 1)
        if at_us >= compiled[0]:
            return day + 1
        return day

    def open_before(self, day: int, at_us: int) -> int:
        """Return the open time of local date *day* before the instant *at_us*."""
        _, bounds, before = self._days.get(day) or self._compile(day)
        index = bisect_right(bounds, at_us)
        if index & 1:
            return before[index >> 1] + at_us - bounds[index - 1]
        return before[index >> 1]

    def add(self, start_us: int, duration_us: int) -> int:
        """Return the instant *duration_us* of open time after *start_us* (see DESIGN.md).

        The start's position is counted as open time since its week's Monday; whole weeks are
        skipped by their totals, then a bisection finds the day and another the instant.
        """
        if duration_us < 0:
            raise ValidationError(
                "a business duration cannot be negative", field="duration", value=duration_us
            )
        if duration_us > MAX_US - start_us:  # open time never exceeds the time that passes
            raise _beyond("the deadline")
        day = self.local_day(start_us)
        _, bounds, before = self._days.get(day) or self._compile(day)
        index = bisect_right(bounds, start_us)
        if not duration_us:  # the start if open, else the next opening
            if index & 1:
                return start_us
            if index < len(bounds):
                return bounds[index]
            return self._next_opening_after(day)
        monday = day - (day + 3) % 7
        weeks = self._weeks
        week_before = (weeks.get(monday) or self.week(monday))[0]
        wanted = week_before[day - monday] + before[index >> 1] + duration_us
        if index & 1:
            wanted += start_us - bounds[index - 1]
        while wanted > week_before[7]:
            wanted -= week_before[7]
            monday += 7
            week_before = (weeks.get(monday) or self.week(monday))[0]
        # The day whose open time reaches *wanted*: before[day] < wanted <= before[day + 1].
        index = bisect_left(week_before, wanted) - 1
        _, bounds, before = self._days.get(monday + index) or self._compile(monday + index)
        return self._within(bounds, before, wanted - week_before[index])

    @staticmethod
    def _within(bounds: tuple[int, ...], before: tuple[int, ...], wanted: int) -> int:
        """Return the instant by which a day's open time reaches *wanted* (at most its total)."""
        span = bisect_left(before, wanted, 1) - 1
        return bounds[2 * span] + wanted - before[span]

    def _next_opening_after(self, day: int) -> int:
        """Return the first opening on a local date after *day*."""
        monday = day - (day + 3) % 7
        week_before = self.week(monday)[0]
        # The first later day with open time: before[k] <= reached < before[k + 1].
        index = bisect_right(week_before, week_before[day - monday + 1]) - 1
        while index >= 7:  # noqa: PLR2004 - no more open time this week
            monday += 7
            week_before = self.week(monday)[0]
            index = bisect_right(week_before, 0) - 1
        return self.day(monday + index)[1][0]

    def elapsed(self, start_us: int, end_us: int) -> int:
        """Return the open time inside ``[start_us, end_us)``: positions in their weeks."""
        if end_us < start_us:
            raise ValidationError(
                "the end comes before the start", field="end", value=(start_us, end_us)
            )
        if end_us == start_us:
            return 0
        first = self.local_day(start_us)
        last = self.local_day(end_us)
        if first == last:
            return self.open_before(last, end_us) - self.open_before(first, start_us)
        weeks = self._weeks
        monday = first - (first + 3) % 7
        last_monday = last - (last + 3) % 7
        total = (weeks.get(last_monday) or self.week(last_monday))[0][last - last_monday]
        total += self.open_before(last, end_us) - self.open_before(first, start_us)
        total -= (weeks.get(monday) or self.week(monday))[0][first - monday]
        while monday < last_monday:
            total += (weeks.get(monday) or self.week(monday))[0][7]
            monday += 7
        return total

    def is_open(self, at_us: int) -> bool:
        """Return whether the instant lies inside an open span (a span's end is closed)."""
        return bool(bisect_right(self.day(self.local_day(at_us))[1], at_us) & 1)

    def add_business_days(self, start_us: int, days: int) -> int:
        """Return the same wall-clock time *days* business days after the next opening."""
        if days < 0:
            raise ValidationError(
                "a number of business days cannot be negative", field="days", value=days
            )
        opened = self.add(start_us, 0)
        if days == 0:
            return opened
        reading = self.reading(opened)
        wall = (
            reading.hour * 3600 + reading.minute * 60 + reading.second
        ) * SECOND_US + reading.microsecond
        day = self.local_day(opened) + 1
        remaining = days
        while True:
            if (day + 3) % 7 == 0:
                open_days = self.week(day)[1]
                while remaining > open_days:
                    remaining -= open_days
                    day += 7
                    open_days = self.week(day)[1]
            _, bounds, before = self.day(day)
            if before[-1]:
                remaining -= 1
                if not remaining:
                    break
            day += 1
        return self._same_time(day, wall, bounds)

    def _same_time(self, day: int, wall: int, bounds: tuple[int, ...]) -> int:
        """Return a wall time on an open date, moved into the date's open time if closed then.

        Closed at that time: the date's next opening if it has one later, else its last close.
        """
        target = self.wall_to_us(day, wall)
        index = bisect_right(bounds, target)
        if index & 1:
            return target
        if index < len(bounds):
            return bounds[index]
        return bounds[-1]
