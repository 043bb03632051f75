"""Relationships, journeys (with their promises) and referrals in memory."""

from __future__ import annotations

from custrel.storage._memory._staging import MemorySession

__all__ = ["MemoryJourneys", "MemoryReferrals", "MemoryRelationships"]


class MemoryRelationships:
    """`RelationshipRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session

    def commit(self) -> None:
        """Apply staged changes."""

    def rollback(self) -> None:
        """Discard staged changes."""


class MemoryJourneys:
    """`JourneyRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session

    def commit(self) -> None:
        """Apply staged changes."""

    def rollback(self) -> None:
        """Discard staged changes."""


class MemoryReferrals:
    """`ReferralRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session

    def commit(self) -> None:
        """Apply staged changes."""

    def rollback(self) -> None:
        """Discard staged changes."""
