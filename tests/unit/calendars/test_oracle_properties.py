"""Business-time arithmetic against a brute-force oracle that walks the clock step by step.

The oracle shares nothing with the implementation's span building: it walks UTC instants in
steps of a minute (or a second), reads the local wall clock from zoneinfo at each step, and
decides open or closed from the wall clock alone. DESIGN's gap and fold rule ("a wall time
means the first instant the clock reads at or after it") is the running maximum of the wall
clock: the step is open when the highest reading so far lies inside an open interval of its
date. Deadlines and elapsed time are then counted over the walked steps.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect_left

from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.calendars import BusinessCalendar
from custrel.testing.strategies import business_calendars

ZONES = ("Europe/Oslo", "America/New_York", "Australia/Sydney", "UTC")
US = 1_000_000
DAY = 86_400
HOUR = 3_600
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
MAX_STEPS = 3_000_000


def wall_seconds(text: str) -> int:
    parts = [int(part) for part in text.split(":")]
    return parts[0] * HOUR + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def seconds_of(hours: tuple[tuple[str, str], ...]) -> list[tuple[int, int]]:
    return [(wall_seconds(start), wall_seconds(end)) for start, end in hours]


class Oracle:
    """Open or closed per step, walked forward from *origin* (UTC seconds since 1970)."""

    def __init__(self, calendar: BusinessCalendar, origin: int, step: int) -> None:
        self.zone = zoneinfo.ZoneInfo(calendar.timezone)
        self.step = step
        self.origin = origin - origin % HOUR
        self.week = [seconds_of(day) for day in calendar.week]
        self.holidays = {day.toordinal() - EPOCH_ORDINAL for day in calendar.holidays}
        self.openings = {
            day.toordinal() - EPOCH_ORDINAL: seconds_of(h) for day, h in calendar.openings
        }
        self.closures = {
            day.toordinal() - EPOCH_ORDINAL: seconds_of(h) for day, h in calendar.closures
        }
        self.flags = bytearray()
        self.cumulative = [0]  # open steps before each step index
        self.next_instant = self.origin
        self.high = self.reading(self.origin)

    def offset(self, instant: int) -> int:
        delta = dt.datetime.fromtimestamp(instant, self.zone).utcoffset()
        assert delta is not None
        return delta.days * DAY + delta.seconds

    def reading(self, instant: int) -> int:
        """What the local clock reads at an instant, in local seconds since 1970."""
        return instant + self.offset(instant)

    def open_by_wall_clock(self, local: int) -> bool:
        day, second = divmod(local, DAY)
        if day in self.openings:
            is_open = any(start <= second < end for start, end in self.openings[day])
        elif day in self.holidays:
            is_open = False
        else:
            is_open = any(start <= second < end for start, end in self.week[(day + 3) % 7])
        return is_open and not any(
            start <= second < end for start, end in self.closures.get(day, ())
        )

    def walk_until(self, index: int) -> None:
        """Decide every step up to and including *index*, an hour of steps at a time."""
        assert index < MAX_STEPS, "the oracle walked too far: a test bug"
        while len(self.flags) <= index:
            hour_start = self.next_instant
            offset = self.offset(hour_start)
            steady = offset == self.offset(hour_start + HOUR - 1)
            for instant in range(hour_start, hour_start + HOUR, self.step):
                reading = instant + (offset if steady else self.offset(instant))
                self.high = max(self.high, reading)
                is_open = self.open_by_wall_clock(self.high)
                self.flags.append(is_open)
                self.cumulative.append(self.cumulative[-1] + is_open)
            self.next_instant = hour_start + HOUR

    def index(self, instant: int) -> int:
        assert instant >= self.origin
        assert instant % self.step == 0
        return (instant - self.origin) // self.step

    def is_open(self, instant: int) -> bool:
        index = self.index(instant)
        self.walk_until(index)
        return bool(self.flags[index])

    def elapsed(self, start: int, end: int) -> int:
        """Open seconds in [start, end)."""
        first, last = self.index(start), self.index(end)
        self.walk_until(last)
        return (self.cumulative[last] - self.cumulative[first]) * self.step

    def add(self, start: int, duration: int) -> int:
        """The deadline: the next open step for 0, else the end of the last open step consumed."""
        first = self.index(start)
        if duration == 0:
            index = first
            while not self.is_open(self.origin + index * self.step):
                index += 1
            return self.origin + index * self.step
        self.walk_until(first)
        target = self.cumulative[first] + duration // self.step
        while self.cumulative[-1] < target:
            self.walk_until(len(self.flags) + HOUR // self.step)
        return self.origin + bisect_left(self.cumulative, target) * self.step


def transition_dates(zone_name: str) -> list[dt.date]:
    """Local dates in 2024-2027 on which the zone's UTC offset changes."""
    zone = zoneinfo.ZoneInfo(zone_name)
    found = []
    day = dt.date(2024, 1, 1)
    previous = dt.datetime(2023, 12, 31, 12, tzinfo=zone).utcoffset()
    while day < dt.date(2028, 1, 1):
        offset = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
        if offset != previous:
            found.append(day)
        previous = offset
        day += dt.timedelta(days=1)
    return found


