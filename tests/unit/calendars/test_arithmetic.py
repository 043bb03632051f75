import datetime as dt

import pendulum

from custrel.calendars import BusinessCalendar, BusinessDays, from_microseconds, to_microseconds

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
NINE_TO_FIVE = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
SPLIT_DAY = BusinessCalendar(
    timezone="UTC",
    week={
        day: [("09:00", "12:00"), ("13:00", "18:00")] for day in ("mon", "tue", "wed", "thu", "fri")
    },
)


def utc(  # noqa: PLR0917 - the fields of a datetime
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


class TestPublishedVectors:
    """Mon-Fri 09:00-17:00 UTC; 2016-01-25 is a Monday."""

    def test_saturday_plus_two_hours_is_monday_eleven(self) -> None:
        """Sat 2016-01-23 13:14 + 2 h = Mon 2016-01-25 11:00."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 23, 13, 14), 2 * H) == utc(2016, 1, 25, 11)

    def test_friday_nine_plus_eight_hours_is_friday_five(self) -> None:
        """Fri 2016-01-22 09:00 + 8 h = Fri 17:00, the end of the day, not Monday 09:00."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 22, 9), 8 * H) == utc(2016, 1, 22, 17)

    def test_saturday_plus_twelve_hours_is_tuesday_one(self) -> None:
        """Sat 2016-01-23 13:14 + 12 h = Tue 2016-01-26 13:00."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 23, 13, 14), 12 * H) == utc(2016, 1, 26, 13)

    def test_a_week_of_split_days_is_forty_hours(self) -> None:
        """With 09-12 and 13-18, Mon 2016-01-18 09:00 to the next Monday 09:00 is 40 h."""
        assert SPLIT_DAY.elapsed(utc(2016, 1, 18, 9), utc(2016, 1, 25, 9)) == 40 * H


class TestAdd:
    def test_remaining_time_that_fills_an_interval_ends_at_its_end(self) -> None:
        """Fri 16:00 + 1 h with 09-17 is Fri 17:00, not Mon 09:00."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 22, 16), H) == utc(2016, 1, 22, 17)

    def test_filling_the_morning_ends_at_lunch(self) -> None:
        """Three hours from 09:00 ends at 12:00, the morning interval's end."""
        assert SPLIT_DAY.add(utc(2016, 1, 18, 9), 3 * H) == utc(2016, 1, 18, 12)

    def test_time_runs_on_after_lunch(self) -> None:
        """Four hours from 09:00 skips the 12:00-13:00 break and ends at 14:00."""
        assert SPLIT_DAY.add(utc(2016, 1, 18, 9), 4 * H) == utc(2016, 1, 18, 14)

    def test_zero_when_open_is_the_start(self) -> None:
        """add(start, 0) is the start itself while open."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 18, 10, 30), dt.timedelta(0)) == utc(
            2016, 1, 18, 10, 30
        )

    def test_zero_when_closed_is_the_next_opening(self) -> None:
        """add(start, 0) at closing time, at lunch or at the weekend is the next opening."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 22, 17), dt.timedelta(0)) == utc(2016, 1, 25, 9)
        assert SPLIT_DAY.add(utc(2016, 1, 18, 12), dt.timedelta(0)) == utc(2016, 1, 18, 13)
        assert NINE_TO_FIVE.add(utc(2016, 1, 23, 3), dt.timedelta(0)) == utc(2016, 1, 25, 9)

    def test_long_spans_jump_whole_weeks(self) -> None:
        """400 business hours from Fri 12:00 is ten weeks later, Fri 12:00."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 22, 12), 400 * H) == utc(2016, 4, 1, 12)

    def test_years_of_business_time(self) -> None:
        """Ten years of 40-hour weeks from a Monday opening end ten years of weeks later."""
        start = utc(2016, 1, 4, 9)
        deadline = NINE_TO_FIVE.add(start, 522 * 40 * H)
        assert deadline == utc(2026, 1, 2, 17)
        assert NINE_TO_FIVE.elapsed(start, deadline) == 522 * 40 * H

    def test_holidays_are_skipped(self) -> None:
        """A holiday Monday pushes Friday 16:00 + 2 h to Tuesday 10:00."""
        calendar = BusinessCalendar.weekdays(timezone="UTC", holidays=[dt.date(2016, 1, 25)])
        assert calendar.add(utc(2016, 1, 22, 16), 2 * H) == utc(2016, 1, 26, 10)

    def test_week_jumps_count_holiday_weeks_short(self) -> None:
        """Weeks holding holidays are shorter when whole weeks are jumped."""
        holidays = [dt.date(2016, 2, 1), dt.date(2016, 2, 2), dt.date(2016, 3, 14)]
        calendar = BusinessCalendar.weekdays(timezone="UTC", holidays=holidays)
        assert calendar.add(utc(2016, 1, 25, 9), 120 * H) == utc(2016, 2, 16, 17)
        assert calendar.add(utc(2016, 1, 25, 9), 280 * H) == utc(2016, 3, 16, 17)

    def test_microseconds_are_kept(self) -> None:
        """Sub-second starts and durations come back exact to the microsecond."""
        start = utc(2016, 1, 18, 16, 59, 59, 999_999)
        assert NINE_TO_FIVE.add(start, dt.timedelta(microseconds=2)) == utc(2016, 1, 19, 9, 0, 0, 1)

    def test_result_is_a_pendulum_datetime_in_the_calendar_zone(self) -> None:
        """Deadlines come back as pendulum.DateTime in the calendar's zone, whatever the input's."""
        calendar = BusinessCalendar.weekdays(timezone="Europe/Oslo")
        deadline = calendar.add(pendulum.datetime(2026, 1, 5, 8, tz="UTC"), H)
        assert isinstance(deadline, pendulum.DateTime)
        assert deadline.timezone_name == "Europe/Oslo"
        assert deadline == pendulum.datetime(2026, 1, 5, 10, tz="Europe/Oslo")

    def test_any_aware_datetime_is_accepted(self) -> None:
        """A stdlib datetime with a fixed offset names the same instant as its UTC equivalent."""
        offset = dt.timezone(dt.timedelta(hours=-5))
        assert NINE_TO_FIVE.add(dt.datetime(2016, 1, 23, 8, 14, tzinfo=offset), 2 * H) == utc(
            2016, 1, 25, 11
        )

    def test_pendulum_durations_are_business_time_too(self) -> None:
        """A pendulum.Duration of hours is accepted like a timedelta."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 23, 13, 14), pendulum.duration(hours=2)) == utc(
            2016, 1, 25, 11
        )

    def test_business_days_as_a_duration(self) -> None:
        """add(start, BusinessDays(n)) is add_business_days(start, n)."""
        assert NINE_TO_FIVE.add(utc(2016, 1, 22, 14), BusinessDays(1)) == utc(2016, 1, 25, 14)


