from pathlib import Path

import pytest
import sqlalchemy as sa

from custrel import StorageError
from custrel.storage.memory import MemoryStore
from custrel.storage.sql import SqlStore, metadata


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
        """Each of custrel's tables can be partitioned by customer."""
        assert metadata.tables
        for table in metadata.tables.values():
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
