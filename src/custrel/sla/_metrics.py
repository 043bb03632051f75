"""The four service-level metrics, and business durations written out for staff."""

from __future__ import annotations

import datetime as dt
import enum

from custrel.calendars import BusinessDays
from custrel.errors import PolicyError

__all__ = ["RECURRING", "Metric", "format_duration", "metric"]


class Metric(str, enum.Enum):
    """A service-level clock: what it measures is described on each member."""

    FIRST_RESPONSE = "first_response"
    """From opening to the first agent reply (or a resolution); never paused."""
    NEXT_RESPONSE = "next_response"
    """From the oldest unanswered customer message to the next agent reply; recurs; never paused."""
    RESOLUTION = "resolution"
    """From opening to resolution, paused while the status is in ``pause_on``."""
    PERIODIC_UPDATE = "periodic_update"
    """From opening (then each agent reply) to the next agent reply, while the case is open;
    recurs; paused while the status is in ``pause_on``."""

    @property
    def label(self) -> str:
        """The metric in plain words: ``"first response"``."""
        return self.value.replace("_", " ")

    @property
    def pauses(self) -> bool:
        """True for the clocks that stop while the status is in the policy's ``pause_on``."""
        return self in (Metric.RESOLUTION, Metric.PERIODIC_UPDATE)


RECURRING = frozenset({Metric.NEXT_RESPONSE, Metric.PERIODIC_UPDATE})
"""The metrics that run again after each completion (one cycle per reply)."""


def metric(value: object, field: str) -> Metric:
    """Return the `Metric` named by *value* (a member or its value), or raise `PolicyError`."""
    if isinstance(value, Metric):
        return value
    try:
        return Metric(value)
    except ValueError:
        allowed = ", ".join(repr(item.value) for item in Metric)
        raise PolicyError(
            f"unknown metric; expected one of {allowed}", field=field, value=value
        ) from None


_UNITS = (("hour", 3600), ("minute", 60), ("second", 1))


def format_duration(value: dt.timedelta | BusinessDays, *, business: bool = True) -> str:
    """Write a target or offset for people: ``"1 business hour 30 minutes"``, ``"2 business days"``.

    A `timedelta` is business time, so its first unit says so (``business=False`` leaves that
    out), and it is written in hours, never days, so it cannot be mistaken for `BusinessDays`.
    """
    if isinstance(value, BusinessDays):
        return str(value)
    micros = value // dt.timedelta(microseconds=1)
    seconds, rest = divmod(micros, 1_000_000)
    parts = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    if rest or not parts:
        parts.append(f"{rest} microsecond{'' if rest == 1 else 's'}")
    if business:
        number, unit = parts[0].split(" ", 1)
        parts[0] = f"{number} business {unit}"
    return " ".join(parts)
