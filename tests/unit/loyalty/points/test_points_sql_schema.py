from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

from custrel.errors import DuplicateError
from custrel.loyalty import LoyaltyProgram, PointsAccount, Tier
from custrel.storage.sql import SqlStore, metadata

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Europe/Oslo")
PROGRAM = LoyaltyProgram(currency="NOK", tiers=[Tier("member")])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    sql = SqlStore(f"sqlite:///{tmp_path / 'schema.sqlite'}")
    sql.create_schema()
    yield sql
    sql.dispose()


class TestPointsTables:
    def test_the_tables_are_in_the_public_metadata(self) -> None:
        """A host's migrations see the ledger tables, each carrying customer_id."""
        for name in ("custrel_points_accounts", "custrel_points_entries"):
            assert "customer_id" in metadata.tables[name].columns

    def test_a_source_is_unique_per_customer_even_without_versions(self, store: SqlStore) -> None:
        """The database itself refuses a second entry with the same kind and key."""
        account = PointsAccount.open("k-1").grant_points("o-1", 10, PROGRAM, at=T0).value
        with store.unit_of_work() as uow:
            uow.loyalty.add(account)
            uow.commit()
        entries = metadata.tables["custrel_points_entries"]
        row = {
            "customer_id": "k-1",
            "position": 1,
            "kind": "award",
            "key": "o-1",
            "at": T0,
            "points": 10,
            "payload": {},
        }
        with store.unit_of_work() as uow, pytest.raises(DuplicateError):
            uow.execute("forge a second award", entries.insert(), row)
        with store.unit_of_work() as uow:
            count = uow.execute("count", sa.select(sa.func.count()).select_from(entries)).scalar()
        assert count == 1
