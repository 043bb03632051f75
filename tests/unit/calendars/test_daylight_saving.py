import datetime as dt

import pendulum

from custrel.calendars import BusinessCalendar

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def utc(  # noqa: PLR0917 - the fields of a datetime
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def daily(zone: str, start: str, end: str) -> BusinessCalendar:
    return BusinessCalendar(timezone=zone, week={day: [(start, end)] for day in EVERY_DAY})


def local(  # noqa: PLR0917 - a zone and the fields of a datetime
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=zone)


def in_utc(value: dt.datetime) -> dt.datetime:
    """Python's == is always false across zones for a wall time in a fold: compare in UTC."""
    return value.astimezone(UTC)


class TestEuropeOslo:
    """Clocks go 02:00->03:00 on 2026-03-29 and 03:00->02:00 on 2026-10-25."""

    def test_days_have_their_true_length(self) -> None:
        """A 24x7 calendar's spring-forward day is 23 hours, its fall-back day 25."""
        calendar = BusinessCalendar.always(timezone="Europe/Oslo")
        zone = "Europe/Oslo"
        assert calendar.elapsed(local(zone, 2026, 3, 29), local(zone, 2026, 3, 30)) == 23 * H
        assert calendar.elapsed(local(zone, 2026, 10, 25), local(zone, 2026, 10, 26)) == 25 * H
        assert calendar.elapsed(local(zone, 2026, 10, 26), local(zone, 2026, 10, 27)) == 24 * H

    def test_a_wall_time_in_the_gap_is_the_end_of_the_gap(self) -> None:
        """02:30-05:00 on the spring-forward day opens at 03:00 CEST and lasts two hours."""
        calendar = daily("Europe/Oslo", "02:30", "05:00")
        assert in_utc(calendar.next_open(local("Europe/Oslo", 2026, 3, 29))) == utc(2026, 3, 29, 1)
        assert calendar.elapsed(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == 2 * H

    def test_a_wall_time_in_the_fold_is_its_first_occurrence(self) -> None:
        """02:30-05:00 on the fall-back day opens at the first 02:30 (CEST) and lasts 3.5 h."""
        calendar = daily("Europe/Oslo", "02:30", "05:00")
        assert in_utc(calendar.next_open(local("Europe/Oslo", 2026, 10, 25))) == utc(
            2026, 10, 25, 0, 30
        )
        assert calendar.elapsed(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == 3.5 * H
        # The second 02:30 (CET) is inside the interval that began at the first.
        assert calendar.is_open(utc(2026, 10, 25, 1, 30))

    def test_deadlines_over_the_spring_forward_weekend_keep_wall_hours(self) -> None:
        """Fri 16:00 CET + 2 business hours is Mon 10:00 CEST, and elapsed gives back 2 h."""
        calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
        start = local("Europe/Oslo", 2026, 3, 27, 16)
        deadline = calendar.add(start, 2 * H)
        assert deadline == utc(2026, 3, 30, 8)
        assert deadline.hour == 10
        assert calendar.elapsed(start, deadline) == 2 * H

    def test_business_days_keep_the_wall_time_across_the_change(self) -> None:
        """Fri 14:00 CET + 1 business day is Mon 14:00 CEST (12:00 UTC)."""
        calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
        deadline = calendar.add_business_days(local("Europe/Oslo", 2026, 3, 27, 14), 1)
        assert deadline == utc(2026, 3, 30, 12)

    def test_a_business_day_landing_in_the_gap_uses_the_end_of_the_gap(self) -> None:
        """Sat 02:30 + 1 business day on a 24x7 calendar is Sun 03:00 CEST (no 02:30 that day)."""
        calendar = BusinessCalendar.always(timezone="Europe/Oslo")
        deadline = calendar.add_business_days(local("Europe/Oslo", 2026, 3, 28, 2, 30), 1)
        assert deadline == utc(2026, 3, 29, 1)


class TestAmericaNewYork:
    """Clocks go 02:00->03:00 on 2026-03-08 and 02:00->01:00 on 2026-11-01."""

    def test_fall_back_day_is_an_hour_longer(self) -> None:
        """01:15-18:30 on the fall-back day runs from the first 01:15 to 18:30: 18 h 15 min."""
        calendar = daily("America/New_York", "01:15", "18:30")
        day = dt.timedelta(hours=17, minutes=15)
        assert calendar.elapsed(utc(2026, 10, 31, 4), utc(2026, 11, 1, 4)) == day
        assert calendar.elapsed(utc(2026, 11, 1, 4), utc(2026, 11, 2, 5)) == day + H
        assert in_utc(calendar.next_open(local("America/New_York", 2026, 11, 1))) == utc(
            2026, 11, 1, 5, 15
        )
        # The clock reads 01:10 again at 06:10 UTC; the interval is open straight through.
        assert calendar.is_open(utc(2026, 11, 1, 6, 10))
        assert in_utc(calendar.add(utc(2026, 11, 1, 5, 15), day + H)) == utc(2026, 11, 1, 23, 30)

    def test_spring_forward_day_loses_the_gap(self) -> None:
        """02:00-04:00 on the spring-forward day is open 03:00-04:00 EDT only."""
        calendar = daily("America/New_York", "02:00", "04:00")
        assert in_utc(calendar.next_open(local("America/New_York", 2026, 3, 8))) == utc(
            2026, 3, 8, 7
        )
        assert calendar.elapsed(utc(2026, 3, 8, 5), utc(2026, 3, 9, 5)) == H

    def test_an_interval_wholly_inside_the_gap_does_not_exist_that_day(self) -> None:
        """Sunday 02:10-02:50 has no instants on 2026-03-08; the next one is a week later."""
        calendar = BusinessCalendar(timezone="America/New_York", week={"sun": [("02:10", "02:50")]})
        assert in_utc(calendar.next_open(utc(2026, 3, 8, 5))) == utc(2026, 3, 15, 6, 10)
        assert calendar.elapsed(utc(2026, 3, 2), utc(2026, 3, 16)) == dt.timedelta(minutes=40)

    def test_a_result_in_the_fold_is_the_second_occurrence_when_time_says_so(self) -> None:
        """Two hours of 24x7 time from 00:00 EDT on 2026-11-01 is 01:00 EST, the second 01:00."""
        calendar = BusinessCalendar.always(timezone="America/New_York")
        deadline = calendar.add(local("America/New_York", 2026, 11, 1), 2 * H)
        assert in_utc(deadline) == utc(2026, 11, 1, 6)
        assert deadline.utcoffset() == dt.timedelta(hours=-5)
        assert (deadline.hour, deadline.fold) == (1, 1)


class TestAustraliaSydney:
    """Southern hemisphere: 03:00->02:00 on 2026-04-05 and 02:00->03:00 on 2026-10-04."""

    def test_autumn_fold_in_april(self) -> None:
        """02:30-03:30 on 2026-04-05 runs from the first 02:30 (AEDT) to 03:30 AEST: 2 h."""
        calendar = daily("Australia/Sydney", "02:30", "03:30")
        assert in_utc(calendar.next_open(local("Australia/Sydney", 2026, 4, 5))) == utc(
            2026, 4, 4, 15, 30
        )
        assert calendar.elapsed(utc(2026, 4, 4, 12), utc(2026, 4, 5, 12)) == 2 * H

    def test_spring_gap_in_october(self) -> None:
        """02:30-03:30 on 2026-10-04 opens at the end of the gap, 03:00 AEDT: 30 minutes."""
        calendar = daily("Australia/Sydney", "02:30", "03:30")
        assert in_utc(calendar.next_open(local("Australia/Sydney", 2026, 10, 4))) == utc(
            2026, 10, 3, 16
        )
        assert calendar.elapsed(utc(2026, 10, 3, 12), utc(2026, 10, 4, 12)) == dt.timedelta(
            minutes=30
        )


class TestUtc:
    def test_utc_days_are_always_24_hours(self) -> None:
        """In UTC a 24x7 calendar counts 24 hours every day of the year."""
        calendar = BusinessCalendar.always()
        assert calendar.elapsed(utc(2026, 1, 1), utc(2027, 1, 1)) == 365 * 24 * H
        assert in_utc(calendar.add(utc(2026, 3, 29), 24 * H)) == utc(2026, 3, 30)

    def test_midnight_to_midnight_intervals_touch_across_days(self) -> None:
        """A 24x7 calendar is open at midnight and adds straight across it."""
        calendar = BusinessCalendar.always()
        assert calendar.is_open(utc(2026, 3, 30))
        assert in_utc(calendar.add(utc(2026, 3, 29, 23), 2 * H)) == utc(2026, 3, 30, 1)
