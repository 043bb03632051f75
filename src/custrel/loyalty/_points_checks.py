"""Converters shared by the points program, the ledger and the score: whole points, exact rates."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

from custrel.errors import ValidationError

__all__ = [
    "count",
    "exact_decimal",
    "non_negative_points",
    "positive_points",
    "probability",
    "real_number",
    "text",
    "whole_days",
]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def positive_points(value: object, field: str) -> int:
    """A whole number of points greater than zero."""
    if not _is_int(value) or value <= 0:  # type: ignore[operator]
        raise ValidationError(
            "expected a whole number of points above zero", field=field, value=value
        )
    return value  # type: ignore[return-value]


def non_negative_points(value: object, field: str) -> int:
    """A whole number of points, zero or more."""
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        raise ValidationError(
            "expected a whole number of points, zero or more", field=field, value=value
        )
    return value  # type: ignore[return-value]


def count(value: object, field: str) -> int:
    """A count: a whole number, zero or more (bools refused)."""
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        raise ValidationError("expected a whole number, zero or more", field=field, value=value)
    return value  # type: ignore[return-value]


def exact_decimal(
    value: object, field: str, *, error: type[ValidationError] = ValidationError
) -> Decimal:
    """A finite, non-negative `Decimal` from a Decimal, an int or a string; floats are refused."""
    if isinstance(value, float):
        raise error(
            "floats are inexact; pass a Decimal, an int or a string", field=field, value=value
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise error("expected a Decimal, an int or a string", field=field, value=value)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise error("not a decimal number", field=field, value=value) from None
    if not number.is_finite() or number < 0:
        raise error("expected a finite number, zero or more", field=field, value=value)
    return number


def real_number(value: object, field: str) -> float:
    """A finite, non-negative number (int, float or Decimal) as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValidationError("expected a number", field=field, value=value)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValidationError("expected a finite number, zero or more", field=field, value=value)
    return number


def probability(value: object, field: str) -> float:
    """A probability: a finite number from 0 to 1."""
    number = real_number(value, field)
    if number > 1:
        raise ValidationError("expected a probability from 0 to 1", field=field, value=value)
    return number


def text(value: object, field: str) -> str:
    """A string (free text; may be empty)."""
    if not isinstance(value, str):
        raise ValidationError("expected a string", field=field, value=value)
    return value


def whole_days(value: object, field: str, *, error: type[ValidationError]) -> dt.timedelta:
    """A non-negative `timedelta`, or a whole number of days."""
    if _is_int(value):
        value = dt.timedelta(days=value)  # type: ignore[arg-type]
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(0):
        raise error(
            "expected a timedelta or a number of days, zero or more", field=field, value=value
        )
    return value
