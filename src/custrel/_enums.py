"""Reading enum members from what callers pass: a member, or its value."""

from __future__ import annotations

import enum
from typing import TypeVar

from custrel.errors import ValidationError

__all__ = ["member"]

E = TypeVar("E", bound=enum.Enum)


def member(
    kind: type[E], value: object, field: str, *, error: type[ValidationError] = ValidationError
) -> E:
    """Return the member of *kind* named by *value* (a member or its value), or raise.

    Raises:
        ValidationError: *value* names no member (or *error*, a subclass such as `PolicyError`
            for a policy being built); the message lists the allowed values.
    """
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(item.value) for item in kind)
        raise error(
            f"unknown {kind.__name__}; expected one of {allowed}", field=field, value=value
        ) from None
