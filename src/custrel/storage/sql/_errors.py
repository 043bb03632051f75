"""The one place where database driver errors become custrel errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy.exc

from custrel.errors import ConflictError, CustrelError, DuplicateError, StorageError

__all__ = ["translated"]

_UNIQUE_MARKERS = ("unique", "duplicate key")
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a block, turning SQLAlchemy and driver errors into custrel errors.

    A unique-constraint violation becomes `DuplicateError`; a deadlock or serialization failure
    (PostgreSQL SQLSTATE 40P01, 40001) becomes `ConflictError`, which `Relations` retries on
    fresh data; any other database error becomes `StorageError`. All keep the driver's error as
    their ``__cause__``.
    """
    try:
        yield
    except CustrelError:
        raise
    except sqlalchemy.exc.IntegrityError as error:
        message = str(error.orig).lower()
        if any(marker in message for marker in _UNIQUE_MARKERS):
            raise DuplicateError(f"{what}: {error.orig}") from error
        raise StorageError(f"{what}: {error.orig}") from error
    except sqlalchemy.exc.DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            raise ConflictError(f"{what}: {error.orig}") from error
        raise StorageError(f"{what}: {error}") from error
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise StorageError(f"{what}: {error}") from error
