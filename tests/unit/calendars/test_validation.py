import datetime as dt
import re
from collections.abc import Callable

import pendulum
import pytest

from custrel.calendars import BusinessCalendar, BusinessDays, from_microseconds, to_microseconds
from custrel.errors import ValidationError

UTC = dt.timezone.utc
NINE_TO_FIVE = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
MONDAY = dt.datetime(2026, 1, 5, 10, tzinfo=UTC)
NAIVE = dt.datetime(2026, 1, 5, 10)  # noqa: DTZ001 - the point of the test


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


def build(**fields: object) -> BusinessCalendar:
    values: dict[str, object] = {"timezone": "UTC", "week": {"mon": [("09:00", "17:00")]}}
    values.update(fields)
    return BusinessCalendar(**values)  # type: ignore[arg-type]


class TestZone:
    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", " UTC", "+01:00", None, 1])
    def test_unknown_or_malformed_zones_are_refused(self, zone: object) -> None:
        """A zone that is not an IANA name is refused when the calendar is built."""
        with pytest.raises(ValidationError, match=refused("timezone", zone)):
            build(timezone=zone)


class TestWeek:
    def test_a_week_without_open_time_is_refused(self) -> None:
        """A calendar that is never open is refused: deadlines would never come."""
        with pytest.raises(ValidationError, match=r"^week: the weekly pattern has no open time"):
            build(week={})
        with pytest.raises(ValidationError, match=r"^week: the weekly pattern has no open time"):
            build(week={"mon": [], "sat": ()}, openings={dt.date(2026, 1, 3): [("10:00", "12:00")]})

    @pytest.mark.parametrize("week", ["mon-fri 09-17", 42, [[("09:00", "17:00")]]])
    def test_a_week_of_the_wrong_shape_is_refused(self, week: object) -> None:
        """The week is a mapping of weekday names (or seven days), nothing else."""
        with pytest.raises(ValidationError, match=refused("week", week)):
            build(week=week)

    def test_unknown_and_repeated_weekdays_are_refused(self) -> None:
        """Weekday keys are mon..sun or monday..sunday, each once."""
        with pytest.raises(ValidationError, match=refused("week", "funday")):
            build(week={"funday": [("09:00", "17:00")]})
        with pytest.raises(ValidationError, match=refused("week", 0)):
            build(week={0: [("09:00", "17:00")]})
        with pytest.raises(ValidationError, match=refused("week", "Monday")):
            build(week={"mon": [("09:00", "17:00")], "Monday": [("09:00", "17:00")]})

    @pytest.mark.parametrize(
        "hours",
        ["09:00-17:00", [("09:00",)], [("09:00", "12:00", "13:00")], ["0917"], 9],
    )
    def test_intervals_must_be_pairs(self, hours: object) -> None:
        """A day's hours are a list of (start, end) pairs."""
        with pytest.raises(ValidationError, match=r"^week\['mon'\]: expected"):
            build(week={"mon": hours})

    @pytest.mark.parametrize(
        "time",
        ["9am", "25:00", "12:60", "12:00:60", "24:30", "", "09.00", 900, dt.time(9, 0, 0, 5)],
    )
    def test_malformed_wall_times_are_refused(self, time: object) -> None:
        """Wall times are HH:MM, HH:MM:SS or datetime.time with whole seconds."""
        with pytest.raises(ValidationError, match=refused("week['mon']", time)):
            build(week={"mon": [(time, "23:00")] if time != "24:30" else [("09:00", time)]})

    def test_a_zoned_time_of_day_is_refused(self) -> None:
        """A datetime.time with a tzinfo is refused: the calendar's zone applies."""
        with pytest.raises(ValidationError, match=r"^week\['mon'\]: expected a wall time"):
            build(week={"mon": [(dt.time(9, tzinfo=UTC), "17:00")]})

    def test_midnight_as_an_end_only(self) -> None:
        """24:00 may end an interval but not start one."""
        assert build(week={"mon": [("22:00", "24:00")]}).week[0] == (("22:00", "24:00"),)
        with pytest.raises(ValidationError, match=refused("week['mon']", "24:00")):
            build(week={"mon": [("24:00", "24:00")]})

    def test_reversed_and_empty_intervals_are_refused(self) -> None:
        """An interval must end after it starts."""
        with pytest.raises(ValidationError, match=refused("week['tue']", ("17:00", "09:00"))):
            build(week={"tue": [("17:00", "09:00")]})
        with pytest.raises(ValidationError, match=refused("week['tue']", ("09:00", "09:00"))):
            build(week={"tue": [("09:00", "09:00")]})

    def test_overlapping_intervals_are_refused(self) -> None:
        """Two intervals of a day may touch but not overlap."""
        overlap = (("09:00", "12:00"), ("11:00", "13:00"))
        with pytest.raises(ValidationError, match=refused("week['wed']", overlap)):
            build(week={"wed": [("11:00", "13:00"), ("09:00", "12:00")]})
        touching = build(week={"wed": [("12:00", "16:00"), ("08:00", "12:00")]})
        assert touching.week[2] == (("08:00", "12:00"), ("12:00", "16:00"))


