"""Service cases on SQL: tables, row <-> domain mapping and the repository.

A case is one row: its history as JSON (the only state), and copies of what queries filter on
(status, whether it is open, assignee, kind, priority, instants), rewritten on every save. The
breach queue reads a partial index on ``check_at``; open cases by assignee and the open-case
counts read an index on (assignee, is_open, case_id).

The round-robin cursors live in their own small table, one row per pool. It is the one custrel
table without a ``customer_id``: a cursor belongs to a pool of staff, not to a customer (in a
sharded deployment, make it a reference table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import pendulum
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from custrel import _time
from custrel.cases import Case, CaseEvent, CaseKind, Priority
from custrel.errors import DuplicateError, NotFoundError, StorageError
from custrel.storage.sql._mapping import _loaded
from custrel.storage.sql._session import SqlSession, update_versioned
from custrel.storage.sql._tables import _Id, _Instant, _Json, metadata

__all__ = ["SqlCases", "case_cursors", "case_from_row", "case_row", "cases"]

cases = sa.Table(
    "custrel_cases",
    metadata,
    sa.Column("case_id", _Id, primary_key=True),
    sa.Column("customer_id", _Id, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("assignee", _Id),
    sa.Column("order_id", _Id),
    sa.Column("opened_at", _Instant, nullable=False),
    sa.Column("updated_at", _Instant, nullable=False),
    sa.Column("check_at", _Instant),
    sa.Column("history", _Json, nullable=False),
    sa.Index(
        "ix_custrel_cases_check_at",
        "check_at",
        "case_id",
        postgresql_where=sa.text("check_at IS NOT NULL"),
        sqlite_where=sa.text("check_at IS NOT NULL"),
    ),
    sa.Index("ix_custrel_cases_assignee", "assignee", "is_open", "case_id"),
    sa.Index("ix_custrel_cases_customer", "customer_id", "opened_at", "case_id"),
)
"""One row per case: the history as JSON, and the derived columns queries filter on."""

case_cursors = sa.Table(
    "custrel_case_cursors",
    metadata,
    sa.Column("pool", sa.String(200), primary_key=True),
    sa.Column("member_id", _Id),
    info={"reference": "one row per staff pool, not per customer: replicate it to every shard"},
)
"""The round-robin cursor of each assignment pool: who got its last case."""


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.timezone.utc)


def case_row(case: Case, version: int, check_at: dt.datetime | None) -> dict[str, Any]:
    """The row storing *case* at *version* with its check time."""
    return {
        "case_id": case.id,
        "customer_id": case.customer_id,
        "version": version,
        "kind": case.kind.value,
        "priority": case.priority.value,
        "status": case.status.value,
        "is_open": case.is_open,
        "assignee": case.assignee,
        "order_id": case.order_id,
        "opened_at": _utc(case.opened_at),
        "updated_at": _utc(case.updated_at),
        "check_at": _utc(check_at),
        "history": [event.to_dict() for event in case.history],
    }


def case_from_row(row: Mapping[Any, Any]) -> Case:
    """The `Case` stored in *row*."""
    return Case(
        id=row["case_id"],
        customer_id=row["customer_id"],
        history=[CaseEvent.from_dict(item) for item in row["history"]],
        version=row["version"],
    )


_OPEN = cases.c.is_open == sa.true()


class SqlCases:
    """`CaseRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def _select(self, what: str, statement: sa.Select[Any]) -> list[Case]:
        rows = self._session.execute(what, statement).mappings()
        return [case_from_row(row) for row in rows]

    def get(self, case_id: str) -> Case:
        found = self._select("get case", sa.select(cases).where(cases.c.case_id == case_id))
        if not found:
            raise NotFoundError(f"no case with id {case_id!r}")
        return found[0]

    def add(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        check_at = _time.optional_instant(check_at, "check_at")
        try:
            self._session.execute("add case", cases.insert(), case_row(case, 1, check_at))
        except DuplicateError as error:
            raise DuplicateError(f"a case with id {case.id!r} already exists") from error
        return attrs.evolve(case, version=1)

    def save(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        check_at = _time.optional_instant(check_at, "check_at")
        version = case.version + 1
        update_versioned(
            self._session,
            cases,
            cases.c.case_id == case.id,
            case_row(case, version, check_at),
            version=case.version,
            what="case",
            ident=case.id,
        )
        return attrs.evolve(case, version=version)

    def check_at(self, case_id: str) -> pendulum.DateTime | None:
        row = self._session.execute(
            "read case check time",
            sa.select(cases.c.check_at).where(cases.c.case_id == case_id),
        ).first()
        if row is None:
            raise NotFoundError(f"no case with id {case_id!r}")
        return _loaded(row.check_at)

    def due_before(self, instant: dt.datetime, *, limit: int = 100) -> Sequence[Case]:
        until = _time.instant(instant, "instant").in_timezone("UTC")
        statement = (
            sa.select(cases)
            .where(cases.c.check_at <= until)
            .order_by(cases.c.check_at, cases.c.case_id)
            .limit(limit)
        )
        return self._select("read the breach queue", statement)

    def find(
        self, *, open_only: bool = False, after: str | None = None, limit: int = 100
    ) -> Sequence[Case]:
        statement = sa.select(cases).order_by(cases.c.case_id).limit(limit)
        if open_only:
            statement = statement.where(_OPEN)
        if after is not None:
            statement = statement.where(cases.c.case_id > after)
        return self._select("find cases", statement)

    def open_by_assignee(
        self,
        assignee: str,
        *,
        kind: CaseKind | None = None,
        priority: Priority | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Case]:
        statement = (
            sa.select(cases)
            .where(cases.c.assignee == assignee, _OPEN)
            .order_by(cases.c.case_id)
            .limit(limit)
        )
        if kind is not None:
            statement = statement.where(cases.c.kind == kind.value)
        if priority is not None:
            statement = statement.where(cases.c.priority == priority.value)
        if after is not None:
            statement = statement.where(cases.c.case_id > after)
        return self._select("find open cases by assignee", statement)

    def for_customer(self, customer_id: str, *, open_only: bool = False) -> Sequence[Case]:
        statement = (
            sa.select(cases)
            .where(cases.c.customer_id == customer_id)
            .order_by(cases.c.opened_at, cases.c.case_id)
        )
        if open_only:
            statement = statement.where(_OPEN)
        return self._select("find a customer's cases", statement)

    def open_counts(self, assignees: Iterable[str]) -> Mapping[str, int]:
        counts = dict.fromkeys(assignees, 0)
        if not counts:
            return counts
        statement = (
            sa.select(cases.c.assignee, sa.func.count().label("open_cases"))
            .where(cases.c.assignee.in_(list(counts)), _OPEN)
            .group_by(cases.c.assignee)
        )
        for row in self._session.execute("count open cases", statement).mappings():
            counts[row["assignee"]] = row["open_cases"]
        return counts

    def assignment_cursor(self, pool: str) -> str | None:
        # Make sure the row exists without failing when another writer creates it first, then
        # lock it: PostgreSQL queues concurrent assignments on the row lock; SQLite has already
        # serialised writers with BEGIN IMMEDIATE.
        self._session.execute(
            "create assignment cursor",
            _insert_missing(self._session.connection.dialect.name),
            {"pool": pool, "member_id": None},
        )
        statement = (
            sa.select(case_cursors.c.member_id).where(case_cursors.c.pool == pool).with_for_update()
        )
        member: str | None = self._session.execute("lock assignment cursor", statement).scalar()
        return member

    def set_assignment_cursor(self, pool: str, member_id: str) -> None:
        self.assignment_cursor(pool)
        self._session.execute(
            "move assignment cursor",
            case_cursors.update().where(case_cursors.c.pool == pool).values(member_id=member_id),
        )

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        statement = (
            cases.update()
            .where(cases.c.customer_id == from_customer_id)
            .values(customer_id=to_customer_id, version=cases.c.version + 1)
        )
        return self._session.execute("move cases to another customer", statement).rowcount


def _insert_missing(dialect: str) -> sa.Executable:
    if dialect == "postgresql":
        return postgresql.insert(case_cursors).on_conflict_do_nothing(index_elements=["pool"])
    if dialect == "sqlite":
        return sqlite.insert(case_cursors).on_conflict_do_nothing(index_elements=["pool"])
    raise StorageError(
        f"assignment cursors are implemented for SQLite and PostgreSQL, not {dialect}"
    )
