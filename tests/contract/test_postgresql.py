import os

import pytest

from custrel.storage.sql import SqlStore
from custrel.testing.contract import StoreContract

URL = os.environ.get("CUSTREL_TEST_POSTGRESQL_URL")

pytestmark = pytest.mark.skipif(
    not URL,
    reason="CUSTREL_TEST_POSTGRESQL_URL is not set; set it to a PostgreSQL URL to run these",
)


class TestPostgresqlStore(StoreContract):
    """SqlStore on a real PostgreSQL server satisfies the storage contract."""

    def make_store(self) -> SqlStore:
        assert URL is not None
        store = SqlStore(URL)
        store.drop_schema()
        store.create_schema()
        return store
