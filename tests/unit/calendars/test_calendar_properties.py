"""Laws of business-time arithmetic on random calendars, to the microsecond (no oracle needed)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.calendars import BusinessCalendar, from_microseconds, to_microseconds
from custrel.testing.strategies import business_calendars

US = 1_000_000
HOUR_US = 3_600 * US
FIRST_US = to_microseconds(dt.datetime(2025, 9, 1, tzinfo=dt.timezone.utc))
LAST_US = to_microseconds(dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))

calendars = business_calendars(
    first=dt.date(2025, 8, 1), last=dt.date(2026, 12, 31), resolution=1, max_holidays=30
)
instants = st.integers(min_value=FIRST_US, max_value=LAST_US)
durations = st.integers(min_value=0, max_value=400 * HOUR_US)


@settings(deadline=None, max_examples=80)
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_elapsed_inverts_add(
    calendar: BusinessCalendar, start: int, first: int, second: int
) -> None:
    """elapsed(s, add(s, d)) == d, deadlines grow with the duration and never precede s."""
    deadline = calendar.add_microseconds(start, first)
    assert deadline >= start
    assert calendar.elapsed_microseconds(start, deadline) == first
    other = calendar.add_microseconds(start, second)
    if first < second:
        assert deadline < other


@settings(deadline=None, max_examples=60)
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_adding_in_two_steps_is_adding_once(
    calendar: BusinessCalendar, start: int, first: int, second: int
) -> None:
    """add(add(s, a), b) == add(s, a + b) for any b > 0."""
    second += 1
    stepped = calendar.add_microseconds(calendar.add_microseconds(start, first), second)
    assert stepped == calendar.add_microseconds(start, first + second)


@settings(deadline=None, max_examples=60)
@given(calendar=calendars, points=st.lists(instants, min_size=3, max_size=3).map(sorted))
def test_elapsed_adds_up_over_consecutive_spans(
    calendar: BusinessCalendar, points: list[int]
) -> None:
    """elapsed(a, c) == elapsed(a, b) + elapsed(b, c), and never exceeds c - a."""
    a, b, c = points
    whole = calendar.elapsed_microseconds(a, c)
    assert whole == calendar.elapsed_microseconds(a, b) + calendar.elapsed_microseconds(b, c)
    assert 0 <= whole <= c - a


@settings(deadline=None, max_examples=60)
@given(calendar=calendars, at=instants)
def test_next_open_is_open_and_nothing_opens_before_it(calendar: BusinessCalendar, at: int) -> None:
    """next_open is open, is a fixed point, and no business time passes before it."""
    opening = calendar.next_open_microseconds(at)
    assert calendar.is_open_microseconds(opening)
    assert calendar.next_open_microseconds(opening) == opening
    assert calendar.elapsed_microseconds(at, opening) == 0
    assert (opening == at) == calendar.is_open_microseconds(at)


@settings(deadline=None, max_examples=30)
@given(
    calendar=calendars, start=instants, duration=st.integers(min_value=0, max_value=40 * HOUR_US)
)
def test_datetime_api_matches_the_microsecond_api(
    calendar: BusinessCalendar, start: int, duration: int
) -> None:
    """add/elapsed on datetimes give exactly what the integer API gives."""
    begin = from_microseconds(start, calendar.timezone)
    deadline = calendar.add(begin, dt.timedelta(microseconds=duration))
    assert to_microseconds(deadline) == calendar.add_microseconds(start, duration)
    assert deadline.timezone_name == calendar.timezone
    assert calendar.elapsed(begin, deadline) == dt.timedelta(microseconds=duration)


@settings(deadline=None, max_examples=40)
@given(calendar=calendars, start=instants, days=st.integers(min_value=0, max_value=60))
def test_business_days_land_on_open_dates_in_order(
    calendar: BusinessCalendar, start: int, days: int
) -> None:
    """Business days land in open time (or at a close), later for each further day."""
    deadline = calendar.add_business_days_microseconds(start, days)
    opened = calendar.next_open_microseconds(start)
    assert deadline >= opened
    if days == 0:
        assert deadline == opened
        return
    # The deadline is open, or the close of its day's open time.
    assert calendar.is_open_microseconds(deadline) or calendar.is_open_microseconds(deadline - 1)
    assert calendar.add_business_days_microseconds(start, days + 1) > deadline
