from pathlib import Path

import pytest

from custrel.storage.sql import SqlStore
from custrel.testing.contract import StoreContract


class TestSqliteFileStore(StoreContract):
    """SqlStore on a SQLite file satisfies the storage contract."""

    @pytest.fixture(autouse=True)
    def _database_path(self, tmp_path: Path) -> None:
        self.path = tmp_path / "custrel.sqlite"

    def make_store(self) -> SqlStore:
        store = SqlStore(f"sqlite:///{self.path}")
        store.create_schema()
        return store


class TestSqliteMemoryStore(StoreContract):
    """SqlStore on an in-memory SQLite database satisfies the storage contract."""

    def make_store(self) -> SqlStore:
        store = SqlStore("sqlite://")
        store.create_schema()
        return store