class TestHolidays:
    @pytest.mark.parametrize(
        "holidays",
        ["2026-12-25", b"2026-12-25", dt.date(2026, 12, 25), 20261225, None],
    )
    def test_holidays_that_are_not_a_collection_are_refused(self, holidays: object) -> None:
        """Holidays are a collection of dates (a single date or a string is not)."""
        with pytest.raises(ValidationError, match=refused("holidays", holidays)):
            build(holidays=holidays)

    @pytest.mark.parametrize(
        "item", ["2026-12-25", dt.datetime(2026, 12, 25, tzinfo=UTC), 20261225, None]
    )
    def test_holidays_must_be_dates(self, item: object) -> None:
        """Each holiday is a datetime.date: not text, not a datetime, not a number."""
        with pytest.raises(ValidationError, match=refused("holidays", item)):
            build(holidays=[dt.date(2026, 1, 1), item])

    def test_holiday_names_must_be_text(self) -> None:
        """A mapping of holidays gives each date a str name."""
        with pytest.raises(ValidationError, match=refused("holidays", 1)):
            build(holidays={dt.date(2026, 1, 1): 1})


class TestOneOffs:
    @pytest.mark.parametrize("field", ["openings", "closures"])
    def test_one_offs_are_a_mapping_of_dates(self, field: str) -> None:
        """One-off hours map dates to intervals; a list of dates or a string is refused."""
        with pytest.raises(ValidationError, match=refused(field, "2026-01-03")):
            build(**{field: "2026-01-03"})
        with pytest.raises(ValidationError, match=refused(field, dt.date(2026, 1, 3))):
            build(**{field: [dt.date(2026, 1, 3)]})
        with pytest.raises(ValidationError, match=refused(field, "2026-01-03")):
            build(**{field: {"2026-01-03": [("10:00", "12:00")]}})

    @pytest.mark.parametrize("field", ["openings", "closures"])
    def test_one_offs_need_an_interval(self, field: str) -> None:
        """A one-off date with no intervals is refused (closing all day is 00:00-24:00)."""
        with pytest.raises(ValidationError, match=refused(f"{field}[2026-01-03]", [])):
            build(**{field: {dt.date(2026, 1, 3): []}})

    def test_one_off_intervals_are_checked_like_the_week(self) -> None:
        """Overlapping one-off intervals are refused, naming the date."""
        with pytest.raises(ValidationError, match=r"^openings\[2026-01-03\]: intervals overlap"):
            build(openings={dt.date(2026, 1, 3): [("10:00", "12:00"), ("11:00", "14:00")]})

    def test_a_date_given_twice_is_refused(self) -> None:
        """As (date, intervals) pairs, each date may appear once."""
        day = dt.date(2026, 1, 3)
        with pytest.raises(ValidationError, match=refused("closures", day)):
            build(closures=[(day, [("10:00", "12:00")]), (day, [("13:00", "14:00")])])


