"""What a SQL repository sees of its unit of work, and shared helpers for versioned rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa

from custrel.errors import ConflictError, NotFoundError

__all__ = ["SqlSession", "update_versioned"]


class SqlSession(Protocol):
    """The open transaction of a `SqlUnitOfWork`."""

    @property
    def connection(self) -> sa.Connection:
        """The open connection; only inside the ``with`` block."""
        ...

    def execute(
        self,
        what: str,
        statement: sa.Executable,
        params: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    ) -> sa.CursorResult[Any]:
        """Execute *statement*, translating driver errors into custrel errors."""
        ...


def update_versioned(
    session: SqlSession,
    table: sa.Table,
    key: sa.ColumnElement[bool],
    row: dict[str, Any],
    *,
    version: int,
    what: str,
    ident: str,
) -> None:
    """Update the row matching *key* at *version* with *row* (which carries version + 1).

    *what* and *ident* name the aggregate in messages (``"case"``, ``"c-1"``).

    Raises:
        NotFoundError: No row matches *key*.
        ConflictError: The row is at another version: someone saved first.
    """
    statement = table.update().where(key, table.c.version == version).values(row)
    result = session.execute(f"save {what}", statement)
    if result.rowcount == 0:
        stored = session.execute(
            f"check {what} version", sa.select(table.c.version).where(key)
        ).scalar()
        if stored is None:
            raise NotFoundError(f"no {what} with id {ident!r}; add it first")
        raise ConflictError(
            f"{what} {ident!r} is at version {stored}, not {version}: reload and retry"
        )