TRANSITIONS = {zone: transition_dates(zone) for zone in ZONES}


@st.composite
def anchors(draw: st.DrawFn, zone: str) -> dt.date:
    """A date next to a DST change of the zone (any date for UTC)."""
    near_a_change = draw(st.integers(0, 3)) > 0
    if TRANSITIONS[zone] and near_a_change:
        day = draw(st.sampled_from(TRANSITIONS[zone]))
        return day + dt.timedelta(days=draw(st.integers(-2, 1)))
    return draw(st.dates(dt.date(2024, 1, 15), dt.date(2027, 11, 15)))


def utc_seconds(day: dt.date) -> int:
    return (day.toordinal() - EPOCH_ORDINAL) * DAY


def weekly_open_seconds(calendar: BusinessCalendar) -> int:
    return sum(end - start for day in calendar.week for start, end in seconds_of(day))


@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_add_and_elapsed_agree_with_a_minute_walk(data: st.DataObject) -> None:
    """add, elapsed and is_open match the minute-level oracle on random calendars across DST."""
    zone = data.draw(st.sampled_from(ZONES), label="zone")
    anchor = data.draw(anchors(zone), label="anchor")
    calendar = data.draw(
        business_calendars(
            timezones=(zone,),
            first=anchor - dt.timedelta(days=20),
            last=anchor + dt.timedelta(days=80),
            resolution=60,
        ),
        label="calendar",
    )
    anchor_s = utc_seconds(anchor)
    oracle = Oracle(calendar, anchor_s - 3 * DAY, 60)
    # Up to 400 business hours (all of it on a 40-hour week), but at most about ten weeks of
    # this calendar's open time, so that the oracle's walk stays short.
    longest = min(400 * HOUR, 10 * weekly_open_seconds(calendar)) // 60
    for _ in range(5):
        start = anchor_s + data.draw(st.integers(-2 * DAY, 2 * DAY), label="offset") // 60 * 60
        if data.draw(st.booleans(), label="to a boundary"):
            # A duration that ends exactly where some instant is: often an interval's end.
            later = start + data.draw(st.integers(0, 7 * DAY), label="later") // 60 * 60
            duration = oracle.elapsed(start, later)
        else:
            duration = data.draw(st.integers(0, longest), label="minutes") * 60
        deadline = calendar.add_microseconds(start * US, duration * US)
        assert deadline == oracle.add(start, duration) * US
        assert calendar.elapsed_microseconds(start * US, deadline) == duration * US
        # Never inside a closed period, except at the end of the open time it consumed.
        last_open = deadline // US - (60 if duration else 0)
        assert oracle.is_open(last_open)
        assert calendar.is_open_microseconds(last_open * US)
        end = start + data.draw(st.integers(0, 20 * DAY), label="span") // 60 * 60
        assert (
            calendar.elapsed_microseconds(start * US, end * US) == oracle.elapsed(start, end) * US
        )
        assert calendar.is_open_microseconds(end * US) == oracle.is_open(end)


@settings(deadline=None, max_examples=15)
@given(data=st.data())
def test_second_level_walk_on_short_spans(data: st.DataObject) -> None:
    """Wall times with seconds and starts on any second agree with a second-level oracle."""
    zone = data.draw(st.sampled_from(ZONES), label="zone")
    anchor = data.draw(anchors(zone), label="anchor")
    calendar = data.draw(
        business_calendars(
            timezones=(zone,),
            first=anchor - dt.timedelta(days=2),
            last=anchor + dt.timedelta(days=3),
            resolution=1,
            min_open_days=7,
            max_holidays=1,
        ),
        label="calendar",
    )
    # Noon before the change: starts reach from the early hours of the change into the next day.
    noon = utc_seconds(anchor) + 12 * HOUR
    oracle = Oracle(calendar, noon - 3 * HOUR, 1)
    for _ in range(3):
        start = noon + data.draw(st.integers(0, 15 * HOUR), label="offset")
        duration = data.draw(st.integers(0, HOUR), label="seconds")
        deadline = calendar.add_microseconds(start * US, duration * US)
        assert deadline == oracle.add(start, duration) * US
        end = start + data.draw(st.integers(0, 4 * HOUR), label="span")
        assert (
            calendar.elapsed_microseconds(start * US, end * US) == oracle.elapsed(start, end) * US
        )
