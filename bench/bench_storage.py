"""Bulk insert: custrel's `SqlStore` bulk path against hand-written ``executemany``.

Inserts the same customers (100,000 by default) into custrel's ``custrel_customers`` table three
ways, on a SQLite file and, when a URL is given, on PostgreSQL:

- ``custrel upsert_by_email``: ``uow.customers.upsert_by_email(customers)`` in one unit of work,
  the path ``Relations.import_customers`` takes;
- ``raw convert + executemany``: what a hand-written loader does: turn each `Customer` into a
  tuple (``json.dumps`` / ``Jsonb`` for the JSON columns, datetimes as the driver wants them) and
  ``executemany`` a plain INSERT in one transaction, with ``sqlite3`` or psycopg 3;
- ``raw executemany only``: the same INSERT with tuples built before the clock starts (the
  driver's floor; an extra line, not the goal's reference).

Each path runs on a freshly created schema, best of ``--repeat`` runs. After every run the table
must hold exactly the expected rows, and every path must have stored the same content.
``vs raw`` is rows/s divided by the raw (convert + executemany) rows/s: higher is better, and
the goal is at least 0.5 for the custrel line.

Run by hand, never by CI::

    python bench/bench_storage.py
    python bench/bench_storage.py --rows 20000 --repeat 5 \
        --postgresql-url postgresql://postgres@127.0.0.1:5432/custrel_bench

custrel's tables in the target databases are dropped and recreated: do not point it at a
database whose custrel tables you want to keep (nor at one a test suite is using right now).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pendulum
import sqlalchemy as sa

from custrel.customers import Customer, PersonName
from custrel.storage.sql import SqlStore, customers

GOAL = 0.5
_UTC = dt.timezone.utc

# Column order of the hand-written INSERT; checked against custrel's table at start-up.
COLUMNS = (
    "customer_id",
    "version",
    "given_name",
    "family_name",
    "preferred_name",
    "email",
    "phone",
    "address",
    "timezone",
    "locale",
    "owner",
    "ownership",
    "consents",
    "suppressions",
    "tags",
    "merged_ids",
    "merged_into",
    "created_at",
    "erased_at",
)
_COLUMN_LIST = ", ".join(COLUMNS)
SQLITE_INSERT = (
    f"INSERT INTO {customers.name} ({_COLUMN_LIST}) VALUES ({', '.join('?' * len(COLUMNS))})"
)
POSTGRESQL_INSERT = (
    f"INSERT INTO {customers.name} ({_COLUMN_LIST}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
)

CUSTREL = "custrel upsert_by_email"
RAW = "raw convert + executemany"
RAW_ONLY = "raw executemany only (prebuilt tuples, extra)"

GIVEN = ("Åse", "Bjørn", "Øystein", "Kjærsti", "Håkon", "Siân", "Zoë", "José", "Ærlend", "Märta")
FAMILY = ("Ødegård", "Sæther", "Løvås", "Åkerø", "Brænne", "Nordmann", "Müller", "Ñúñez")


# -- data -----------------------------------------------------------------------------------


def build_customers(count: int) -> list[Customer]:
    """*count* registered customers with distinct ids, emails and phones."""
    start = pendulum.datetime(2024, 3, 1, 8, 30, tz="Europe/Oslo")
    people = []
    for number in range(1, count + 1):
        given = GIVEN[number % len(GIVEN)]
        people.append(
            Customer.register(
                id=f"c-{number:06d}",
                name=PersonName(
                    given=given,
                    family=FAMILY[number % len(FAMILY)],
                    preferred=given if number % 3 == 0 else None,
                ),
                at=start.add(seconds=number * 37, microseconds=number % 1000),
                email=f"kunde{number:06d}@example.no",
                phone=f"+479{number:07d}",
                timezone="Europe/Oslo",
                locale="nb-NO",
            )
        )
    return people


def _sqlite_instant(value: dt.datetime | None) -> str | None:
    # SQLAlchemy's SQLite DateTime storage format: UTC, no offset, microseconds.
    if value is None:
        return None
    return value.astimezone(_UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_row(customer: Customer) -> tuple[Any, ...]:
    """*customer* as a tuple for ``SQLITE_INSERT``, the way a hand-written loader builds it."""
    name = customer.name
    address = customer.address
    return (
        customer.id,
        1,
        name.given,
        name.family,
        name.preferred,
        customer.email,
        customer.phone,
        None if address is None else json.dumps(address.to_dict()),
        customer.timezone,
        customer.locale,
        customer.owner,
        json.dumps([change.to_dict() for change in customer.ownership]),
        json.dumps([record.to_dict() for record in customer.consents]),
        json.dumps([change.to_dict() for change in customer.suppressions]),
        json.dumps(sorted(customer.tags)),
        json.dumps(list(customer.merged_ids)),
        customer.merged_into,
        _sqlite_instant(customer.created_at),
        _sqlite_instant(customer.erased_at),
    )


def postgresql_row(customer: Customer) -> tuple[Any, ...]:
    """*customer* as a tuple for ``POSTGRESQL_INSERT`` (aware datetimes, ``Jsonb`` for JSONB)."""
    from psycopg.types.json import Jsonb  # noqa: PLC0415 - psycopg is needed only here

    name = customer.name
    address = customer.address
    return (
        customer.id,
        1,
        name.given,
        name.family,
        name.preferred,
        customer.email,
        customer.phone,
        None if address is None else Jsonb(address.to_dict()),
        customer.timezone,
        customer.locale,
        customer.owner,
        Jsonb([change.to_dict() for change in customer.ownership]),
        Jsonb([record.to_dict() for record in customer.consents]),
        Jsonb([change.to_dict() for change in customer.suppressions]),
        Jsonb(sorted(customer.tags)),
        Jsonb(list(customer.merged_ids)),
        customer.merged_into,
        customer.created_at,
        customer.erased_at,
    )


# -- timing ---------------------------------------------------------------------------------


@contextmanager
def stopwatch(times: list[float]) -> Iterator[None]:
    """Append the seconds the block took to *times* (after a collection, so runs start even)."""
    gc.collect()
    start = time.perf_counter()
    yield
    times.append(time.perf_counter() - start)


def fresh_schema(store: SqlStore) -> None:
    store.drop_schema()
    store.create_schema()


def run_custrel(store: SqlStore, people: Sequence[Customer], times: list[float]) -> None:
    fresh_schema(store)
    with stopwatch(times), store.unit_of_work() as uow:
        result = uow.customers.upsert_by_email(people)
        uow.commit()
    if result.created != len(people):
        raise RuntimeError(f"upsert_by_email created {result.created}, expected {len(people)}")


class _Backend:
    """One database: the store, its raw driver, and how rows are built and inserted."""

    name: str
    driver: str

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def convert(self, people: Sequence[Customer]) -> list[tuple[Any, ...]]:
        """*people* as tuples for the raw INSERT."""
        raise NotImplementedError

    def insert(self, rows: Callable[[], list[tuple[Any, ...]]], times: list[float]) -> None:
        """Time building the rows with *rows* plus executemany and commit, on a fresh schema."""
        raise NotImplementedError

    def content(self) -> tuple[int, str]:
        """Row count and a digest of every stored row, in id order."""
        # Driver values, not SQLAlchemy's: on SQLite the stored text itself must match.
        digest = hashlib.sha256()
        count = 0
        query = f"SELECT {_COLUMN_LIST} FROM {customers.name} ORDER BY customer_id"
        with self.store.engine.connect() as connection:
            for row in connection.exec_driver_sql(query):
                digest.update(repr(tuple(row)).encode())
                count += 1
        return count, digest.hexdigest()

    def server(self) -> str:
        """What the database is, for the header."""
        raise NotImplementedError


class _Sqlite(_Backend):
    name = "sqlite"
    driver = "sqlite3"

    def __init__(self, path: Path) -> None:
        super().__init__(SqlStore(f"sqlite:///{path}"))
        self.path = path

    def convert(self, people: Sequence[Customer]) -> list[tuple[Any, ...]]:
        return [sqlite_row(customer) for customer in people]

    def insert(self, rows: Callable[[], list[tuple[Any, ...]]], times: list[float]) -> None:
        fresh_schema(self.store)  # also leaves the file in WAL mode, as the store uses it
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")  # as SqlStore connects
            with stopwatch(times):
                built = rows()
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(SQLITE_INSERT, built)
                connection.execute("COMMIT")
        finally:
            connection.close()

    def server(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} file {self.path}"


class _Postgresql(_Backend):
    name = "postgresql"
    driver = "psycopg"

    def __init__(self, url: str) -> None:
        super().__init__(SqlStore(url))
        self.conninfo = (
            sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )

    def convert(self, people: Sequence[Customer]) -> list[tuple[Any, ...]]:
        return [postgresql_row(customer) for customer in people]

    def insert(self, rows: Callable[[], list[tuple[Any, ...]]], times: list[float]) -> None:
        import psycopg  # noqa: PLC0415 - psycopg is needed only for PostgreSQL

        fresh_schema(self.store)
        connection = psycopg.connect(self.conninfo)
        try:
            with stopwatch(times):
                built = rows()
                with connection.cursor() as cursor:
                    cursor.executemany(POSTGRESQL_INSERT, built)
                connection.commit()
        finally:
            connection.close()

    def server(self) -> str:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.conninfo) as connection:
            version = connection.execute("SHOW server_version").fetchone()
        shown = sa.make_url(self.conninfo).render_as_string(hide_password=True)
        return (
            f"PostgreSQL {version[0] if version else '?'} at {shown}, "
            f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__})"
        )


# -- the benchmark ----------------------------------------------------------------------------


def bench(backend: _Backend, people: Sequence[Customer], repeat: int) -> dict[str, float]:
    """Best seconds per path on *backend*; checks rows and content after every run."""
    expected: str | None = None

    def check(path: str) -> None:
        nonlocal expected
        count, digest = backend.content()
        if count != len(people):
            raise RuntimeError(f"{backend.name} {path}: {count} rows, expected {len(people)}")
        if expected is None:
            expected = digest
        elif digest != expected:
            raise RuntimeError(f"{backend.name} {path}: stored rows differ from the custrel run")

    prebuilt = backend.convert(people)
    times: dict[str, list[float]] = {CUSTREL: [], RAW: [], RAW_ONLY: []}
    for run in range(1, repeat + 1):
        run_custrel(backend.store, people, times[CUSTREL])
        check(CUSTREL)
        backend.insert(lambda: backend.convert(people), times[RAW])
        check(RAW)
        backend.insert(lambda: prebuilt, times[RAW_ONLY])
        check(RAW_ONLY)
        print(
            f"  {backend.name} run {run}/{repeat}: "
            + ", ".join(f"{path.split(' (')[0]} {spent[-1]:.3f}s" for path, spent in times.items()),
            flush=True,
        )
    return {path: min(spent) for path, spent in times.items()}


def profile_custrel(backend: _Backend, people: Sequence[Customer], top: int) -> None:
    """One more custrel run under cProfile; print the *top* functions by cumulative time."""
    fresh_schema(backend.store)
    profiler = cProfile.Profile()
    with backend.store.unit_of_work() as uow:
        profiler.enable()
        uow.customers.upsert_by_email(people)
        uow.commit()
        profiler.disable()
    print(f"\ncProfile of {CUSTREL} on {backend.name}, top {top} by cumulative time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


def report(rows: int, results: list[tuple[str, dict[str, float]]]) -> None:
    print(f"\n{'backend':<11} {'path':<48} {'seconds':>8} {'rows/s':>10} {'vs raw':>7}")
    print("-" * 88)
    for backend, best in results:
        raw_rate = rows / best[RAW]
        for path, seconds in best.items():
            rate = rows / seconds
            print(
                f"{backend:<11} {path:<48} {seconds:>8.3f} {rate:>10,.0f} {rate / raw_rate:>7.2f}"
            )
    print()
    for backend, best in results:
        ratio = best[RAW] / best[CUSTREL]
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(
            f"{backend}: custrel/raw = {ratio:.3f} (goal >= {GOAL}: {verdict}); "
            f"custrel/executemany-only = {best[RAW_ONLY] / best[CUSTREL]:.3f}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    environment_url = os.environ.get("CUSTREL_BENCH_POSTGRESQL_URL") or os.environ.get(
        "CUSTREL_TEST_POSTGRESQL_URL"
    )
    parser = argparse.ArgumentParser(
        description="custrel SqlStore bulk insert against raw executemany (SQLite, PostgreSQL).",
        epilog="custrel's tables in both databases are dropped and recreated.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument(
        "--postgresql-url",
        default=environment_url,
        help="PostgreSQL URL (default: $CUSTREL_BENCH_POSTGRESQL_URL, "
        "else $CUSTREL_TEST_POSTGRESQL_URL; PostgreSQL is skipped without one)",
    )
    parser.add_argument(
        "--sqlite-path", type=Path, help="SQLite file (default: a new temporary file)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; best counts")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the custrel path once under cProfile per backend",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    missing = set(COLUMNS) ^ {column.name for column in customers.columns}
    if missing:
        raise RuntimeError(f"COLUMNS is out of date with custrel's table: {sorted(missing)}")

    print(
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"{args.rows:,} rows, best of {args.repeat}"
    )
    started = time.perf_counter()
    people = build_customers(args.rows)
    print(f"built {len(people):,} Customer objects in {time.perf_counter() - started:.1f}s")

    results: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="custrel-bench-") as scratch:
        backends: list[_Backend] = []
        if not args.skip_sqlite:
            backends.append(_Sqlite(args.sqlite_path or Path(scratch) / "bench.sqlite3"))
        if args.postgresql_url:
            backends.append(_Postgresql(args.postgresql_url))
        else:
            print(
                "PostgreSQL skipped: no --postgresql-url, and neither "
                "CUSTREL_BENCH_POSTGRESQL_URL nor CUSTREL_TEST_POSTGRESQL_URL is set"
            )
        for backend in backends:
            print(f"{backend.name}: {backend.server()}", flush=True)
            try:
                results.append((backend.name, bench(backend, people, args.repeat)))
                if args.profile:
                    profile_custrel(backend, people, 20)
            finally:
                backend.store.drop_schema()
                backend.store.dispose()
    if results:
        report(args.rows, results)


if __name__ == "__main__":
    main()
