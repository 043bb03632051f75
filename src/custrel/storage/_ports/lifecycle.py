"""Relationships, journeys (with their promises) and referrals: what custrel needs from storage.

Versions work as for customers: ``add`` stores version 1 and ``save`` version + 1, both
returning the aggregate as stored; ``save`` of a stale version raises `ConflictError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from custrel.lifecycle import DuePromise, Journey, Referral, Relationship

__all__ = ["JourneyRepository", "ReferralRepository", "RelationshipRepository"]


class RelationshipRepository(Protocol):
    """Each customer's relationship (stage history), keyed by the customer id: one each."""

    def get(self, customer_id: str) -> Relationship:
        """Return the relationship of *customer_id*.

        Raises:
            NotFoundError: The customer has no relationship.
        """
        ...

    def add(self, relationship: Relationship) -> Relationship:
        """Store a new relationship at version 1 and return it as stored.

        Raises:
            DuplicateError: The customer already has one.
        """
        ...

    def save(self, relationship: Relationship) -> Relationship:
        """Store a changed relationship and return it at its new version.

        Raises:
            NotFoundError: It was never added.
            ConflictError: The stored version is not ``relationship.version``.
        """
        ...

    def remove(self, relationship: Relationship) -> None:
        """Delete a relationship (its customer was merged into another).

        Raises:
            NotFoundError: It is not stored.
            ConflictError: The stored version is not ``relationship.version``.
        """
        ...

    def at_stage(
        self, stage: str, *, after: str | None = None, limit: int = 100
    ) -> Sequence[Relationship]:
        """Return up to *limit* relationships now at *stage*, by customer id, ids after *after*.

        Paging with the last customer id of one page as the next *after* visits each once.
        """
        ...


class JourneyRepository(Protocol):
    """One journey per sale, keyed by the host's order (or engagement) id, with its promises."""

    def get(self, journey_id: str) -> Journey:
        """Return the journey of sale *journey_id*.

        Raises:
            NotFoundError: No journey has that id.
        """
        ...

    def add(self, journey: Journey) -> Journey:
        """Store a new journey at version 1 and return it as stored.

        The id is the sale's: adding a second journey for one order raises `DuplicateError`,
        also when two writers race (the loser's unit of work stays usable).

        Raises:
            DuplicateError: A journey with the id exists.
        """
        ...

    def save(self, journey: Journey) -> Journey:
        """Store a changed journey (its facts, owner, customer id) at its new version.

        Raises:
            NotFoundError: It was never added.
            ConflictError: The stored version is not ``journey.version``.
        """
        ...

    def for_customer(self, customer_id: str, *, limit: int | None = 100) -> Sequence[Journey]:
        """Return the journeys of *customer_id*, newest sale first (ties: higher id first).

        *limit* None returns all of them.
        """
        ...

    def open_by_owner(self, owner: str, *, limit: int = 100) -> Sequence[Journey]:
        """Return up to *limit* journeys owned by *owner* that are not closed, oldest sale first."""
        ...

    def promises_due(
        self,
        before: dt.datetime,
        *,
        since: dt.datetime | None = None,
        include_settled: bool = False,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DuePromise]:
        """Return up to *limit* unsettled delivery promises due strictly before *before*.

        Unsettled as `Journey.is_settled` says; with *include_settled*, settled ones too (a late
        delivery settles its promise, and early warning still wants to see it). With *since*,
        only promises due at or after it. Ordered by due instant, then journey id, then promise
        id; with *customer_id*, only that customer's.
        """
        ...

    def find(
        self,
        *,
        sold_from: dt.datetime | None = None,
        sold_until: dt.datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Journey]:
        """Return up to *limit* journeys sold in ``[sold_from, sold_until)``, by id after *after*.

        Paging with the last id of one page as the next *after* visits each journey once.
        """
        ...


class ReferralRepository(Protocol):
    """Who referred whom, keyed by the referral's id."""

    def get(self, referral_id: str) -> Referral:
        """Return the referral *referral_id*.

        Raises:
            NotFoundError: No referral has that id.
        """
        ...

    def add(self, referral: Referral) -> Referral:
        """Store a new referral at version 1 and return it as stored.

        Raises:
            DuplicateError: A referral with the id exists (the loser of a race included; its
                unit of work stays usable).
        """
        ...

    def save(self, referral: Referral) -> Referral:
        """Store a changed referral (converted, or moved by a merge) at its new version.

        Raises:
            NotFoundError: It was never added.
            ConflictError: The stored version is not ``referral.version``.
        """
        ...

    def by_referrer(self, customer_id: str) -> Sequence[Referral]:
        """Return the referrals *customer_id* made, oldest first (ties by id)."""
        ...

    def for_referred(self, customer_id: str) -> Sequence[Referral]:
        """Return the referrals of *customer_id* as the one referred, oldest first (ties by id)."""
        ...
