import datetime as dt
import pickle
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.cases import Case, CaseEvent, CaseEventType, CaseKind, CaseStatus, Priority

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
ONE_US = dt.timedelta(microseconds=1)
ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Europe/Oslo",
        "America/New_York",
        "America/St_Johns",
        "Australia/Sydney",
        "Asia/Kolkata",
    )
]


def opened(at: dt.datetime) -> CaseEvent:
    return CaseEvent(
        type=CaseEventType.OPENED,
        at=at,
        status=CaseStatus.NEW,
        kind=CaseKind.COMPLAINT,
        priority=Priority.NORMAL,
    )


def exact_us(value: dt.datetime) -> int:
    """The instant in µs since the epoch by the standard library's aware arithmetic."""
    return dt.datetime.__sub__(value, EPOCH) // ONE_US  # not pendulum's own subtraction


class TestIntegerInstant:
    @settings(deadline=None, max_examples=300)
    @given(
        local=st.datetimes(
            min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001 - zones are given separately
            max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001 - zones are given separately
            timezones=st.sampled_from(ZONES),
            allow_imaginary=False,
        ),
        fold=st.sampled_from([0, 1]),
    )
    def test_at_us_is_the_exact_microsecond_instant_of_at(
        self, local: dt.datetime, fold: int
    ) -> None:
        """For any zone, era and fold, at_us is the instant of ``at`` in µs since the epoch."""
        given_at = local.replace(fold=fold)
        event = opened(given_at)
        assert event.at_us == exact_us(given_at)
        assert event.at_us == exact_us(event.at)

    def test_the_two_readings_of_a_dst_fold_are_an_hour_apart(self) -> None:
        """02:30 on the night Oslo's clocks go back names two instants; at_us keeps them apart."""
        first = opened(pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Oslo", fold=0))
        second = opened(pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Oslo", fold=1))
        assert first.at_us == 1_792_888_200_000_000  # 2026-10-25T00:30:00Z
        assert second.at_us - first.at_us == 3_600_000_000
        assert second.at_us == exact_us(dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.timezone.utc))

    def test_a_zone_with_a_half_hour_offset_and_microseconds(self) -> None:
        """An instant in Kolkata (+05:30) with microseconds converts without rounding."""
        at = dt.datetime(2026, 3, 2, 9, 15, 7, 123_457, tzinfo=ZoneInfo("Asia/Kolkata"))
        assert opened(at).at_us == exact_us(at) == 1_772_423_107_123_457

    def test_instants_before_the_epoch_are_negative(self) -> None:
        """A microsecond before 1970 UTC is -1."""
        at = dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.timezone.utc)
        assert opened(at).at_us == -1


class TestDerivedNotStored:
    def test_at_us_takes_no_part_in_equality_or_hashing(self) -> None:
        """Events are compared and hashed by ``at``; at_us is derived and left out."""
        event = opened(pendulum.datetime(2026, 3, 2, 9, tz="Europe/Oslo"))
        twin = opened(pendulum.datetime(2026, 3, 2, 9, tz="Europe/Oslo"))
        object.__setattr__(twin, "at_us", event.at_us + 1)  # only to prove the point
        assert twin == event
        assert hash(twin) == hash(event)

    def test_at_us_is_not_an_argument_nor_serialised_nor_shown(self) -> None:
        """at_us cannot be passed in, and to_dict and repr leave it out."""
        event = opened(pendulum.datetime(2026, 3, 2, 9, tz="UTC"))
        with pytest.raises(TypeError, match="at_us"):
            CaseEvent(  # type: ignore[call-arg]
                type=CaseEventType.OPENED,
                at=event.at,
                status=CaseStatus.NEW,
                kind=CaseKind.COMPLAINT,
                priority=Priority.NORMAL,
                at_us=0,
            )
        assert "at_us" not in event.to_dict()
        assert "at_us" not in repr(event)

    def test_copies_and_round_trips_carry_the_same_at_us(self) -> None:
        """from_dict, pickle, evolve and a case's erase all give the event's own instant."""
        at = pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Oslo", fold=1)
        case = Case.open(
            id="c-1", customer_id="k-1", kind="complaint", priority="high", at=at, subject="S"
        ).agent_reply(at.add(minutes=5), note="hello")
        expected = [exact_us(event.at) for event in case.history]
        copies = (
            Case.from_dict(case.to_dict()),
            pickle.loads(pickle.dumps(case)),  # noqa: S301 - our own data
            case.erase(),
        )
        for copy in copies:
            assert [event.at_us for event in copy.history] == expected
        later = attrs.evolve(case.history[1], at=at.add(minutes=6))
        assert later.at_us == expected[1] + 60_000_000