class TestCalls:
    @pytest.mark.parametrize(
        "call",
        [
            lambda: NINE_TO_FIVE.add(NAIVE, dt.timedelta(hours=1)),
            lambda: NINE_TO_FIVE.elapsed(NAIVE, MONDAY),
            lambda: NINE_TO_FIVE.elapsed(MONDAY, NAIVE),
            lambda: NINE_TO_FIVE.add_business_days(NAIVE, 1),
            lambda: NINE_TO_FIVE.is_open(NAIVE),
            lambda: NINE_TO_FIVE.next_open(NAIVE),
            lambda: to_microseconds(NAIVE),
        ],
    )
    def test_naive_datetimes_are_refused(self, call: Callable[[], object]) -> None:
        """Every method refuses a naive datetime with a ValidationError naming it."""
        with pytest.raises(ValidationError, match=r"naive datetime"):
            call()

    def test_text_is_not_an_instant(self) -> None:
        """A string where an instant belongs is refused, naming the argument."""
        with pytest.raises(ValidationError, match=refused("start", "2026-01-05T10:00Z")):
            NINE_TO_FIVE.add("2026-01-05T10:00Z", dt.timedelta(hours=1))  # type: ignore[arg-type]

    def test_negative_durations_are_refused(self) -> None:
        """Negative business time is refused in both APIs."""
        minus = dt.timedelta(seconds=-1)
        with pytest.raises(ValidationError, match=refused("duration", minus)):
            NINE_TO_FIVE.add(MONDAY, minus)
        with pytest.raises(ValidationError, match=refused("duration", -1)):
            NINE_TO_FIVE.add_microseconds(0, -1)

    @pytest.mark.parametrize("duration", [3600, 1.5, "1h", None])
    def test_durations_must_be_timedeltas(self, duration: object) -> None:
        """A duration is a timedelta (or BusinessDays), never a bare number."""
        with pytest.raises(ValidationError, match=refused("duration", duration)):
            NINE_TO_FIVE.add(MONDAY, duration)  # type: ignore[arg-type]

    def test_calendar_months_are_not_business_time(self) -> None:
        """A pendulum duration in months has no business-time length and is refused."""
        with pytest.raises(ValidationError, match=r"^duration: business time is counted"):
            NINE_TO_FIVE.add(MONDAY, pendulum.duration(months=1))

    def test_end_before_start_is_refused(self) -> None:
        """An end before the start is an error, not a negative elapsed time."""
        with pytest.raises(ValidationError, match=r"^end: the end comes before the start"):
            NINE_TO_FIVE.elapsed(MONDAY, MONDAY - dt.timedelta(seconds=1))
        with pytest.raises(ValidationError, match=r"^end: the end comes before the start"):
            NINE_TO_FIVE.elapsed_microseconds(10, 9)

    @pytest.mark.parametrize("days", [-1, 1.0, True, "1"])
    def test_business_days_must_be_a_non_negative_int(self, days: object) -> None:
        """Business days are counted in whole, non-negative numbers."""
        with pytest.raises(ValidationError, match=refused("days", days)):
            NINE_TO_FIVE.add_business_days(MONDAY, days)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=refused("days", days)):
            BusinessDays(days)

    def test_negative_business_days_in_microseconds(self) -> None:
        """The microsecond API refuses negative business days too."""
        with pytest.raises(ValidationError, match=refused("days", -2)):
            NINE_TO_FIVE.add_business_days_microseconds(0, -2)

    def test_deadlines_past_year_9999_are_refused(self) -> None:
        """Arithmetic that would leave datetime's range fails clearly instead of looping."""
        late = dt.datetime(9999, 12, 1, tzinfo=UTC)
        with pytest.raises(ValidationError, match=r"outside the years 1-9999"):
            NINE_TO_FIVE.add(late, dt.timedelta(days=400))
        with pytest.raises(ValidationError, match=r"outside the years 1-9999"):
            NINE_TO_FIVE.add(MONDAY, dt.timedelta.max)
        with pytest.raises(ValidationError, match=r"outside the years 1-9999"):
            NINE_TO_FIVE.add_business_days(late, 10_000)
        with pytest.raises(ValidationError, match=r"outside the years 1-9999"):
            NINE_TO_FIVE.is_open_microseconds(-(10**18))

    def test_unknown_zone_for_from_microseconds(self) -> None:
        """from_microseconds refuses a zone that is not an IANA name."""
        with pytest.raises(ValidationError, match=refused("timezone", "Nowhere/Town")):
            from_microseconds(0, "Nowhere/Town")
