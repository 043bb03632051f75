"""The exceptions custrel raises.

Every exception derives from `CustrelError`, so ``except CustrelError`` catches anything the
library raises on purpose. Leaves also derive from the builtin a caller would naturally catch:
a `ValidationError` is a `ValueError`, a `NotFoundError` is a `LookupError`.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "CustrelError",
    "DuplicateError",
    "InvalidTransitionError",
    "NotFoundError",
    "PolicyError",
    "StorageError",
    "ValidationError",
]

_NOTHING = object()


class CustrelError(Exception):
    """Root of every exception custrel raises on purpose."""


class ValidationError(CustrelError, ValueError):
    """An input was refused: wrong type, wrong format, out of range, naive datetime.

    Attributes:
        field: The name of the offending field or argument, when there is one.
        value: The offending value, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None, value: object = _NOTHING) -> None:
        self.field = field
        self.value = None if value is _NOTHING else value
        parts = []
        if field is not None:
            parts.append(f"{field}: ")
        parts.append(message)
        if value is not _NOTHING:
            parts.append(f" (got {value!r})")
        super().__init__("".join(parts))


class InvalidTransitionError(ValidationError):
    """An operation is not allowed from the state an aggregate is in."""


class PolicyError(ValidationError):
    """A policy object (service level, contact rule, loyalty program) is inconsistent."""


class NotFoundError(CustrelError, LookupError):
    """The requested aggregate does not exist in the store."""


class DuplicateError(CustrelError):
    """An aggregate with the same identity or natural key already exists."""


class ConflictError(CustrelError):
    """A save was based on a stale version: someone else changed the aggregate first."""


class StorageError(CustrelError):
    """The storage backend failed in a way the domain cannot interpret (disk full, lost link)."""
