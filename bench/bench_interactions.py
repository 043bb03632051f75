"""The contact log: logging 100,000 interactions through `Relations`, and the timeline query.

On a SQLite file and, when a URL is given, on PostgreSQL, each on a freshly created schema:

1. ``log_interaction``: log every interaction with its own call, one unit of work each (the
   path a web hook or a staff screen takes): customer lookup, idempotent insert, outbox event.
2. ``log_interactions``: the same interactions, in batches of ``--batch`` (10,000 by default)
   per unit of work (the path an import or a backfill takes), on another fresh schema. Each
   batch looks up every distinct customer it names once (merges, erasure), so larger batches
   pay fewer lookups per interaction.
3. The timeline query: ``Relations.timeline(heavy, limit=50)``, the newest 50 interactions of
   the one customer with ``--heavy`` interactions (10,000 by default), and its second page
   through the cursor; median of ``--queries`` runs.
4. The same query with the timeline's indexes dropped (the planner then reads the table and
   sorts the customer's rows), to show what the indexes buy.

The interactions (``--rows``, 100,000 by default) are built before any clock starts: the heavy
customer has ``--heavy`` of them, the rest are spread over ``--customers`` others; instants lie
in the last year in steps of 50 seconds, so equal instants (ties) occur. Every page
read is checked against the expected newest-first order, so a fast but wrong query cannot
report a number.

Run by hand, never by CI::

    python bench/bench_interactions.py
    python bench/bench_interactions.py --single-rows 10000 \
        --postgresql-url postgresql://postgres@127.0.0.1:5432/custrel_bench_interactions

custrel's tables in the target databases are dropped and recreated: do not point it at a
database whose custrel tables you want to keep (nor at one a test suite is using right now).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pendulum
import sqlalchemy as sa

from custrel import Relations
from custrel.customers import Customer, PersonName
from custrel.interactions import Interaction
from custrel.storage.sql import SqlStore

HEAVY = "b-heavy"
TIMELINE_INDEXES = (
    "ix_custrel_interactions_timeline",
    "ix_custrel_interactions_kind",
    "ix_custrel_interactions_channel",
)
CHANNELS = ("email", "phone", "chat", "store", "web", "sms", "social", "letter")
KINDS = (
    "purchase",
    "complaint",
    "return",
    "inquiry",
    "support",
    "follow_up",
    "marketing",
    "feedback",
    "referral",
    "sales_contact",
)


def build(rows: int, heavy: int, customers: int, seed: int) -> list[Interaction]:
    """The interactions to log, in logging order."""
    generator = random.Random(seed)
    now = pendulum.now("UTC").replace(microsecond=0)
    owners = [HEAVY] * heavy + [
        f"b-{generator.randrange(customers):05d}" for _ in range(rows - heavy)
    ]
    generator.shuffle(owners)
    built = []
    for number, customer_id in enumerate(owners):
        kind = generator.choice(KINDS)
        built.append(
            Interaction(
                external_id=f"bench-{number:07d}",
                customer_id=customer_id,
                at=now.subtract(seconds=generator.randrange(365 * 86_400 // 50) * 50),
                channel=generator.choice(CHANNELS),
                direction=generator.choice(("inbound", "outbound")),
                kind=kind,
                outcome=generator.choice((None, "resolved", "answered", "follow_up_needed")),
                sentiment=generator.choice((None, None, -2, -1, 0, 1, 2)),
                staff=f"staff-{generator.randrange(40)}",
                notes="Kunden ringte om leveringen; ønsker ny dato." if number % 3 else "",
                csat=generator.randrange(1, 6) if kind == "feedback" else None,
            )
        )
    return built


def expected_newest(interactions: list[Interaction], count: int) -> list[str]:
    """The external ids of the heavy customer's newest *count*, in timeline order."""
    heavy = [
        (interaction.at, position, interaction.external_id)
        for position, interaction in enumerate(interactions)
        if interaction.customer_id == HEAVY
    ]
    heavy.sort(reverse=True)
    return [external_id for _, _, external_id in heavy[:count]]


