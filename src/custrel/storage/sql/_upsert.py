"""The bulk path of ``upsert_by_email``: one tuned statement per dialect, run by the driver.

Both dialects run the same ``INSERT ... ON CONFLICT (email) DO UPDATE ... WHERE <changed>``,
written once from the table's columns below:

- PostgreSQL sends a whole chunk as one array per column through ``unnest``. The statement text
  stays short and constant, so psycopg caches it and the server prepares it once, instead of
  parsing a multi-row ``VALUES`` list of thousands of placeholders per chunk.
- SQLite hands the rows to the driver's ``executemany``. Rows the ``WHERE`` skips count zero in
  ``rowcount``, and the unit of work's ``BEGIN IMMEDIATE`` makes ``count(*)`` before and after
  an exact count of inserted rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from custrel.customers import Customer
from custrel.errors import StorageError
from custrel.storage._bulk import chunks, latest_by_email
from custrel.storage.protocols import UpsertResult
from custrel.storage.sql._mapping import customer_row
from custrel.storage.sql._tables import customers

__all__ = ["upsert_by_email"]

_CHUNK = 2000
_REFRESHED = ("given_name", "family_name", "preferred_name")
_KEPT_UNLESS_GIVEN = ("phone", "address", "timezone", "locale")
_TABLE = customers.name
_COLUMNS = [column.name for column in customers.columns]


def _conflict_clause() -> str:
    new = {name: f"excluded.{name}" for name in _REFRESHED}
    new.update({name: f"coalesce(excluded.{name}, {_TABLE}.{name})" for name in _KEPT_UNLESS_GIVEN})
    assignments = [f"{name} = {value}" for name, value in new.items()]
    changed = " OR ".join(
        f"{_TABLE}.{name} IS DISTINCT FROM {value}" for name, value in new.items()
    )
    return (
        f"ON CONFLICT (email) DO UPDATE SET {', '.join(assignments)}, "
        f"version = {_TABLE}.version + 1 WHERE {changed}"
    )


def upsert_by_email(connection: sa.Connection, incoming: list[Customer]) -> UpsertResult:
    """Insert or refresh *incoming* (see `CustomerRepository.upsert_by_email`)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _postgresql(connection, incoming)
    if dialect == "sqlite":
        return _sqlite(connection, incoming)
    raise StorageError(f"bulk upsert is implemented for SQLite and PostgreSQL, not {dialect}")


def _postgresql(connection: sa.Connection, incoming: list[Customer]) -> UpsertResult:
    from psycopg.types.json import Jsonb  # noqa: PLC0415 - only PostgreSQL needs psycopg

    dialect = connection.dialect
    arrays = ", ".join(
        f"%s::{column.type.compile(dialect=dialect)}[]" for column in customers.columns
    )
    statement = (
        f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) SELECT * FROM unnest({arrays}) "
        f"{_conflict_clause()} RETURNING version"
    )
    is_json = [isinstance(column.type, sa.JSON) for column in customers.columns]
    result = UpsertResult()
    for chunk in chunks(latest_by_email(incoming), _CHUNK):
        rows = [customer_row(customer, 1) for customer in chunk]
        columns = tuple(
            [None if row[name] is None else Jsonb(row[name]) for row in rows]
            if json
            else [row[name] for row in rows]
            for name, json in zip(_COLUMNS, is_json, strict=True)
        )
        # Unchanged rows are filtered by the WHERE and return nothing; a returned version of 1
        # is a fresh insert, anything higher an update.
        versions = connection.exec_driver_sql(statement, columns).scalars().all()
        created = versions.count(1)
        result += UpsertResult(created, len(versions) - created, len(chunk) - len(versions))
    return result


def _sqlite(connection: sa.Connection, incoming: list[Customer]) -> UpsertResult:
    dialect = connection.dialect
    placeholders = ", ".join("?" for _ in _COLUMNS)
    statement = (
        f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({placeholders}) {_conflict_clause()}"
    )
    converters: list[tuple[str, Callable[[Any], Any] | None]] = [
        (column.name, column.type.dialect_impl(dialect).bind_processor(dialect))
        for column in customers.columns
    ]
    count = f"SELECT count(*) FROM {_TABLE}"
    before = connection.exec_driver_sql(count).scalar_one()
    latest = latest_by_email(incoming)
    written = 0
    for chunk in chunks(latest, _CHUNK):
        rows = []
        for customer in chunk:
            row = customer_row(customer, 1)
            rows.append(
                tuple(
                    row[name] if convert is None else convert(row[name])
                    for name, convert in converters
                )
            )
        written += connection.exec_driver_sql(statement, rows).rowcount
    created = connection.exec_driver_sql(count).scalar_one() - before
    return UpsertResult(created, written - created, len(latest) - written)
