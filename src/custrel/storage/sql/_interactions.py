"""The contact log on SQL: tables, row <-> domain mapping and the repository.

One row per interaction. ``position`` (the log position) is the primary key and the timeline's
tie-breaker; ``external_id`` is unique, which is what makes logging idempotent under concurrent
writers: ``INSERT ... ON CONFLICT (external_id) DO NOTHING``, then the stored row is read and
compared. Every timeline query is served by an index that starts with ``customer_id`` and ends
with ``(at, position)``, so the newest page is an index range scan in timeline order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs
import pendulum
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from custrel import _time
from custrel.errors import NotFoundError, StorageError
from custrel.ids import MAX_ID_LENGTH, check_id
from custrel.interactions import (
    Channel,
    Direction,
    Interaction,
    InteractionKind,
    Logged,
    Opportunity,
    TimelineCursor,
    TimelinePage,
    TimelineQuery,
)
from custrel.money import Money
from custrel.storage.sql._errors import translated
from custrel.storage.sql._session import SqlSession, update_versioned
from custrel.storage.sql._tables import metadata

__all__ = ["SqlInteractions", "interaction_from_row", "interaction_row", "interactions"]

_Id = sa.String(MAX_ID_LENGTH)
_Instant = sa.DateTime(timezone=True)
_Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = dt.timezone.utc
_CHUNK = 1000

_WATCHED = "negative OR direction = 'inbound' OR sentiment IS NOT NULL"
_WITH_OPPORTUNITY = "opportunity_what IS NOT NULL"

interactions = sa.Table(
    "custrel_interactions",
    metadata,
    sa.Column("position", _Position, primary_key=True, autoincrement=True),
    sa.Column("external_id", _Id, nullable=False, unique=True),
    sa.Column("customer_id", _Id, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", _Instant, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(32)),
    sa.Column("outcome_note", sa.Text, nullable=False),
    sa.Column("sentiment", sa.SmallInteger),
    sa.Column("negative", sa.Boolean, nullable=False),
    sa.Column("staff", _Id),
    sa.Column("order_id", _Id),
    sa.Column("journey_id", _Id),
    sa.Column("case_id", _Id),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("csat", sa.SmallInteger),
    sa.Column("nps", sa.SmallInteger),
    sa.Column("opportunity_what", sa.Text),
    sa.Column("opportunity_amount", sa.String(64)),
    sa.Column("opportunity_currency", sa.String(3)),
    sa.Column("opportunity_staff", _Id),
    sa.Index("ix_custrel_interactions_timeline", "customer_id", "at", "position"),
    sa.Index("ix_custrel_interactions_kind", "customer_id", "kind", "at", "position"),
    sa.Index("ix_custrel_interactions_channel", "customer_id", "channel", "at", "position"),
    sa.Index(
        "ix_custrel_interactions_watched",
        "at",
        "customer_id",
        postgresql_where=sa.text(_WATCHED),
        sqlite_where=sa.text(_WATCHED),
    ),
    sa.Index(
        "ix_custrel_interactions_opportunities",
        "at",
        "position",
        postgresql_where=sa.text(_WITH_OPPORTUNITY),
        sqlite_where=sa.text(_WITH_OPPORTUNITY),
    ),
)
"""The contact log: one row per interaction; ``negative`` is derived, kept for queries."""


def _loaded(value: dt.datetime) -> pendulum.DateTime:
    # SQLite keeps no offset (custrel always writes UTC); PostgreSQL answers in the session's
    # zone. Building the pendulum value directly is several times faster than pendulum.instance.
    if value.tzinfo is not None:
        value = value.astimezone(_UTC)
    return pendulum.DateTime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=pendulum.UTC,
    )


_INSERTED = tuple(column for column in interactions.columns if column.name != "position")
_STATEMENTS: dict[str, str] = {}


def _unnest_insert(dialect: sa.Dialect) -> str:
    if dialect.name in _STATEMENTS:
        return _STATEMENTS[dialect.name]
    names = ", ".join(column.name for column in _INSERTED)
    arrays = ", ".join(f"%s::{column.type.compile(dialect=dialect)}[]" for column in _INSERTED)
    statement = (
        f"INSERT INTO {interactions.name} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - built from custrel's own table, never from input
        "ON CONFLICT (external_id) DO NOTHING RETURNING external_id"
    )
    return _STATEMENTS.setdefault(dialect.name, statement)


def _stored_instant(value: dt.datetime) -> dt.datetime:
    # A plain datetime in UTC: drivers handle it faster than a pendulum subclass (psycopg's
    # dumper subtracts an epoch, which builds a pendulum Interval per value).
    utc = dt.datetime.astimezone(value, _UTC)
    return dt.datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, _UTC
    )


def interaction_row(interaction: Interaction, version: int) -> dict[str, Any]:
    """The row storing *interaction* at *version* (the position is the database's)."""
    opportunity = interaction.opportunity
    value = None if opportunity is None else opportunity.value
    return {
        "external_id": interaction.external_id,
        "customer_id": interaction.customer_id,
        "version": version,
        "at": _stored_instant(interaction.at),
        "channel": interaction.channel.value,
        "direction": interaction.direction.value,
        "kind": interaction.kind.value,
        "outcome": None if interaction.outcome is None else interaction.outcome.value,
        "outcome_note": interaction.outcome_note,
        "sentiment": interaction.sentiment,
        "negative": interaction.is_negative,
        "staff": interaction.staff,
        "order_id": interaction.order_id,
        "journey_id": interaction.journey_id,
        "case_id": interaction.case_id,
        "notes": interaction.notes,
        "csat": interaction.csat,
        "nps": interaction.nps,
        "opportunity_what": None if opportunity is None else opportunity.what,
        "opportunity_amount": None if value is None else str(value.amount),
        "opportunity_currency": None if value is None else value.currency,
        "opportunity_staff": None if opportunity is None else opportunity.staff,
    }


def interaction_from_row(row: Mapping[Any, Any]) -> Interaction:
    """The `Interaction` stored in *row*."""
    opportunity = None
    if row["opportunity_what"] is not None:
        amount = row["opportunity_amount"]
        opportunity = Opportunity(
            what=row["opportunity_what"],
            value=None if amount is None else Money(amount, row["opportunity_currency"]),
            staff=row["opportunity_staff"],
        )
    return Interaction(
        external_id=row["external_id"],
        customer_id=row["customer_id"],
        at=_loaded(row["at"]),
        channel=row["channel"],
        direction=row["direction"],
        kind=row["kind"],
        outcome=row["outcome"],
        outcome_note=row["outcome_note"],
        sentiment=row["sentiment"],
        staff=row["staff"],
        order_id=row["order_id"],
        journey_id=row["journey_id"],
        case_id=row["case_id"],
        notes=row["notes"],
        opportunity=opportunity,
        csat=row["csat"],
        nps=row["nps"],
        version=row["version"],
    )


def _newest_first(statement: sa.Select[Any], query: TimelineQuery) -> sa.Select[Any]:
    table = interactions
    if query.since is not None:
        statement = statement.where(table.c.at >= query.since.astimezone(_UTC))
    if query.until is not None:
        statement = statement.where(table.c.at < query.until.astimezone(_UTC))
    if query.kinds is not None:
        statement = statement.where(table.c.kind.in_(sorted(kind.value for kind in query.kinds)))
    if query.channels is not None:
        statement = statement.where(
            table.c.channel.in_(sorted(channel.value for channel in query.channels))
        )
    if query.directions is not None:
        statement = statement.where(
            table.c.direction.in_(sorted(direction.value for direction in query.directions))
        )
    if query.with_opportunity:
        statement = statement.where(sa.text(_WITH_OPPORTUNITY))
    if query.cursor is not None:
        statement = statement.where(
            sa.tuple_(table.c.at, table.c.position)
            < sa.tuple_(
                sa.literal(query.cursor.at.astimezone(_UTC), _Instant),
                sa.literal(query.cursor.position, _Position),
            )
        )
    return statement.order_by(table.c.at.desc(), table.c.position.desc()).limit(query.limit + 1)


def _page(rows: Sequence[Mapping[Any, Any]], limit: int) -> TimelinePage:
    items = tuple(interaction_from_row(row) for row in rows[:limit])
    if len(rows) <= limit:
        return TimelinePage(items, None)
    last = rows[limit - 1]
    return TimelinePage(items, TimelineCursor(_loaded(last["at"]), last["position"]).encode())


class SqlInteractions:
    """`InteractionRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def _insert(self) -> Any:  # noqa: ANN401 - a dialect's Insert, which has on_conflict_*
        dialect = self._session.connection.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(interactions)
        if dialect == "sqlite":
            return sqlite.insert(interactions)
        raise StorageError(f"logging interactions works on SQLite and PostgreSQL, not {dialect}")

    def _stored(self, external_ids: Collection[str]) -> dict[str, Interaction]:
        found: dict[str, Interaction] = {}
        ordered = sorted(external_ids)
        for start in range(0, len(ordered), _CHUNK):
            statement = sa.select(interactions).where(
                interactions.c.external_id.in_(ordered[start : start + _CHUNK])
            )
            for row in self._session.execute("get interactions", statement).mappings():
                found[row["external_id"]] = interaction_from_row(row)
        return found

    def get(self, external_id: str) -> Interaction:
        found = self._stored([external_id]).get(external_id)
        if found is None:
            raise NotFoundError(f"no interaction with external id {external_id!r}")
        return found

    def log(self, interaction: Interaction) -> Logged:
        statement = (
            self._insert()
            .values(interaction_row(interaction, 1))
            .on_conflict_do_nothing(index_elements=["external_id"])
            .returning(interactions.c.position)
        )
        if self._session.execute("log interaction", statement).first() is not None:
            return Logged(attrs.evolve(interaction, version=1), created=True)
        return Logged.replay(self.get(interaction.external_id), interaction)

    def log_many(self, interactions_: Iterable[Interaction]) -> Sequence[Logged]:
        incoming = list(interactions_)
        first: dict[str, Interaction] = {}
        for interaction in incoming:
            earlier = first.setdefault(interaction.external_id, interaction)
            if earlier is not interaction:
                Logged.replay(earlier, interaction)  # raises if the batch contradicts itself
        created: set[str] = set()
        unique = list(first.values())
        for start in range(0, len(unique), _CHUNK):
            rows = [interaction_row(item, 1) for item in unique[start : start + _CHUNK]]
            created.update(self._insert_new(rows))
        stored = self._stored(set(first) - created)
        results: list[Logged] = []
        for interaction in incoming:
            external_id = interaction.external_id
            if external_id in created:
                created.discard(external_id)  # a repeat later in the batch was not created
                stored[external_id] = attrs.evolve(interaction, version=1)
                results.append(Logged(stored[external_id], created=True))
            else:
                results.append(Logged.replay(stored[external_id], interaction))
        return results

    def _insert_new(self, rows: list[dict[str, Any]]) -> list[str]:
        """Insert *rows* unless their external id is stored; return the ids inserted."""
        connection = self._session.connection
        if connection.dialect.name != "postgresql":
            statement = (
                self._insert()
                .on_conflict_do_nothing(index_elements=["external_id"])
                .returning(interactions.c.external_id)
            )
            return list(self._session.execute("log interactions", statement, rows).scalars())
        # One array per column through unnest: the statement text stays short and constant, so
        # psycopg does not re-parse a multi-row VALUES list of thousands of placeholders.
        arrays = tuple([row[column.name] for row in rows] for column in _INSERTED)
        with translated("log interactions"):
            result = connection.exec_driver_sql(_unnest_insert(connection.dialect), arrays)
            return list(result.scalars())

    def save(self, interaction: Interaction) -> Interaction:
        version = interaction.version + 1
        update_versioned(
            self._session,
            interactions,
            interactions.c.external_id == interaction.external_id,
            interaction_row(interaction, version),
            version=interaction.version,
            what="interaction",
            ident=interaction.external_id,
        )
        return attrs.evolve(interaction, version=version)

    def timeline(
        self,
        customer_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        kinds: InteractionKind | str | Collection[InteractionKind | str] | None = None,
        channels: Channel | str | Collection[Channel | str] | None = None,
        directions: Direction | str | Collection[Direction | str] | None = None,
        with_opportunity: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        customer_id = check_id(customer_id, "customer_id")
        query = TimelineQuery(
            since=since,
            until=until,
            kinds=kinds,
            channels=channels,
            directions=directions,
            with_opportunity=with_opportunity,
            limit=limit,
            cursor=cursor,
        )
        statement = _newest_first(
            sa.select(interactions).where(interactions.c.customer_id == customer_id), query
        )
        rows = self._session.execute("read timeline", statement).mappings().all()
        return _page(rows, query.limit)

    def opportunities(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        staff: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        query = TimelineQuery(
            since=since, until=until, with_opportunity=True, limit=limit, cursor=cursor
        )
        statement = sa.select(interactions)
        if staff is not None:
            statement = statement.where(
                interactions.c.opportunity_staff == check_id(staff, "staff")
            )
        rows = (
            self._session.execute("read opportunities", _newest_first(statement, query))
            .mappings()
            .all()
        )
        return _page(rows, query.limit)

    def customers_to_watch(self, *, since: dt.datetime) -> Sequence[str]:
        since = _time.instant(since, "since")
        # MATERIALIZED keeps the planner from reading a customer-ordered index for DISTINCT:
        # the recent watched rows come from the small partial index on ``at``.
        recent = (
            sa.select(interactions.c.customer_id)
            .where(interactions.c.at >= since.astimezone(_UTC), sa.text(f"({_WATCHED})"))
            .cte("recent")
            .prefix_with("MATERIALIZED")
        )
        statement = sa.select(recent.c.customer_id).distinct()
        return sorted(self._session.execute("find customers to watch", statement).scalars())

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        statement = (
            interactions.update()
            .where(interactions.c.customer_id == from_customer_id)
            .values(customer_id=to_customer_id, version=interactions.c.version + 1)
        )
        return self._session.execute("move interactions", statement).rowcount