def fresh_store(url: str, customers: int) -> SqlStore:
    store = SqlStore(url)
    store.drop_schema()
    store.create_schema()
    crm = Relations(store)
    at = pendulum.datetime(2020, 1, 1, tz="UTC")
    crm.import_customers(
        Customer.register(
            id=customer_id, name=PersonName("Kåre"), at=at, email=f"{customer_id}@example.no"
        )
        for customer_id in [HEAVY, *(f"b-{number:05d}" for number in range(customers))]
    )
    return store


def count_rows(store: SqlStore) -> int:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM custrel_interactions"))
        return int(rows.scalar_one())


def log_one_by_one(crm: Relations, interactions: list[Interaction]) -> float:
    start = time.perf_counter()
    for interaction in interactions:
        crm.log_interaction(
            interaction.customer_id,
            external_id=interaction.external_id,
            at=interaction.at,
            channel=interaction.channel,
            direction=interaction.direction,
            kind=interaction.kind,
            outcome=interaction.outcome,
            sentiment=interaction.sentiment,
            staff=interaction.staff,
            notes=interaction.notes,
            csat=interaction.csat,
        )
    return time.perf_counter() - start


def log_in_batches(crm: Relations, interactions: list[Interaction], batch: int) -> float:
    start = time.perf_counter()
    for offset in range(0, len(interactions), batch):
        crm.log_interactions(interactions[offset : offset + batch])
    return time.perf_counter() - start


def time_query(crm: Relations, runs: int, expected: list[str]) -> tuple[float, float]:
    """Median seconds of the first page and of the second page (through the cursor)."""
    first_times, second_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        first = crm.timeline(HEAVY, limit=50)
        middle = time.perf_counter()
        second = crm.timeline(HEAVY, limit=50, cursor=first.next_cursor)
        end = time.perf_counter()
        first_times.append(middle - start)
        second_times.append(end - middle)
        seen = [item.external_id for item in (*first, *second)]
        if seen != expected:
            raise AssertionError("the timeline pages are not the expected newest 100")
    return statistics.median(first_times), statistics.median(second_times)


def drop_timeline_indexes(store: SqlStore) -> None:
    with store.engine.begin() as connection:
        for name in TIMELINE_INDEXES:
            connection.execute(sa.text(f"DROP INDEX {name}"))
        connection.execute(sa.text("ANALYZE"))


def analyze(store: SqlStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))


def first_page_statement(store: SqlStore) -> tuple[str, object]:
    """The SQL the repository sends for the first page, with its parameters."""
    captured: list[tuple[str, object]] = []

    def capture(*arguments: object) -> None:
        statement, parameters = arguments[2], arguments[3]
        if isinstance(statement, str) and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    with store.unit_of_work() as uow:
        sa.event.listen(store.engine, "before_cursor_execute", capture)
        try:
            uow.interactions.timeline(HEAVY, limit=50)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", capture)
    return captured[-1]


def plan(store: SqlStore, statement: str, parameters: object) -> str:
    """The plan of *statement*, in one line."""
    explain = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN "
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(explain + statement, parameters).all()  # type: ignore[arg-type]
    lines = [str(row[-1] if store.dialect == "sqlite" else row[0]).strip() for row in rows]
    return " | ".join(line for line in lines if line)


def time_sql(store: SqlStore, statement: str, parameters: object, runs: int) -> float:
    """Median seconds the database takes to return the first page's rows (no Python objects)."""
    times = []
    with store.engine.connect() as connection:
        for _ in range(runs):
            start = time.perf_counter()
            rows = connection.exec_driver_sql(statement, parameters).all()  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
            if len(rows) != 51:  # a page of 50 and one more, to know a next page exists
                raise AssertionError(f"expected 51 rows, got {len(rows)}")
    return statistics.median(times)


