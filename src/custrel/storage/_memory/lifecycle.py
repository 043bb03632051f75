"""Relationships, journeys (with their promises) and referrals in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from custrel import _time
from custrel.errors import ConflictError, NotFoundError
from custrel.lifecycle import DuePromise, Journey, PromiseKind, Referral, Relationship
from custrel.storage._memory._staging import MemorySession, StagedMap, add_versioned, save_versioned

__all__ = ["MemoryJourneys", "MemoryReferrals", "MemoryRelationships"]


class MemoryRelationships:
    """`RelationshipRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._rows: StagedMap[str, Relationship] = StagedMap(
            session.state.slot("relationships", dict)
        )

    def commit(self) -> None:
        """Apply staged changes."""
        self._rows.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._rows.rollback()

    def get(self, customer_id: str) -> Relationship:
        self._session.check_active()
        found = self._rows.get(customer_id)
        if found is None:
            raise NotFoundError(f"customer {customer_id!r} has no relationship")
        return found

    def add(self, relationship: Relationship) -> Relationship:
        self._session.check_active()
        return add_versioned(
            self._rows, relationship.customer_id, relationship, "relationship of customer"
        )

    def save(self, relationship: Relationship) -> Relationship:
        self._session.check_active()
        return save_versioned(
            self._rows, relationship.customer_id, relationship, "relationship of customer"
        )

    def remove(self, relationship: Relationship) -> None:
        self._session.check_active()
        key = relationship.customer_id
        current = self._rows.get(key)
        if current is None:
            raise NotFoundError(f"customer {key!r} has no relationship")
        if current.version != relationship.version:
            raise ConflictError(
                f"relationship of customer {key!r} is at version {current.version}, "
                f"not {relationship.version}: reload and retry"
            )
        self._rows.delete(key)

    def at_stage(
        self, stage: str, *, after: str | None = None, limit: int = 100
    ) -> Sequence[Relationship]:
        self._session.check_active()
        found = sorted(
            (
                relationship
                for key, relationship in self._rows.items()
                if relationship.stage == stage and (after is None or key > after)
            ),
            key=lambda relationship: relationship.customer_id,
        )
        return found[:limit]


class MemoryJourneys:
    """`JourneyRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._rows: StagedMap[str, Journey] = StagedMap(session.state.slot("journeys", dict))

    def commit(self) -> None:
        """Apply staged changes."""
        self._rows.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._rows.rollback()

    def get(self, journey_id: str) -> Journey:
        self._session.check_active()
        found = self._rows.get(journey_id)
        if found is None:
            raise NotFoundError(f"no journey with id {journey_id!r}")
        return found

    def add(self, journey: Journey) -> Journey:
        self._session.check_active()
        return add_versioned(self._rows, journey.id, journey, "journey")

    def save(self, journey: Journey) -> Journey:
        self._session.check_active()
        return save_versioned(self._rows, journey.id, journey, "journey")

    def for_customer(self, customer_id: str, *, limit: int | None = 100) -> Sequence[Journey]:
        self._session.check_active()
        found = sorted(
            (journey for journey in self._rows.values() if journey.customer_id == customer_id),
            key=lambda journey: (journey.sold_at, journey.id),
            reverse=True,
        )
        return found if limit is None else found[:limit]

    def open_by_owner(self, owner: str, *, limit: int = 100) -> Sequence[Journey]:
        self._session.check_active()
        found = sorted(
            (
                journey
                for journey in self._rows.values()
                if journey.owner == owner and journey.is_open
            ),
            key=lambda journey: (journey.sold_at, journey.id),
        )
        return found[:limit]

    def promises_due(
        self,
        before: dt.datetime,
        *,
        since: dt.datetime | None = None,
        include_settled: bool = False,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DuePromise]:
        self._session.check_active()
        before = _time.instant(before, "before")
        start = _time.optional_instant(since, "since")
        found = [
            DuePromise(journey, promise)
            for journey in self._rows.values()
            if customer_id is None or journey.customer_id == customer_id
            for promise in journey.promises
            if promise.kind is PromiseKind.DELIVERY
            and promise.due is not None
            and promise.due < before
            and (start is None or promise.due >= start)
            and (include_settled or not journey.is_settled(promise.id or ""))
        ]
        found.sort(key=lambda item: (item.due, item.journey.id, item.promise.id or ""))
        return found[:limit]

    def find(
        self,
        *,
        sold_from: dt.datetime | None = None,
        sold_until: dt.datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Journey]:
        self._session.check_active()
        start = _time.optional_instant(sold_from, "sold_from")
        end = _time.optional_instant(sold_until, "sold_until")
        found = sorted(
            (
                journey
                for key, journey in self._rows.items()
                if (after is None or key > after)
                and (start is None or journey.sold_at >= start)
                and (end is None or journey.sold_at < end)
            ),
            key=lambda journey: journey.id,
        )
        return found[:limit]


class MemoryReferrals:
    """`ReferralRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._rows: StagedMap[str, Referral] = StagedMap(session.state.slot("referrals", dict))

    def commit(self) -> None:
        """Apply staged changes."""
        self._rows.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._rows.rollback()

    def get(self, referral_id: str) -> Referral:
        self._session.check_active()
        found = self._rows.get(referral_id)
        if found is None:
            raise NotFoundError(f"no referral with id {referral_id!r}")
        return found

    def add(self, referral: Referral) -> Referral:
        self._session.check_active()
        return add_versioned(self._rows, referral.id, referral, "referral")

    def save(self, referral: Referral) -> Referral:
        self._session.check_active()
        return save_versioned(self._rows, referral.id, referral, "referral")

    def by_referrer(self, customer_id: str) -> Sequence[Referral]:
        self._session.check_active()
        return sorted(
            (referral for referral in self._rows.values() if referral.referrer_id == customer_id),
            key=lambda referral: (referral.at, referral.id),
        )

    def for_referred(self, customer_id: str) -> Sequence[Referral]:
        self._session.check_active()
        return sorted(
            (referral for referral in self._rows.values() if referral.referred_id == customer_id),
            key=lambda referral: (referral.at, referral.id),
        )
