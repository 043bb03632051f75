"""Deterministic clocks for tests."""

from __future__ import annotations

import datetime as dt

import pendulum

from custrel import _time
from custrel.errors import ValidationError

__all__ = ["FixedClock", "SteppingClock"]


class FixedClock:
    """A clock that stands still until told to move.

    >>> clock = FixedClock(pendulum.datetime(2026, 11, 23, 9, tz="Europe/Oslo"))
    >>> clock.advance(hours=2).hour
    11
    """

    def __init__(self, at: dt.datetime) -> None:
        self._now = _time.instant(at, "at")

    def now(self) -> pendulum.DateTime:
        """Return the instant the clock is set to."""
        return self._now

    def set(self, at: dt.datetime) -> pendulum.DateTime:
        """Set the clock to *at* (which may be earlier) and return it."""
        self._now = _time.instant(at, "at")
        return self._now

    def advance(self, delta: dt.timedelta | None = None, **units: float) -> pendulum.DateTime:
        """Move the clock forward by *delta* or by keyword units (``hours=2``) and return it."""
        step = (delta or dt.timedelta()) + dt.timedelta(**units)
        if step < dt.timedelta(0):
            raise ValidationError(
                "a clock does not run backwards; use set()", field="delta", value=step
            )
        self._now = self._now + step
        return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()!r})"


class SteppingClock:
    """A clock that moves forward by *step* every time it is read, starting at *start*.

    Useful when each operation should happen at a distinct, predictable instant.
    """

    def __init__(self, start: dt.datetime, step: dt.timedelta = dt.timedelta(seconds=1)) -> None:
        if step <= dt.timedelta(0):
            raise ValidationError("the step must be positive", field="step", value=step)
        self._next = _time.instant(start, "start")
        self._step = step

    def now(self) -> pendulum.DateTime:
        """Return the next instant and move on by one step."""
        current = self._next
        self._next = current + self._step
        return current

    def __repr__(self) -> str:
        return f"SteppingClock(next={self._next.isoformat()!r}, step={self._step!r})"
