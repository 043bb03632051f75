"""The loyalty points ledger on SQL: tables, row <-> domain mapping and the repository."""

from __future__ import annotations

from custrel.storage.sql._session import SqlSession

__all__ = ["SqlLoyalty"]


class SqlLoyalty:
    """`LoyaltyRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session