@contextmanager
def sqlite_url(path: str | None) -> Iterator[str]:
    if path is not None:
        yield f"sqlite:///{path}"
        return
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.sqlite'}"


def run_backend(name: str, url: str, arguments: argparse.Namespace) -> None:
    interactions = build(arguments.rows, arguments.heavy, arguments.customers, arguments.seed)
    single = interactions[: arguments.single_rows]
    expected = expected_newest(interactions, 100)
    print(f"\n== {name} ==")

    results: list[tuple[str, int, float]] = []
    if single:
        store = fresh_store(url, arguments.customers)
        seconds = log_one_by_one(Relations(store), single)
        if count_rows(store) != len(single):
            raise AssertionError("log_interaction did not store every interaction")
        results.append(("log_interaction (1 per unit of work)", len(single), seconds))
        store.dispose()

    store = fresh_store(url, arguments.customers)
    crm = Relations(store)
    seconds = log_in_batches(crm, interactions, arguments.batch)
    if count_rows(store) != len(interactions):
        raise AssertionError("log_interactions did not store every interaction")
    results.append(
        (f"log_interactions ({arguments.batch} per unit of work)", len(interactions), seconds)
    )
    for label, rows, spent in results:
        print(f"{label:<42} {rows:>8,} rows {spent:>8.1f} s {rows / spent:>10,.0f} rows/s")

    analyze(store)
    statement, parameters = first_page_statement(store)
    runs = arguments.queries
    indexed = time_query(crm, runs, expected)
    indexed_sql = time_sql(store, statement, parameters, runs)
    indexed_plan = plan(store, statement, parameters)
    drop_timeline_indexes(store)
    scanned = time_query(crm, max(3, runs // 5), expected)
    scanned_sql = time_sql(store, statement, parameters, max(3, runs // 5))
    scanned_plan = plan(store, statement, parameters)
    print(f"newest 50 of {arguments.heavy:,}, median ms:   page 1   page 2   SQL only (page 1)")
    print(
        f"  with the indexes          {indexed[0] * 1000:8.2f} {indexed[1] * 1000:8.2f} "
        f"{indexed_sql * 1000:8.2f}"
    )
    print(
        f"  without the indexes       {scanned[0] * 1000:8.2f} {scanned[1] * 1000:8.2f} "
        f"{scanned_sql * 1000:8.2f}"
    )
    print(
        f"  without / with: {scanned[0] / indexed[0]:,.1f}x (Relations.timeline), "
        f"{scanned_sql / indexed_sql:,.1f}x (SQL)"
    )
    print(f"  plan with:    {indexed_plan}")
    print(f"  plan without: {scanned_plan}")
    store.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--heavy", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument(
        "--single-rows",
        type=int,
        default=None,
        help="how many to log one call each (default: all --rows; 0 skips that path)",
    )
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite-path", default=None)
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get("CUSTREL_BENCH_POSTGRESQL_URL")
        or os.environ.get("CUSTREL_TEST_POSTGRESQL_URL"),
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    arguments = parser.parse_args(argv)
    if arguments.single_rows is None:
        arguments.single_rows = arguments.rows
    if not 0 < arguments.heavy <= arguments.rows:
        parser.error("--heavy must be between 1 and --rows")
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores; "
        f"{arguments.rows:,} interactions, {arguments.heavy:,} for one customer, "
        f"{arguments.customers:,} others"
    )
    if not arguments.skip_sqlite:
        with sqlite_url(arguments.sqlite_path) as url:
            run_backend("SQLite file", url, arguments)
    if arguments.postgresql_url:
        run_backend("PostgreSQL", arguments.postgresql_url, arguments)
    else:
        print("\nPostgreSQL skipped: pass --postgresql-url or set CUSTREL_BENCH_POSTGRESQL_URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
