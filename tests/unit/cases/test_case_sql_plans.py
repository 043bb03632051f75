"""The case queries that must stay fast are served by their indexes, on SQLite and PostgreSQL.

Each test runs the repository method, captures the SQL it sent, and asks the database for the
plan of exactly that statement.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from custrel.cases import Case, CaseKind, Priority
from custrel.storage.protocols import UnitOfWork
from custrel.storage.sql import SqlStore
from custrel.testing._contracts._support import T0

POSTGRESQL_URL = os.environ.get("CUSTREL_TEST_POSTGRESQL_URL")


def seed(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        for number in range(60):
            case = Case.open(
                id=f"c-{number:03d}",
                customer_id=f"k-{number % 7}",
                kind=CaseKind.SUPPORT,
                priority=Priority.NORMAL,
                at=T0.add(minutes=number),
            ).assign(f"staff-{number % 5}", T0.add(minutes=number))
            if number % 4 == 0:
                case = case.resolve(T0.add(hours=2))
            check_at = None if number % 3 == 0 else T0.add(minutes=number * 7)
            uow.cases.add(case, check_at=check_at)
        uow.commit()


def captured_select(store: SqlStore, query: Callable[[UnitOfWork], object]) -> tuple[str, Any]:
    """The SELECT on custrel_cases that *query* sent, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "custrel_cases" in statement:
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", remember)
    try:
        with store.unit_of_work() as uow:
            query(uow)
    finally:
        event.remove(store.engine, "before_cursor_execute", remember)
    assert len(sent) == 1, sent
    return sent[0]


QUERIES: dict[str, tuple[Callable[[UnitOfWork], object], str]] = {
    "due_before": (
        lambda uow: uow.cases.due_before(T0.add(hours=3), limit=10),
        "ix_custrel_cases_check_at",
    ),
    "open_by_assignee": (
        lambda uow: uow.cases.open_by_assignee("staff-1", after="c-010", limit=5),
        "ix_custrel_cases_assignee",
    ),
    "open_counts": (
        lambda uow: uow.cases.open_counts(["staff-1", "staff-2"]),
        "ix_custrel_cases_assignee",
    ),
    "for_customer": (
        lambda uow: uow.cases.for_customer("k-3"),
        "ix_custrel_cases_customer",
    ),
}


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    store.create_schema()
    seed(store)
    yield store
    store.dispose()


@pytest.fixture
def postgresql_store() -> Iterator[SqlStore]:
    if not POSTGRESQL_URL:
        pytest.skip("CUSTREL_TEST_POSTGRESQL_URL is not set; set it to a PostgreSQL URL to run")
    store = SqlStore(POSTGRESQL_URL)
    store.drop_schema()
    store.create_schema()
    seed(store)
    yield store
    store.dispose()


@pytest.mark.parametrize("name", list(QUERIES))
def test_sqlite_plans_use_the_case_indexes(sqlite_store: SqlStore, name: str) -> None:
    """SQLite's EXPLAIN QUERY PLAN for each case query searches the index meant for it."""
    query, index = QUERIES[name]
    statement, parameters = captured_select(sqlite_store, query)
    with sqlite_store.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    plan = " | ".join(str(row[-1]) for row in rows)
    assert index in plan, plan
    assert "SCAN custrel_cases" not in plan, plan


def test_sqlite_breach_queue_needs_no_sort(sqlite_store: SqlStore) -> None:
    """The breach queue reads the index in check-time order instead of sorting the table."""
    statement, parameters = captured_select(sqlite_store, QUERIES["due_before"][0])
    with sqlite_store.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    assert "TEMP B-TREE" not in " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("name", list(QUERIES))
def test_postgresql_plans_use_the_case_indexes(postgresql_store: SqlStore, name: str) -> None:
    """PostgreSQL's EXPLAIN for each case query uses its index when scans are discouraged."""
    query, index = QUERIES[name]
    statement, parameters = captured_select(postgresql_store, query)
    with postgresql_store.engine.connect() as connection:
        connection.execute(sa.text("SET enable_seqscan = off"))
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
    plan = " | ".join(str(row[0]) for row in rows)
    assert index in plan, plan
    assert "Seq Scan" not in plan, plan
