"""Small validating converters shared by the lifecycle modules."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

import pendulum

from custrel._enums import member as enum_member
from custrel.errors import ValidationError
from custrel.ids import check_id

__all__ = [
    "MAX_TEXT",
    "enum_member",
    "optional_id",
    "optional_text",
    "quantity",
    "required_text",
    "span",
    "tuple_of",
    "words",
]

MAX_TEXT = 2000
"""The longest free text (a reason, a statement, a note) the lifecycle takes, in characters."""

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def required_text(value: object, field: str, limit: int = MAX_TEXT) -> str:
    """Return *value* stripped if it is a non-empty string of at most *limit* characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("expected a non-empty string", field=field, value=value)
    if len(value.strip()) > limit:
        raise ValidationError(f"longer than {limit} characters", field=field, value=value)
    return value.strip()


def optional_text(value: object, field: str, limit: int = MAX_TEXT) -> str:
    """Return *value* stripped (``None`` becomes ``""``) if at most *limit* characters long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("expected a string", field=field, value=value)
    if len(value.strip()) > limit:
        raise ValidationError(f"longer than {limit} characters", field=field, value=value)
    return value.strip()


def optional_id(value: object, field: str) -> str | None:
    """Return *value* if it is ``None`` or a usable id (see `custrel.ids.check_id`)."""
    return None if value is None else check_id(value, field)


def quantity(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    """Return *value* as an exact, finite `Decimal` above zero (or at least zero)."""
    if isinstance(value, float):
        raise ValidationError(
            "floats are inexact; pass a Decimal, an int or a string", field=field, value=value
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError("expected a Decimal, an int or a string", field=field, value=value)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError("not a decimal number", field=field, value=value) from None
    if not number.is_finite():
        raise ValidationError("must be a finite number", field=field, value=value)
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(
            "must be zero or more" if allow_zero else "must be more than zero",
            field=field,
            value=value,
        )
    return number


def tuple_of(kind: type[T], value: object, field: str) -> tuple[T, ...]:
    """Return *value* as a tuple if it is a collection (not a string) of *kind* items."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"expected a collection of {kind.__name__}", field=field, value=value)
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(f"expected a {kind.__name__}", field=field, value=item)
    return items


def span(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The exact time from *start* to *end* as a plain `timedelta` (not a pendulum interval)."""
    difference = end - start
    return dt.timedelta(
        days=difference.days, seconds=difference.seconds, microseconds=difference.microseconds
    )


def words(value: dt.timedelta) -> str:
    """A duration in English words: ``"1 day 2 hours"``; ``"no time"`` for zero."""
    if value == dt.timedelta(0):
        return "no time"
    return pendulum.duration(
        days=value.days, seconds=value.seconds, microseconds=value.microseconds
    ).in_words(locale="en")
