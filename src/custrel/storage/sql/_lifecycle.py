"""Relationships, journeys (with promises) and referrals on SQL: tables, mapping, repositories."""

from __future__ import annotations

from custrel.storage.sql._session import SqlSession

__all__ = ["SqlJourneys", "SqlReferrals", "SqlRelationships"]


class SqlRelationships:
    """`RelationshipRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session


class SqlJourneys:
    """`JourneyRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session


class SqlReferrals:
    """`ReferralRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session
