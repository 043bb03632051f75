"""How custrel takes instants and time zones in, seen through the public classes that use them."""

import datetime as dt
import re
import zoneinfo

import pendulum
import pytest
from hypothesis import given

from custrel.customers import ConsentRecord, Customer, PersonName
from custrel.errors import ValidationError
from custrel.events import DomainEvent
from custrel.testing import FixedClock
from custrel.testing.strategies import aware_datetimes, timezone_names

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NAIVE = dt.datetime(2026, 11, 23, 9, 0)  # noqa: DTZ001 - refused on purpose
KARI = PersonName("Kari")


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


class _NoOffset(dt.tzinfo):
    """A tzinfo that does not know its offset: the datetime counts as naive."""

    def utcoffset(self, _: dt.datetime | None) -> None:
        return None


class TestInstantsIn:
    @given(aware_datetimes())
    def test_any_aware_datetime_keeps_its_instant(self, at: dt.datetime) -> None:
        """Any aware datetime, DST gaps and folds included, comes out as the same instant."""
        now = FixedClock(at).now()
        assert isinstance(now, pendulum.DateTime)
        assert now.timestamp() == at.timestamp()

    @pytest.mark.parametrize(
        ("day", "fold", "utc_hour"),
        [
            # 2026-03-29: Oslo jumps from 02:00 to 03:00; fold=0 reads 02:30 at the old offset.
            (dt.date(2026, 3, 29), 0, 1),
            (dt.date(2026, 3, 29), 1, 0),
            # 2026-10-25: Oslo repeats 02:00-03:00; fold picks the first or second 02:30.
            (dt.date(2026, 10, 25), 0, 0),
            (dt.date(2026, 10, 25), 1, 1),
        ],
    )
    def test_dst_gap_and_fold_follow_the_stdlib_offset(
        self, day: dt.date, fold: int, utc_hour: int
    ) -> None:
        """A zoneinfo wall time in a gap or fold means the instant its UTC offset names."""
        at = dt.datetime.combine(day, dt.time(2, 30, fold=fold), tzinfo=OSLO)
        expected = dt.datetime.combine(day, dt.time(utc_hour, 30), tzinfo=dt.timezone.utc)
        now = FixedClock(at).now()
        assert now.astimezone(dt.timezone.utc) == expected
        assert now.timezone_name == "Europe/Oslo"

    def test_zone_of_a_stdlib_datetime_is_kept(self) -> None:
        """A zoneinfo datetime comes out in the same IANA zone, at the same wall time."""
        now = FixedClock(dt.datetime(2026, 6, 1, 12, tzinfo=OSLO)).now()
        assert now.timezone_name == "Europe/Oslo"
        assert (now.hour, now.utcoffset()) == (12, dt.timedelta(hours=2))

    def test_pendulum_datetimes_pass_through(self) -> None:
        """A pendulum DateTime is used as it is."""
        at = pendulum.datetime(2026, 6, 1, 12, tz="Asia/Tokyo")
        assert FixedClock(at).now() is at

    @pytest.mark.parametrize(
        "value", [NAIVE, dt.datetime(2026, 1, 1, tzinfo=_NoOffset())], ids=["naive", "no-offset"]
    )
    def test_naive_datetimes_are_refused_everywhere(self, value: dt.datetime) -> None:
        """Each class that takes an instant refuses a naive one, naming its own field."""
        with pytest.raises(ValidationError, match=refused("at", value)) as caught:
            Customer.register(id="k-1", name=KARI, at=value)
        assert "naive" in str(caught.value)
        with pytest.raises(ValidationError, match=refused("occurred_at", value)):
            DomainEvent(type="x.y", occurred_at=value, customer_id="k", aggregate_id="k")
        with pytest.raises(ValidationError, match=refused("at", value)):
            ConsentRecord("email", "marketing", "opted_in", "form", value)
        with pytest.raises(ValidationError, match=refused("created_at", value)):
            Customer(id="k-1", name=KARI, created_at=value)
        with pytest.raises(ValidationError, match=refused("erased_at", value)):
            Customer(id="k-1", name=KARI, created_at=pendulum.now("UTC"), erased_at=value)

    @pytest.mark.parametrize("value", [dt.date(2026, 11, 23), "2026-11-23T09:00:00+00:00", 0])
    def test_non_datetimes_are_refused(self, value: object) -> None:
        """Dates, strings and numbers are not instants."""
        with pytest.raises(ValidationError, match=refused("at", value)) as caught:
            Customer.register(id="k-1", name=KARI, at=value)  # type: ignore[arg-type]
        assert "timezone-aware datetime" in str(caught.value)


class TestTimeZones:
    @given(timezone_names())
    def test_iana_names_are_kept(self, name: str) -> None:
        """Every IANA zone name is accepted and stored as given."""
        customer = Customer(id="k-1", name=KARI, created_at=pendulum.now("UTC"), timezone=name)
        assert customer.timezone == name

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ("Mars/Olympus_Mons", "unknown IANA time zone"),
            ("europe/oslo-ish", "unknown IANA time zone"),
            ("Europe", "unknown IANA time zone"),
            ("../../etc/passwd", "unknown IANA time zone"),
            ("+01:00", "unknown IANA time zone"),
            (" Europe/Oslo", "expected an IANA time zone name"),
            ("localtime", "expected an IANA time zone name"),
            ("posix/Europe/Oslo", "expected an IANA time zone name"),
            ("right/UTC", "expected an IANA time zone name"),
            ("", "expected an IANA time zone name"),
            (1, "expected an IANA time zone name"),
            (OSLO, "expected an IANA time zone name"),
        ],
    )
    def test_unknown_zones_are_refused(self, value: object, problem: str) -> None:
        """Unknown names, offsets, padded names and non-strings raise naming timezone."""
        with pytest.raises(ValidationError, match=refused("timezone", value)) as caught:
            Customer.register(id="k-1", name=KARI, at=pendulum.now("UTC"), timezone=value)  # type: ignore[arg-type]
        assert problem in str(caught.value)
