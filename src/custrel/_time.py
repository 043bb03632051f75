"""Checks and conversions for instants and time zones, shared by every domain package."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

from custrel.errors import ValidationError

__all__ = [
    "at",
    "format_instant",
    "instant",
    "optional_instant",
    "parse_instant",
    "timezone",
    "timezone_name",
]


def instant(value: object, field: str) -> pendulum.DateTime:
    """Return *value* as a `pendulum.DateTime`, refusing naive datetimes and non-datetimes."""
    if not isinstance(value, dt.datetime):
        raise ValidationError("expected a timezone-aware datetime", field=field, value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            "naive datetime; pass a timezone-aware datetime", field=field, value=value
        )
    if isinstance(value, pendulum.DateTime):
        return value
    # Convert through UTC: pendulum re-reads the wall time, which moves a stdlib datetime that
    # falls in a DST gap by an hour; its UTC offset, not its wall time, says which instant it is.
    zone = cast("Timezone | FixedTimezone", pendulum.instance(value).timezone)  # aware: has one
    return pendulum.instance(value.astimezone(dt.timezone.utc)).in_timezone(zone)


def optional_instant(value: object, field: str) -> pendulum.DateTime | None:
    """Like `instant`, but lets ``None`` through."""
    return None if value is None else instant(value, field)


def parse_instant(text: object, field: str) -> pendulum.DateTime:
    """Parse an ISO 8601 instant with an offset, as written by `format_instant`."""
    if not isinstance(text, str):
        raise ValidationError("expected an ISO 8601 string", field=field, value=text)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("not an ISO 8601 instant", field=field, value=text) from None
    return instant(parsed, field)


def format_instant(value: dt.datetime) -> str:
    """Write an instant as ISO 8601 in UTC with microseconds, so text order is time order."""
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def timezone(name: object, field: str = "timezone") -> Timezone:
    """Return the IANA time zone called *name*, or raise `ValidationError`."""
    if (
        not isinstance(name, str)
        or not name
        or name != name.strip()
        or name == "localtime"  # the machine's zone, not a zone: it differs between hosts
        or name.startswith(("posix/", "right/"))  # duplicates and leap-second variants
    ):
        raise ValidationError("expected an IANA time zone name", field=field, value=name)
    try:
        zone = pendulum.timezone(name)
    except (ValueError, OSError):  # InvalidTimezone, a bad path; a zone *area* is a directory
        raise ValidationError("unknown IANA time zone", field=field, value=name) from None
    if not isinstance(zone, Timezone):
        raise ValidationError(
            "expected an IANA time zone name, not an offset", field=field, value=name
        )
    return zone


def timezone_name(name: object, field: str = "timezone") -> str:
    """Validate an IANA time zone name and return it unchanged."""
    return timezone(name, field).name


def at(value: object) -> pendulum.DateTime:
    """Convert a field named ``at`` (an attrs converter)."""
    return instant(value, "at")
