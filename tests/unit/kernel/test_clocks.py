import datetime as dt
import re

import pendulum
import pytest

from custrel.clock import Clock, SystemClock
from custrel.errors import ValidationError
from custrel.testing import FixedClock, SteppingClock

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
NAIVE = dt.datetime(2026, 11, 23, 9, 0)  # noqa: DTZ001 - refused on purpose


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


class TestSystemClock:
    def test_now_is_the_current_instant_in_utc(self) -> None:
        """SystemClock.now() is aware, in UTC, and between two readings of the real time."""
        before = dt.datetime.now(dt.timezone.utc)
        now = SystemClock().now()
        after = dt.datetime.now(dt.timezone.utc)
        assert isinstance(now, pendulum.DateTime)
        assert now.utcoffset() == dt.timedelta(0)
        assert now.timezone_name == "UTC"
        assert before <= now <= after

    def test_repr(self) -> None:
        """The repr shows how to build it."""
        assert repr(SystemClock()) == "SystemClock()"

    @pytest.mark.parametrize("clock", [SystemClock(), FixedClock(T0), SteppingClock(T0)], ids=type)
    def test_clocks_satisfy_the_clock_protocol(self, clock: object) -> None:
        """Every shipped clock is a `Clock` at run time, so it can be injected anywhere."""
        assert isinstance(clock, Clock)

    def test_objects_without_now_are_not_clocks(self) -> None:
        """The protocol check is not vacuous."""
        assert not isinstance(object(), Clock)


class TestFixedClock:
    def test_stands_still(self) -> None:
        """Reading a fixed clock twice gives the same instant it was set to."""
        clock = FixedClock(T0)
        assert clock.now() == T0
        assert clock.now() == T0

    def test_accepts_stdlib_datetimes(self) -> None:
        """An aware stdlib datetime is turned into a pendulum DateTime at the same instant."""
        start = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
        now = FixedClock(start).now()
        assert isinstance(now, pendulum.DateTime)
        assert now == start

    def test_advance_by_delta_and_units(self) -> None:
        """advance() moves forward by a timedelta, by keyword units, or both added together."""
        clock = FixedClock(T0)
        assert clock.advance(dt.timedelta(minutes=30)) == T0.add(minutes=30)
        assert clock.advance(hours=2) == T0.add(hours=2, minutes=30)
        assert clock.advance(dt.timedelta(seconds=1), minutes=1) == T0.add(
            hours=2, minutes=31, seconds=1
        )
        assert clock.now() == T0.add(hours=2, minutes=31, seconds=1)

    def test_advance_by_nothing_stays(self) -> None:
        """advance() without arguments leaves the clock where it is."""
        clock = FixedClock(T0)
        assert clock.advance() == T0

    def test_advance_runs_in_exact_time_across_dst(self) -> None:
        """Advancing 24 hours over the autumn DST change ends 24 real hours later."""
        clock = FixedClock(pendulum.datetime(2026, 10, 24, 12, tz="Europe/Oslo"))
        later = clock.advance(hours=24)
        assert later == pendulum.datetime(2026, 10, 25, 10, tz="UTC")

    def test_advance_refuses_to_go_backwards(self) -> None:
        """A negative step raises ValidationError naming delta, and the clock does not move."""
        clock = FixedClock(T0)
        with pytest.raises(ValidationError, match=refused("delta", dt.timedelta(hours=-1))):
            clock.advance(hours=-1)
        assert clock.now() == T0

    def test_set_may_go_back(self) -> None:
        """set() moves the clock to any instant, earlier ones included."""
        clock = FixedClock(T0)
        earlier = T0.subtract(days=3)
        assert clock.set(earlier) == earlier
        assert clock.now() == earlier

    @pytest.mark.parametrize("value", [NAIVE, "2026-11-23T09:00:00+01:00", None])
    def test_naive_or_missing_instants_are_refused(self, value: object) -> None:
        """Building or setting a clock with a naive datetime or a non-datetime raises."""
        with pytest.raises(ValidationError, match=refused("at", value)):
            FixedClock(value)  # type: ignore[arg-type]
        clock = FixedClock(T0)
        with pytest.raises(ValidationError, match=refused("at", value)):
            clock.set(value)  # type: ignore[arg-type]
        assert clock.now() == T0

    def test_repr_shows_the_instant(self) -> None:
        """The repr names the current instant."""
        assert repr(FixedClock(T0)) == "FixedClock('2026-11-23T09:00:00+01:00')"


class TestSteppingClock:
    def test_each_reading_moves_on_by_one_step(self) -> None:
        """The first reading is the start, each next one a step later."""
        clock = SteppingClock(T0, dt.timedelta(minutes=5))
        assert [clock.now() for _ in range(3)] == [
            T0,
            T0.add(minutes=5),
            T0.add(minutes=10),
        ]

    def test_default_step_is_one_second(self) -> None:
        """Without a step the clock moves one second per reading."""
        clock = SteppingClock(T0)
        clock.now()
        assert clock.now() == T0.add(seconds=1)

    @pytest.mark.parametrize("step", [dt.timedelta(0), dt.timedelta(seconds=-1)])
    def test_step_must_be_positive(self, step: dt.timedelta) -> None:
        """A zero or negative step raises ValidationError naming step."""
        with pytest.raises(ValidationError, match=refused("step", step)):
            SteppingClock(T0, step)

    def test_naive_start_is_refused(self) -> None:
        """A naive start raises ValidationError naming start."""
        with pytest.raises(ValidationError, match=refused("start", NAIVE)):
            SteppingClock(NAIVE)

    def test_repr_shows_next_reading_and_step(self) -> None:
        """The repr names the next instant it will return and the step."""
        clock = SteppingClock(T0, dt.timedelta(minutes=1))
        clock.now()
        assert repr(clock) == (
            "SteppingClock(next='2026-11-23T09:01:00+01:00', step=datetime.timedelta(seconds=60))"
        )
