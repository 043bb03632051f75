"""The SQL contact log is served by its indexes: the plans of the real statements say so."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from custrel.interactions import Interaction, TimelineCursor
from custrel.storage.sql import SqlStore, SqlUnitOfWork, metadata

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
POSTGRESQL = os.environ.get("CUSTREL_TEST_POSTGRESQL_URL")


def contact(number: int, customer_id: str, **fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": f"{customer_id}-{number}",
        "customer_id": customer_id,
        "at": T0.subtract(minutes=number),
        "channel": ["email", "phone", "sms"][number % 3],
        "direction": ["inbound", "outbound"][number % 2],
        "kind": ["inquiry", "complaint", "support", "purchase"][number % 4],
    }
    return Interaction(**(values | fields))


def plans(
    store: SqlStore, query: Callable[[SqlUnitOfWork], object]
) -> Iterator[tuple[str, list[str]]]:
    """Run *query* and yield (statement, plan lines) for each query it sent."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.unit_of_work() as uow:
            query(uow)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    with store.engine.connect() as connection:
        for statement, parameters in sent:
            if store.dialect == "sqlite":
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                yield statement, [row[-1] for row in rows]
            else:
                connection.exec_driver_sql("SET enable_seqscan = off")
                rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
                yield statement, [row[0] for row in rows]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    if request.param == "postgresql":
        if not POSTGRESQL:
            pytest.skip("CUSTREL_TEST_POSTGRESQL_URL is not set; set it to check PostgreSQL plans")
        sql = SqlStore(POSTGRESQL)
        sql.drop_schema()
    else:
        sql = SqlStore("sqlite://")
    sql.create_schema()
    with sql.unit_of_work() as uow:
        for customer in ("k-1", "k-2", "k-3"):
            uow.interactions.log_many(contact(number, customer) for number in range(300))
        for many in range(300):  # many customers with a few contacts, as in a real shop
            uow.interactions.log_many(
                contact(number, f"c-{many}", at=T0.subtract(days=2 + many % 60))
                for number in range(3)
            )
        uow.commit()
    with sql.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    yield sql
    sql.dispose()


class TestIndexes:
    def test_every_table_of_the_contact_log_carries_the_customer_id(self) -> None:
        """The contact log's tables can be partitioned by customer."""
        table = metadata.tables["custrel_interactions"]
        assert "customer_id" in table.c
        assert not table.c.customer_id.nullable

    @pytest.mark.parametrize(
        ("filters", "index"),
        [
            ({}, "ix_custrel_interactions_timeline"),
            ({"since": T0.subtract(hours=1)}, "ix_custrel_interactions_timeline"),
            ({"cursor": TimelineCursor(T0.subtract(hours=1), 60).encode()}, "timeline"),
            ({"kinds": "complaint"}, "ix_custrel_interactions_"),
            ({"channels": "sms"}, "ix_custrel_interactions_"),
        ],
    )
    def test_timeline_queries_use_an_index_in_timeline_order(
        self, store: SqlStore, filters: dict[str, Any], index: str
    ) -> None:
        """The newest-first page is an index scan, without sorting the customer's rows."""
        ((statement, plan),) = plans(
            store, lambda uow: uow.interactions.timeline("k-2", limit=50, **filters)
        )
        text = "\n".join(plan)
        assert index in text, (statement, text)
        assert "custrel_interactions_pkey" not in text
        if store.dialect == "sqlite" and not {"kinds", "channels"} & set(filters):
            assert "TEMP B-TREE" not in text, text

    def test_customers_to_watch_and_opportunities_use_partial_indexes(
        self, store: SqlStore
    ) -> None:
        """The at-risk candidates and the opportunity list read their partial indexes."""
        ((_, watch),) = plans(
            store, lambda uow: uow.interactions.customers_to_watch(since=T0.subtract(minutes=10))
        )
        assert "ix_custrel_interactions_watched" in "\n".join(watch)
        ((_, deals),) = plans(store, lambda uow: uow.interactions.opportunities())
        assert "ix_custrel_interactions_opportunities" in "\n".join(deals)

    def test_indexes_exist_in_the_database(self, store: SqlStore) -> None:
        """create_schema creates every index the queries rely on."""
        names = {
            index["name"] for index in sa.inspect(store.engine).get_indexes("custrel_interactions")
        }
        assert {
            "ix_custrel_interactions_timeline",
            "ix_custrel_interactions_kind",
            "ix_custrel_interactions_channel",
            "ix_custrel_interactions_watched",
            "ix_custrel_interactions_opportunities",
        } <= names