class TestElapsed:
    def test_elapsed_counts_open_time_only(self) -> None:
        """Friday 16:00 to Monday 10:00 is two business hours."""
        assert NINE_TO_FIVE.elapsed(utc(2016, 1, 22, 16), utc(2016, 1, 25, 10)) == 2 * H

    def test_elapsed_within_one_interval(self) -> None:
        """Inside one open interval business time equals wall time."""
        assert NINE_TO_FIVE.elapsed(
            utc(2016, 1, 18, 9, 30), utc(2016, 1, 18, 9, 45)
        ) == dt.timedelta(minutes=15)

    def test_elapsed_of_an_empty_or_closed_span_is_zero(self) -> None:
        """No time, or only closed time, elapses nothing."""
        assert NINE_TO_FIVE.elapsed(utc(2016, 1, 18, 9), utc(2016, 1, 18, 9)) == dt.timedelta(0)
        assert NINE_TO_FIVE.elapsed(utc(2016, 1, 22, 17), utc(2016, 1, 25, 9)) == dt.timedelta(0)

    def test_elapsed_is_a_pendulum_duration(self) -> None:
        """The elapsed time is a pendulum.Duration."""
        assert isinstance(
            NINE_TO_FIVE.elapsed(utc(2016, 1, 18), utc(2016, 2, 18)), pendulum.Duration
        )

    def test_elapsed_over_months_with_holidays(self) -> None:
        """Elapsed over weeks subtracts each holiday's hours."""
        calendar = BusinessCalendar.weekdays(
            timezone="UTC", holidays=[dt.date(2016, 2, 1), dt.date(2016, 2, 6)]
        )
        # 2016-01-18 to 2016-03-14: eight weeks, one weekday holiday (the 6th is a Saturday).
        assert calendar.elapsed(utc(2016, 1, 18), utc(2016, 3, 14)) == (8 * 40 - 8) * H


class TestOpen:
    def test_is_open_inside_an_interval_and_at_its_start(self) -> None:
        """Open from an interval's start up to, not including, its end."""
        assert NINE_TO_FIVE.is_open(utc(2016, 1, 18, 9))
        assert NINE_TO_FIVE.is_open(utc(2016, 1, 18, 16, 59, 59, 999_999))
        assert not NINE_TO_FIVE.is_open(utc(2016, 1, 18, 17))
        assert not NINE_TO_FIVE.is_open(utc(2016, 1, 23, 12))

    def test_next_open(self) -> None:
        """next_open is the instant itself when open, else the next opening."""
        assert NINE_TO_FIVE.next_open(utc(2016, 1, 18, 10)) == utc(2016, 1, 18, 10)
        assert NINE_TO_FIVE.next_open(utc(2016, 1, 22, 18)) == utc(2016, 1, 25, 9)


