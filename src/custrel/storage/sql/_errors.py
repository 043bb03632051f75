"""The one place where database driver errors become custrel errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy.exc

from custrel.errors import CustrelError, DuplicateError, StorageError

__all__ = ["translated"]

_UNIQUE_MARKERS = ("unique", "duplicate key")


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a block, turning SQLAlchemy and driver errors into custrel errors.

    A unique-constraint violation becomes `DuplicateError`; any other database error becomes
    `StorageError`. Both keep the driver's error as their ``__cause__``.
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
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise StorageError(f"{what}: {error}") from error
