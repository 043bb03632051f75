import datetime as dt
import re
import subprocess
import sys

import attrs
import pytest

from custrel.calendars import BusinessCalendar, IntervalLike, country_holidays
from custrel.errors import ValidationError

UTC = dt.timezone.utc
H = dt.timedelta(hours=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def utc(  # noqa: PLR0917 - the fields of a datetime
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


class TestValue:
    def test_equal_by_value_and_hashable(self) -> None:
        """Calendars built alike are equal and hash alike, however their input was spelled."""
        week: dict[str, list[IntervalLike]] = {
            "Monday": [(dt.time(9), "17:00")],
            "TUE": [("9:00", "17:00:00")],
        }
        spelled = BusinessCalendar(
            timezone="Europe/Oslo",
            week=week,
            holidays=[dt.date(2026, 12, 25), dt.date(2026, 1, 1), dt.date(2026, 1, 1)],
        )
        plain = BusinessCalendar(
            timezone="Europe/Oslo",
            week={"mon": [("09:00", "17:00")], "tue": [("09:00", "17:00")]},
            holidays=(dt.date(2026, 1, 1), dt.date(2026, 12, 25)),
        )
        assert spelled == plain
        assert hash(spelled) == hash(plain)
        assert len({spelled, plain}) == 1
        assert plain.holidays == (dt.date(2026, 1, 1), dt.date(2026, 12, 25))
        assert plain != BusinessCalendar.weekdays(timezone="Europe/Oslo")

    def test_frozen(self) -> None:
        """A calendar cannot be changed in place."""
        calendar = BusinessCalendar.weekdays(timezone="UTC")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            calendar.timezone = "Europe/Oslo"  # type: ignore[misc]

    def test_evolve_builds_a_checked_new_calendar(self) -> None:
        """attrs.evolve goes through the constructor, so changes are checked and compiled."""
        calendar = BusinessCalendar.weekdays(timezone="UTC")
        later = attrs.evolve(calendar, holidays=[dt.date(2016, 1, 25)])
        assert later.add(utc(2016, 1, 22, 16), 2 * H) == utc(2016, 1, 26, 10)
        with pytest.raises(ValidationError):
            attrs.evolve(calendar, timezone="Nowhere")

    def test_weekdays_and_always(self) -> None:
        """weekdays() is Mon-Fri with one interval; always() is 00:00-24:00 every day in UTC."""
        assert BusinessCalendar.weekdays("08:00", "16:00", timezone="UTC") == BusinessCalendar(
            timezone="UTC", week={day: [("08:00", "16:00")] for day in WEEKDAYS}
        )
        always = BusinessCalendar.always()
        assert always.timezone == "UTC"
        assert all(day == (("00:00", "24:00"),) for day in always.week)

    def test_week_as_seven_days(self) -> None:
        """A week given as seven days, Monday first, is the same as the named mapping."""
        seven = [[("09:00", "17:00")]] * 5 + [[], []]
        assert BusinessCalendar(timezone="UTC", week=seven) == BusinessCalendar.weekdays(
            timezone="UTC"
        )


class TestOneOffs:
    def test_a_one_off_opening_replaces_the_day(self) -> None:
        """A Saturday sale day opens a closed weekday for its own hours only."""
        sale = dt.date(2016, 1, 23)
        calendar = BusinessCalendar.weekdays(timezone="UTC", openings={sale: [("10:00", "14:00")]})
        assert calendar.hours_on(sale) == (("10:00", "14:00"),)
        assert calendar.add(utc(2016, 1, 22, 16), 2 * H) == utc(2016, 1, 23, 11)
        assert calendar.elapsed(utc(2016, 1, 18), utc(2016, 1, 25)) == 44 * H

    def test_an_opening_wins_over_a_holiday(self) -> None:
        """A date that is both a holiday and a one-off opening is open for the opening's hours."""
        day = dt.date(2016, 1, 25)
        calendar = BusinessCalendar.weekdays(
            timezone="UTC", holidays=[day], openings={day: [("12:00", "14:00")]}
        )
        assert calendar.hours_on(day) == (("12:00", "14:00"),)
        assert calendar.is_open(utc(2016, 1, 25, 13))
        assert not calendar.is_open(utc(2016, 1, 25, 10))

    def test_a_shortened_day_by_opening(self) -> None:
        """An opening on a weekday replaces its usual hours (Christmas Eve 09-12)."""
        eve = dt.date(2026, 12, 24)
        calendar = BusinessCalendar.weekdays(timezone="UTC", openings={eve: [("09:00", "12:00")]})
        assert calendar.add(utc(2026, 12, 24, 11), 2 * H) == utc(2026, 12, 25, 10)

    def test_closures_cut_part_of_a_day_or_all_of_it(self) -> None:
        """A closure removes its interval from the day's hours; 00:00-24:00 closes the day."""
        calendar = BusinessCalendar(
            timezone="UTC",
            week={day: [("08:00", "11:30"), ("12:00", "16:00")] for day in WEEKDAYS},
            closures={
                dt.date(2016, 1, 19): [("10:00", "13:00")],
                dt.date(2016, 1, 20): [("00:00", "24:00")],
            },
        )
        assert calendar.hours_on(dt.date(2016, 1, 19)) == (("08:00", "10:00"), ("13:00", "16:00"))
        assert calendar.hours_on(dt.date(2016, 1, 20)) == ()
        assert calendar.add(utc(2016, 1, 19, 9), 2 * H) == utc(2016, 1, 19, 14)
        assert calendar.add(utc(2016, 1, 19, 15), 2 * H) == utc(2016, 1, 21, 9)

    def test_holiday_names(self) -> None:
        """A mapping of holidays keeps the names; a plain list has none."""
        named = BusinessCalendar.weekdays(
            timezone="UTC", holidays={dt.date(2026, 12, 25): " Christmas Day "}
        )
        assert named.holiday_name(dt.date(2026, 12, 25)) == "Christmas Day"
        assert named.holiday_name(dt.date(2026, 12, 24)) is None
        plain = BusinessCalendar.weekdays(timezone="UTC", holidays=[dt.date(2026, 12, 25)])
        assert plain.holiday_name(dt.date(2026, 12, 25)) is None
        assert named == plain  # names are for people; the arithmetic is the same


class TestDescribe:
    def test_weekdays(self) -> None:
        """A plain weekday calendar reads as one sentence with its zone."""
        calendar = BusinessCalendar.weekdays(timezone="Europe/Oslo")
        assert calendar.describe() == "Open Monday to Friday 09:00-17:00, Europe/Oslo time."

    def test_around_the_clock(self) -> None:
        """A 24x7 calendar says so."""
        assert BusinessCalendar.always().describe() == "Open around the clock, every day, UTC time."

    def test_groups_days_with_the_same_hours(self) -> None:
        """Runs of days with the same hours collapse; lone days are listed."""
        split = [("08:00", "11:30"), ("12:00", "16:00")]
        calendar = BusinessCalendar(
            timezone="Europe/Oslo",
            week={
                "mon": split,
                "tue": split,
                "wed": split,
                "thu": [("08:00", "14:00")],
                "fri": split,
                "sat": [("00:00", "24:00")],
            },
        )
        assert calendar.describe() == (
            "Open Monday to Wednesday and Friday 08:00-11:30 and 12:00-16:00, "
            "Thursday 08:00-14:00 and Saturday all day, Europe/Oslo time."
        )

    def test_holidays_openings_and_closures(self) -> None:
        """Holidays (with names when known), one-off openings and closures are all listed."""
        calendar = BusinessCalendar(
            timezone="UTC",
            week={"mon": [("09:00", "17:00")], "wed": [("09:00", "17:00")]},
            holidays={dt.date(2026, 1, 1): "New Year's Day", dt.date(2026, 12, 28): ""},
            openings={dt.date(2026, 11, 28): [("10:00", "14:00")]},
            closures={
                dt.date(2026, 12, 23): [("12:00", "24:00")],
                dt.date(2026, 4, 1): [("00:00", "24:00")],
            },
        )
        assert calendar.describe() == (
            "Open Monday and Wednesday 09:00-17:00, UTC time. "
            "Closed on 2 holidays: Thursday 1 January 2026 (New Year's Day) and "
            "Monday 28 December 2026. "
            "Special opening hours: Saturday 28 November 2026 10:00-14:00. "
            "Also closed all day Wednesday 1 April 2026 and 12:00-24:00 on "
            "Wednesday 23 December 2026."
        )

    def test_one_holiday_is_singular(self) -> None:
        """One holiday reads "1 holiday"."""
        calendar = BusinessCalendar.weekdays(timezone="UTC", holidays=[dt.date(2026, 5, 1)])
        assert calendar.describe().endswith("Closed on 1 holiday: Friday 1 May 2026.")


class TestCountryHolidays:
    def test_norwegian_holidays_with_names(self) -> None:
        """country_holidays("NO") gives the twelve Norwegian public holidays of 2026, named."""
        found = country_holidays("NO", years=2026, language="no")
        assert len(found) == 12
        assert found[dt.date(2026, 5, 17)] == "Grunnlovsdag"
        assert list(found) == sorted(found)
        calendar = BusinessCalendar.weekdays(timezone="Europe/Oslo", holidays=found)
        assert dt.date(2026, 12, 25) in calendar.holidays
        assert "Friday 25 December 2026 (Første juledag)" in calendar.describe()

    def test_several_years_and_subdivisions(self) -> None:
        """Years may be a range; a subdivision adds its own holidays."""
        both = country_holidays("NO", years=range(2026, 2028), language="en_US")
        assert {day.year for day in both} == {2026, 2027}
        # Two holidays on one date share it: 2027-05-17 is also Whit Monday.
        assert len(both) == 23
        assert both[dt.date(2027, 5, 17)] == "Constitution Day; Pentecost Monday"
        california = country_holidays("US", years=[2026], subdivision="CA")
        assert dt.date(2026, 3, 31) in california  # César Chávez Day
        assert dt.date(2026, 3, 31) not in country_holidays("US", years=2026)

    @pytest.mark.parametrize(
        ("arguments", "field", "value"),
        [
            ({"country": "XX", "years": 2026}, "country", "XX"),
            ({"country": 47, "years": 2026}, "country", 47),
            ({"country": "US", "years": 2026, "subdivision": "ZZ"}, "subdivision", "ZZ"),
            ({"country": "NO", "years": "2026"}, "years", "2026"),
            ({"country": "NO", "years": []}, "years", []),
            ({"country": "NO", "years": [2026, 0]}, "years", [2026, 0]),
            ({"country": "NO", "years": True}, "years", True),
        ],
    )
    def test_bad_arguments_are_refused(
        self, arguments: dict[str, object], field: str, value: object
    ) -> None:
        """Unknown countries or subdivisions and bad years are refused, naming the argument."""
        with pytest.raises(
            ValidationError, match=rf"^{field}: .*\(got {value!r}\)$".replace("[", r"\[")
        ):
            country_holidays(**arguments)  # type: ignore[arg-type]

    def test_without_the_holidays_package_the_error_says_how_to_install_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the optional package missing, the ImportError names the extra to install."""
        monkeypatch.setitem(sys.modules, "holidays", None)  # what a missing package looks like
        with pytest.raises(ImportError, match=re.escape("pip install 'custrel[holidays]'")):
            country_holidays("NO", years=2026)

    def test_calendars_import_no_optional_dependency(self) -> None:
        """Importing custrel.calendars and building a calendar does not load holidays."""
        code = (
            "import sys\n"
            "from custrel.calendars import BusinessCalendar\n"
            "BusinessCalendar.weekdays(timezone='Europe/Oslo').describe()\n"
            "print('holidays' in sys.modules)\n"
        )
        completed = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert completed.stdout.strip() == "False"
