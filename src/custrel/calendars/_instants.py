"""Conversions between aware datetimes and integer microseconds since the Unix epoch (UTC)."""

from __future__ import annotations

import datetime as dt

import pendulum
from pendulum.tz.timezone import Timezone

from custrel import _time
from custrel.calendars._engine import DAY_US, SECOND_US

__all__ = ["from_microseconds", "to_microseconds", "zone_instant"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_ONE_US = dt.timedelta(microseconds=1)


def to_microseconds(value: dt.datetime, field: str = "at") -> int:
    """Return an aware datetime as integer microseconds since 1970-01-01T00:00:00Z.

    Args:
        value: Any timezone-aware `datetime` (stdlib or pendulum).
        field: The argument name to put in the error message.

    Raises:
        ValidationError: *value* is not a datetime, or is naive.
    """
    offset = value.utcoffset() if isinstance(value, dt.datetime) else None
    if offset is None:
        _time.instant(value, field)  # raises the shared, precise error
        raise AssertionError  # pragma: no cover - instant() refused it
    return (
        (value.toordinal() - _EPOCH_ORDINAL) * DAY_US
        + (value.hour * 3600 + value.minute * 60 + value.second) * SECOND_US
        + value.microsecond
        - offset // _ONE_US
    )


def zone_instant(value_us: int, zone: Timezone) -> pendulum.DateTime:
    """Return microseconds since the epoch as a `pendulum.DateTime` in *zone*."""
    local = (_EPOCH_UTC + dt.timedelta(microseconds=value_us)).astimezone(zone)
    return pendulum.DateTime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=zone,
        fold=local.fold,
    )


def from_microseconds(value_us: int, timezone: str = "UTC") -> pendulum.DateTime:
    """Return integer microseconds since 1970-01-01T00:00:00Z as a `pendulum.DateTime`.

    Args:
        value_us: Microseconds since the Unix epoch, UTC.
        timezone: The IANA zone to express the instant in.

    Raises:
        ValidationError: *timezone* is not an IANA zone name.
    """
    return zone_instant(value_us, _time.timezone(timezone))
