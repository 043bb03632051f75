"""Relationships, journeys (with promises) and referrals on SQL: tables, mapping, repositories.

A journey is one row holding its lines, promises and facts as JSON, with the columns its queries
need copied out (customer, sale instant, owner, open or not). Its promises are also copied to
``custrel_journey_promises``, one row each with the due instant and whether it is settled, so
that "promises due before an instant and not settled" is an index range scan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from custrel import _time
from custrel.errors import ConflictError, NotFoundError
from custrel.lifecycle import (
    DuePromise,
    Journey,
    MergedHistory,
    PromiseKind,
    Referral,
    Relationship,
    StageChange,
    StageLadder,
)
from custrel.storage.sql._mapping import _loaded
from custrel.storage.sql._session import SqlSession, update_versioned
from custrel.storage.sql._tables import _Id, _Instant, _Json, _NullableJson, metadata

__all__ = [
    "SqlJourneys",
    "SqlReferrals",
    "SqlRelationships",
    "journey_promises",
    "journeys",
    "referrals",
    "relationships",
]

_UTC = dt.timezone.utc

relationships = sa.Table(
    "custrel_relationships",
    metadata,
    sa.Column("customer_id", _Id, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(50), nullable=False),
    sa.Column("started_at", _Instant, nullable=False),
    sa.Column("stage_since", _Instant, nullable=False),
    sa.Column("ladder", _Json, nullable=False),
    sa.Column("history", _Json, nullable=False),
    sa.Column("merged", _Json, nullable=False),
    sa.Index("ix_custrel_relationships_stage", "stage", "customer_id"),
)
"""One row per customer with a relationship; the stage is a copy of the last history row."""

journeys = sa.Table(
    "custrel_journeys",
    metadata,
    sa.Column("journey_id", _Id, primary_key=True),
    sa.Column("customer_id", _Id, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("sold_at", _Instant, nullable=False),
    sa.Column("phase", sa.String(20), nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("owner", _Id),
    sa.Column("first_owner", _Id),
    sa.Column("lines", _Json, nullable=False),
    sa.Column("promises", _Json, nullable=False),
    sa.Column("total", _NullableJson),
    sa.Column("facts", _Json, nullable=False),
    sa.Index("ix_custrel_journeys_customer", "customer_id", "sold_at", "journey_id"),
    sa.Index("ix_custrel_journeys_owner_open", "owner", "is_open", "sold_at", "journey_id"),
    sa.Index("ix_custrel_journeys_sold_at", "sold_at"),
)
"""One row per sale; phase, openness and owner are copies derived from the facts, for queries."""

journey_promises = sa.Table(
    "custrel_journey_promises",
    metadata,
    sa.Column("journey_id", _Id, primary_key=True),
    sa.Column("promise_id", _Id, primary_key=True),
    sa.Column("customer_id", _Id, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("made_by", _Id, nullable=False),
    sa.Column("product", _Id),
    sa.Column("due_at", _Instant),
    sa.Column("settled", sa.Boolean, nullable=False),
    sa.Index("ix_custrel_journey_promises_due", "settled", "due_at", "journey_id", "promise_id"),
    sa.Index("ix_custrel_journey_promises_customer", "customer_id", "settled", "due_at"),
    sa.Index("ix_custrel_journey_promises_made_by", "made_by"),
    sa.Index("ix_custrel_journey_promises_due_any", "due_at"),
)
"""A query copy of every promise: who made it, its due instant, and whether it is settled."""

referrals = sa.Table(
    "custrel_referrals",
    metadata,
    sa.Column("referral_id", _Id, primary_key=True),
    sa.Column("customer_id", _Id, nullable=False),
    sa.Column("referred_id", _Id, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", _Instant, nullable=False),
    sa.Column("channel", sa.String(100)),
    sa.Column("code", sa.String(100)),
    sa.Column("converted_at", _Instant),
    sa.Column("order_id", _Id),
    sa.Index("ix_custrel_referrals_referrer", "customer_id", "at", "referral_id"),
    sa.Index("ix_custrel_referrals_referred", "referred_id", "at", "referral_id"),
)
"""One row per referral; ``customer_id`` is the referrer, so it is partitioned with them."""


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(_UTC)


def _required(value: dt.datetime | None) -> Any:  # noqa: ANN401 - a pendulum instant
    loaded = _loaded(value)
    if loaded is None:  # pragma: no cover - the columns are NOT NULL
        raise NotFoundError("a required instant is missing")
    return loaded


# -- relationships ----------------------------------------------------------------------------


def relationship_row(relationship: Relationship, version: int) -> dict[str, Any]:
    """The row storing *relationship* at *version*."""
    return {
        "customer_id": relationship.customer_id,
        "version": version,
        "stage": relationship.stage,
        "started_at": _utc(relationship.started_at),
        "stage_since": _utc(relationship.stage_since),
        "ladder": list(relationship.ladder.stages),
        "history": [change.to_dict() for change in relationship.history],
        "merged": [item.to_dict() for item in relationship.merged],
    }


def relationship_from_row(row: Mapping[Any, Any]) -> Relationship:
    """The `Relationship` stored in *row*."""
    return Relationship(
        customer_id=row["customer_id"],
        ladder=StageLadder(row["ladder"]),
        history=[StageChange.from_dict(item) for item in row["history"]],
        merged=[MergedHistory.from_dict(item) for item in row["merged"]],
        version=row["version"],
    )


class SqlRelationships:
    """`RelationshipRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def get(self, customer_id: str) -> Relationship:
        statement = sa.select(relationships).where(relationships.c.customer_id == customer_id)
        row = self._session.execute("get relationship", statement).mappings().first()
        if row is None:
            raise NotFoundError(f"customer {customer_id!r} has no relationship")
        return relationship_from_row(row)

    def add(self, relationship: Relationship) -> Relationship:
        self._session.execute(
            "add relationship", relationships.insert(), relationship_row(relationship, 1)
        )
        return attrs.evolve(relationship, version=1)

    def save(self, relationship: Relationship) -> Relationship:
        version = relationship.version + 1
        update_versioned(
            self._session,
            relationships,
            relationships.c.customer_id == relationship.customer_id,
            relationship_row(relationship, version),
            version=relationship.version,
            what="relationship of customer",
            ident=relationship.customer_id,
        )
        return attrs.evolve(relationship, version=version)

    def remove(self, relationship: Relationship) -> None:
        key = relationships.c.customer_id == relationship.customer_id
        result = self._session.execute(
            "remove relationship",
            relationships.delete().where(key, relationships.c.version == relationship.version),
        )
        if result.rowcount == 0:
            stored = self._session.execute(
                "check relationship version", sa.select(relationships.c.version).where(key)
            ).scalar()
            if stored is None:
                raise NotFoundError(f"customer {relationship.customer_id!r} has no relationship")
            raise ConflictError(
                f"relationship of customer {relationship.customer_id!r} is at version {stored}, "
                f"not {relationship.version}: reload and retry"
            )

    def at_stage(
        self, stage: str, *, after: str | None = None, limit: int = 100
    ) -> Sequence[Relationship]:
        statement = (
            sa.select(relationships)
            .where(relationships.c.stage == stage)
            .order_by(relationships.c.customer_id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(relationships.c.customer_id > after)
        rows = self._session.execute("find relationships at stage", statement).mappings()
        return [relationship_from_row(row) for row in rows]


# -- journeys ---------------------------------------------------------------------------------


def journey_row(journey: Journey, version: int) -> dict[str, Any]:
    """The row storing *journey* at *version*."""
    data = journey.to_dict()
    return {
        "journey_id": journey.id,
        "customer_id": journey.customer_id,
        "version": version,
        "kind": journey.kind.value,
        "sold_at": _utc(journey.sold_at),
        "phase": journey.phase.value,
        "is_open": journey.is_open,
        "owner": journey.owner,
        "first_owner": journey.first_owner,
        "lines": data["lines"],
        "promises": data["promises"],
        "total": data["total"],
        "facts": data["facts"],
    }


def promise_rows(journey: Journey) -> list[dict[str, Any]]:
    """The query rows of *journey*'s promises."""
    return [
        {
            "journey_id": journey.id,
            "promise_id": promise.id,
            "customer_id": journey.customer_id,
            "kind": promise.kind.value,
            "made_by": promise.made_by,
            "product": promise.product,
            "due_at": _utc(promise.due),
            "settled": journey.is_settled(promise.id or ""),
        }
        for promise in journey.promises
    ]


def journey_from_row(row: Mapping[Any, Any]) -> Journey:
    """The `Journey` stored in *row*."""
    return Journey.from_dict(
        {
            "id": row["journey_id"],
            "customer_id": row["customer_id"],
            "kind": row["kind"],
            "sold_at": _time.format_instant(_required(row["sold_at"])),
            "lines": row["lines"],
            "promises": row["promises"],
            "total": row["total"],
            "first_owner": row["first_owner"],
            "facts": row["facts"],
            "version": row["version"],
        }
    )


class SqlJourneys:
    """`JourneyRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def _select(self, what: str, statement: sa.Select[Any]) -> list[Journey]:
        rows = self._session.execute(what, statement).mappings()
        return [journey_from_row(row) for row in rows]

    def get(self, journey_id: str) -> Journey:
        found = self._select(
            "get journey", sa.select(journeys).where(journeys.c.journey_id == journey_id)
        )
        if not found:
            raise NotFoundError(f"no journey with id {journey_id!r}")
        return found[0]

    def add(self, journey: Journey) -> Journey:
        # A savepoint keeps the transaction usable when a concurrent writer added the same sale
        # first: PostgreSQL aborts the whole transaction on a failed insert otherwise.
        with self._session.connection.begin_nested():
            self._session.execute("add journey", journeys.insert(), journey_row(journey, 1))
        rows = promise_rows(journey)
        if rows:
            self._session.execute("add journey promises", journey_promises.insert(), rows)
        return attrs.evolve(journey, version=1)

    def save(self, journey: Journey) -> Journey:
        version = journey.version + 1
        update_versioned(
            self._session,
            journeys,
            journeys.c.journey_id == journey.id,
            journey_row(journey, version),
            version=journey.version,
            what="journey",
            ident=journey.id,
        )
        self._session.execute(
            "replace journey promises",
            journey_promises.delete().where(journey_promises.c.journey_id == journey.id),
        )
        rows = promise_rows(journey)
        if rows:
            self._session.execute("replace journey promises", journey_promises.insert(), rows)
        return attrs.evolve(journey, version=version)

    def for_customer(self, customer_id: str, *, limit: int | None = 100) -> Sequence[Journey]:
        statement = (
            sa.select(journeys)
            .where(journeys.c.customer_id == customer_id)
            .order_by(journeys.c.sold_at.desc(), journeys.c.journey_id.desc())
        )
        if limit is not None:
            statement = statement.limit(limit)
        return self._select("find journeys of customer", statement)

    def open_by_owner(self, owner: str, *, limit: int = 100) -> Sequence[Journey]:
        statement = (
            sa.select(journeys)
            .where(journeys.c.owner == owner, journeys.c.is_open.is_(True))
            .order_by(journeys.c.sold_at, journeys.c.journey_id)
            .limit(limit)
        )
        return self._select("find open journeys of owner", statement)

    def promises_due(
        self,
        before: dt.datetime,
        *,
        since: dt.datetime | None = None,
        include_settled: bool = False,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DuePromise]:
        before = _time.instant(before, "before")
        start = _time.optional_instant(since, "since")
        statement = (
            sa.select(journey_promises.c.journey_id, journey_promises.c.promise_id)
            .where(
                journey_promises.c.kind == PromiseKind.DELIVERY.value,
                journey_promises.c.due_at < _utc(before),
            )
            .order_by(
                journey_promises.c.due_at,
                journey_promises.c.journey_id,
                journey_promises.c.promise_id,
            )
            .limit(limit)
        )
        if not include_settled:
            statement = statement.where(journey_promises.c.settled.is_(False))
        if start is not None:
            statement = statement.where(journey_promises.c.due_at >= _utc(start))
        if customer_id is not None:
            statement = statement.where(journey_promises.c.customer_id == customer_id)
        keys: list[tuple[str, str]] = [
            (row.journey_id, row.promise_id)
            for row in self._session.execute("find promises due", statement)
        ]
        if not keys:
            return []
        wanted = sorted({journey_id for journey_id, _ in keys})
        loaded = {
            journey.id: journey
            for journey in self._select(
                "load journeys with promises due",
                sa.select(journeys).where(journeys.c.journey_id.in_(wanted)),
            )
        }
        return [
            DuePromise(loaded[journey_id], loaded[journey_id].promise(promise_id))
            for journey_id, promise_id in keys
        ]

    def find(
        self,
        *,
        sold_from: dt.datetime | None = None,
        sold_until: dt.datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Journey]:
        statement = sa.select(journeys).order_by(journeys.c.journey_id).limit(limit)
        if after is not None:
            statement = statement.where(journeys.c.journey_id > after)
        if sold_from is not None:
            statement = statement.where(
                journeys.c.sold_at >= _utc(_time.instant(sold_from, "sold_from"))
            )
        if sold_until is not None:
            statement = statement.where(
                journeys.c.sold_at < _utc(_time.instant(sold_until, "sold_until"))
            )
        return self._select("find journeys", statement)