class TestBusinessDays:
    def test_same_wall_time_the_next_business_day(self) -> None:
        """Mon 14:00 + 1 business day = Tue 14:00."""
        assert NINE_TO_FIVE.add_business_days(utc(2016, 1, 18, 14), 1) == utc(2016, 1, 19, 14)

    def test_weekends_and_holidays_are_skipped(self) -> None:
        """Fri 14:00 + 1 with a holiday Monday is Tue 14:00; + 6 is the next Tuesday but one."""
        calendar = BusinessCalendar.weekdays(timezone="UTC", holidays=[dt.date(2016, 1, 25)])
        assert calendar.add_business_days(utc(2016, 1, 22, 14), 1) == utc(2016, 1, 26, 14)
        assert calendar.add_business_days(utc(2016, 1, 22, 14), 6) == utc(2016, 2, 2, 14)

    def test_the_start_snaps_to_the_next_opening_first(self) -> None:
        """Sat 10:00 + 1 business day: Monday's 09:00 opening, then Tue 09:00."""
        assert NINE_TO_FIVE.add_business_days(utc(2016, 1, 23, 10), 1) == utc(2016, 1, 26, 9)

    def test_zero_days_is_the_next_opening(self) -> None:
        """add_business_days(start, 0) is next_open(start)."""
        assert NINE_TO_FIVE.add_business_days(utc(2016, 1, 22, 18), 0) == utc(2016, 1, 25, 9)

    def test_many_business_days_jump_weeks(self) -> None:
        """250 business days from a Monday is 50 weeks later with no holidays."""
        assert NINE_TO_FIVE.add_business_days(utc(2016, 1, 18, 11), 250) == utc(2017, 1, 2, 11)

    def test_a_shorter_day_closes_the_deadline_at_its_close(self) -> None:
        """Thu 16:00 + 1 when Friday closes at 15:00 ends at Friday's close."""
        calendar = BusinessCalendar(
            timezone="UTC",
            week={
                **{day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu")},
                "fri": [("10:00", "12:00"), ("13:00", "15:00")],
            },
        )
        assert calendar.add_business_days(utc(2016, 1, 21, 16), 1) == utc(2016, 1, 22, 15)
        # Closed at that time but opening later that day: the next opening.
        assert calendar.add_business_days(utc(2016, 1, 21, 9, 30), 1) == utc(2016, 1, 22, 10)
        assert calendar.add_business_days(utc(2016, 1, 21, 12, 30), 1) == utc(2016, 1, 22, 13)

    def test_business_days_value(self) -> None:
        """BusinessDays is an ordered value with a readable str."""
        assert BusinessDays(2) == BusinessDays(2)
        assert BusinessDays(1) < BusinessDays(3)
        assert str(BusinessDays(1)) == "1 business day"
        assert str(BusinessDays(3)) == "3 business days"
        assert hash(BusinessDays(2)) == hash(BusinessDays(2))


class TestMicroseconds:
    def test_microsecond_api_matches_the_datetime_api(self) -> None:
        """add/elapsed/next_open/is_open on integers agree with the datetime methods."""
        start = utc(2016, 1, 23, 13, 14)
        start_us = to_microseconds(start)
        assert start_us == 1_453_554_840_000_000
        deadline_us = NINE_TO_FIVE.add_microseconds(start_us, 12 * 3_600_000_000)
        assert from_microseconds(deadline_us) == utc(2016, 1, 26, 13)
        assert NINE_TO_FIVE.elapsed_microseconds(start_us, deadline_us) == 12 * 3_600_000_000
        assert from_microseconds(NINE_TO_FIVE.next_open_microseconds(start_us)) == utc(
            2016, 1, 25, 9
        )
        assert not NINE_TO_FIVE.is_open_microseconds(start_us)
        assert from_microseconds(
            NINE_TO_FIVE.add_business_days_microseconds(start_us, 1), "Europe/Oslo"
        ) == utc(2016, 1, 26, 9)

    def test_conversions_round_trip_exactly(self) -> None:
        """to_microseconds and from_microseconds round-trip any instant, before 1970 too."""
        for value in (utc(1969, 12, 31, 23, 59, 59, 999_999), utc(2038, 1, 19, 3, 14, 8, 1)):
            assert from_microseconds(to_microseconds(value)) == value
        oslo = from_microseconds(0, "Europe/Oslo")
        assert oslo.timezone_name == "Europe/Oslo"
        assert oslo.hour == 1
