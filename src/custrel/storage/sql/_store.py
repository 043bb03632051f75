"""`SqlStore`: custrel's repositories on SQLAlchemy Core, for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool
from typing_extensions import Self

from custrel.errors import StorageError
from custrel.storage.sql._cases import SqlCases
from custrel.storage.sql._customers import SqlCustomers
from custrel.storage.sql._errors import translated
from custrel.storage.sql._interactions import SqlInteractions
from custrel.storage.sql._lifecycle import SqlJourneys, SqlReferrals, SqlRelationships
from custrel.storage.sql._loyalty import SqlLoyalty
from custrel.storage.sql._outbox import SqlOutbox
from custrel.storage.sql._tables import metadata

__all__ = ["SqlStore", "SqlUnitOfWork"]


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - driver object
    # Let SQLAlchemy's "begin" event open transactions instead of the sqlite3 module, so that
    # every unit of work starts with BEGIN IMMEDIATE and writers queue instead of deadlocking.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        return sa.create_engine(
            parsed, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    return sa.create_engine(parsed, connect_args={"timeout": 60, "check_same_thread": False})


class SqlStore:
    """custrel's storage on a relational database through SQLAlchemy Core.

    Args:
        url_or_engine: A database URL (``"sqlite:///crm.db"``, ``"sqlite://"`` for memory,
            ``"postgresql://user@host/db"``, which uses psycopg 3) or an existing ``Engine``.

    On SQLite every unit of work begins with ``BEGIN IMMEDIATE`` (writers wait for each other
    instead of failing), file databases use WAL, and the store installs these settings on an
    engine it is given too. Tables are not created implicitly: call `create_schema`, or include
    `custrel.storage.sql.metadata` in the host's migrations.
    """

    def __init__(self, url_or_engine: str | sa.Engine) -> None:
        self.engine = _engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        self.dialect = self.engine.dialect.name
        # One shared in-memory SQLite connection cannot hold two transactions at once.
        self._serialised = threading.Lock() if self._shares_one_connection() else None
        if self.dialect == "sqlite":
            if not event.contains(self.engine, "connect", _sqlite_connect):
                event.listen(self.engine, "connect", _sqlite_connect)
            if not event.contains(self.engine, "begin", _sqlite_begin):
                event.listen(self.engine, "begin", _sqlite_begin)

    def _shares_one_connection(self) -> bool:
        return isinstance(self.engine.pool, StaticPool)

    def create_schema(self) -> None:
        """Create custrel's tables and indexes if they do not exist."""
        with translated("create schema"):
            metadata.create_all(self.engine)

    def drop_schema(self) -> None:
        """Drop custrel's tables (and only custrel's), with their data."""
        with translated("drop schema"):
            metadata.drop_all(self.engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        """Return a new unit of work: one database transaction."""
        return SqlUnitOfWork(self)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"


class SqlUnitOfWork:
    """One transaction on a `SqlStore`; see `custrel.storage.protocols.UnitOfWork`."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._connection: sa.Connection | None = None
        self.customers = SqlCustomers(self)
        self.outbox = SqlOutbox(self)
        self.cases = SqlCases(self)
        self.loyalty = SqlLoyalty(self)
        self.relationships = SqlRelationships(self)
        self.journeys = SqlJourneys(self)
        self.referrals = SqlReferrals(self)
        self.interactions = SqlInteractions(self)

    @property
    def connection(self) -> sa.Connection:
        """The open connection; only inside the ``with`` block."""
        if self._connection is None:
            raise StorageError("use the unit of work inside a 'with' block")
        return self._connection

    def execute(
        self,
        what: str,
        statement: sa.Executable,
        params: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    ) -> sa.CursorResult[Any]:
        """Execute *statement*, translating driver errors (the one choke point)."""
        with translated(what):
            return self.connection.execute(statement, params)

    def __enter__(self) -> Self:
        if self.store._serialised is not None:  # noqa: SLF001 - the store's own lock
            self.store._serialised.acquire()  # noqa: SLF001
        try:
            with translated("connect"):
                self._connection = self.store.engine.connect()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._connection is not None:
                with translated("roll back"):
                    self._connection.rollback()
                    self._connection.close()
        finally:
            self._connection = None
            self._release()

    def _release(self) -> None:
        if self.store._serialised is not None:  # noqa: SLF001
            self.store._serialised.release()  # noqa: SLF001

    def commit(self) -> None:
        """Commit the transaction; later work runs in a new one."""
        with translated("commit"):
            self.connection.commit()

    def rollback(self) -> None:
        """Roll back everything since the last commit."""
        with translated("roll back"):
            self.connection.rollback()