# -- referrals --------------------------------------------------------------------------------


def referral_row(referral: Referral, version: int) -> dict[str, Any]:
    """The row storing *referral* at *version*."""
    return {
        "referral_id": referral.id,
        "customer_id": referral.referrer_id,
        "referred_id": referral.referred_id,
        "version": version,
        "at": _utc(referral.at),
        "channel": referral.channel,
        "code": referral.code,
        "converted_at": _utc(referral.converted_at),
        "order_id": referral.order_id,
    }


def referral_from_row(row: Mapping[Any, Any]) -> Referral:
    """The `Referral` stored in *row*."""
    return Referral(
        id=row["referral_id"],
        referrer_id=row["customer_id"],
        referred_id=row["referred_id"],
        at=_loaded(row["at"]),
        channel=row["channel"],
        code=row["code"],
        converted_at=_loaded(row["converted_at"]),
        order_id=row["order_id"],
        version=row["version"],
    )


class SqlReferrals:
    """`ReferralRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def _select(self, what: str, statement: sa.Select[Any]) -> list[Referral]:
        rows = self._session.execute(what, statement).mappings()
        return [referral_from_row(row) for row in rows]

    def get(self, referral_id: str) -> Referral:
        found = self._select(
            "get referral", sa.select(referrals).where(referrals.c.referral_id == referral_id)
        )
        if not found:
            raise NotFoundError(f"no referral with id {referral_id!r}")
        return found[0]

    def add(self, referral: Referral) -> Referral:
        with self._session.connection.begin_nested():  # the loser of a race can carry on
            self._session.execute("add referral", referrals.insert(), referral_row(referral, 1))
        return attrs.evolve(referral, version=1)

    def save(self, referral: Referral) -> Referral:
        version = referral.version + 1
        update_versioned(
            self._session,
            referrals,
            referrals.c.referral_id == referral.id,
            referral_row(referral, version),
            version=referral.version,
            what="referral",
            ident=referral.id,
        )
        return attrs.evolve(referral, version=version)

    def by_referrer(self, customer_id: str) -> Sequence[Referral]:
        return self._select(
            "find referrals by referrer",
            sa.select(referrals)
            .where(referrals.c.customer_id == customer_id)
            .order_by(referrals.c.at, referrals.c.referral_id),
        )

    def for_referred(self, customer_id: str) -> Sequence[Referral]:
        return self._select(
            "find referrals of referred",
            sa.select(referrals)
            .where(referrals.c.referred_id == customer_id)
            .order_by(referrals.c.at, referrals.c.referral_id),
        )
