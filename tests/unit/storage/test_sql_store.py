import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from custrel import ConflictError, StorageError
from custrel.storage.memory import MemoryStore
from custrel.storage.sql import SqlStore, metadata
from custrel.storage.sql._errors import translated

POSTGRESQL_URL = os.environ.get("CUSTREL_TEST_POSTGRESQL_URL")
NO_POSTGRESQL = "CUSTREL_TEST_POSTGRESQL_URL is not set; set it to a PostgreSQL URL to run these"


class TestConstruction:
    def test_a_plain_postgresql_url_uses_psycopg_3(self) -> None:
        """``postgresql://`` URLs get the psycopg (3) driver, not SQLAlchemy's psycopg2 default."""
        store = SqlStore("postgresql://someone:secret@db.invalid/crm")
        assert store.engine.dialect.driver == "psycopg"
        assert "secret" not in repr(store)

    def test_a_host_engine_is_used_as_it_is(self, tmp_path: Path) -> None:
        """An Engine made by the host works, with custrel's SQLite transaction settings added."""
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'host.sqlite'}")
        store = SqlStore(engine)
        store.create_schema()
        assert store.engine is engine
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
        SqlStore(engine)  # a second store on the same engine adds no second set of listeners
        with store.unit_of_work() as uow:
            assert list(uow.customers.find()) == []
        engine.dispose()

    def test_every_table_carries_customer_id(self) -> None:
        """Each table can be partitioned by customer, but for declared reference tables."""
        assert metadata.tables
        reference = {
            table.name for table in metadata.tables.values() if table.info.get("reference")
        }
        assert reference == {"custrel_case_cursors"}
        for table in metadata.tables.values():
            if table.name not in reference:
                assert "customer_id" in table.columns, table.name


class TestErrors:
    def test_driver_errors_become_storage_errors(self, tmp_path: Path) -> None:
        """A database that cannot be opened raises StorageError with the driver error as cause."""
        store = SqlStore(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite'}")
        with pytest.raises(StorageError, match="create schema") as caught:
            store.create_schema()
        assert isinstance(caught.value.__cause__, sa.exc.OperationalError)

    def test_missing_tables_are_a_storage_error(self) -> None:
        """Using a store before its schema exists fails with StorageError, not a driver error."""
        store = SqlStore("sqlite://")
        with store.unit_of_work() as uow, pytest.raises(StorageError, match="get customer"):
            uow.customers.get("k-1")

    @pytest.mark.parametrize("make_store", [MemoryStore, lambda: SqlStore("sqlite://")])
    def test_a_unit_of_work_outside_its_block_is_refused(self, make_store: object) -> None:
        """Repositories are usable only inside ``with store.unit_of_work()``."""
        store = make_store()  # type: ignore[operator]
        uow = store.unit_of_work()
        with pytest.raises(StorageError, match="with"):
            uow.customers.get("k-1")


class TestRetryableErrors:
    @pytest.mark.skipif(not POSTGRESQL_URL, reason=NO_POSTGRESQL)
    def test_a_postgresql_deadlock_becomes_a_conflict(self) -> None:
        """A deadlock the server breaks is a ConflictError, which Relations retries."""
        assert POSTGRESQL_URL is not None
        store = SqlStore(POSTGRESQL_URL)
        table = "custrel_test_deadlock_probe"
        with store.engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
            connection.exec_driver_sql(f"CREATE TABLE {table} (id int PRIMARY KEY, n int)")
            connection.exec_driver_sql(f"INSERT INTO {table} VALUES (1, 0), (2, 0)")  # noqa: S608
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def lock_in_order(first: int, second: int) -> None:
            with store.engine.connect() as connection:
                try:
                    with translated("probe"):
                        connection.exec_driver_sql(
                            f"UPDATE {table} SET n = n + 1 WHERE id = {first}"  # noqa: S608
                        )
                        barrier.wait(timeout=30)
                        connection.exec_driver_sql(
                            f"UPDATE {table} SET n = n + 1 WHERE id = {second}"  # noqa: S608
                        )
                except BaseException as error:  # noqa: BLE001 - collected for the assertion
                    errors.append(error)
                connection.rollback()

        threads = [threading.Thread(target=lock_in_order, args=order) for order in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with store.engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE {table}")
        store.dispose()
        assert len(errors) == 1
        assert isinstance(errors[0], ConflictError)
        assert "deadlock" in str(errors[0]).lower()


class TestQueries:
    def test_pending_outbox_entries_are_found_by_the_partial_index(self) -> None:
        """The dispatcher's query uses the pending index instead of scanning the outbox."""
        store = SqlStore("sqlite://")
        store.create_schema()
        with store.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM custrel_outbox "
                "WHERE dispatched_at IS NULL ORDER BY position LIMIT 100"
            ).all()
        assert "ix_custrel_outbox_pending" in " ".join(str(row) for row in plan)
