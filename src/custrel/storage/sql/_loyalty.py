"""The loyalty points ledger on SQL: tables, row <-> domain mapping and the repository.

One row per account (version and entry count) and one row per ledger entry, in ledger order.
A unique key on (customer, kind, key) makes an order pay once even if two writers got past
the version check, and an entry's row is never updated except to erase personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.loyalty import LedgerEntry, PointsAccount, ledger_entry_from_dict
from custrel.storage.sql._session import SqlSession, update_versioned
from custrel.storage.sql._tables import _Id, _Instant, _Json, metadata

__all__ = ["SqlLoyalty", "points_accounts", "points_entries"]

points_accounts = sa.Table(
    "custrel_points_accounts",
    metadata,
    sa.Column("customer_id", _Id, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
)
"""One row per member's points ledger."""

points_entries = sa.Table(
    "custrel_points_entries",
    metadata,
    sa.Column(
        "customer_id",
        _Id,
        sa.ForeignKey(points_accounts.c.customer_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("key", _Id, nullable=False),
    sa.Column("at", _Instant, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("payload", _Json, nullable=False),
    sa.UniqueConstraint("customer_id", "kind", "key", name="uq_custrel_points_entries_source"),
)
"""Ledger entries in ledger order; ``(customer_id, kind, key)`` is unique (a source pays once).

``points`` repeats the entry's headline points (0 for tier entries) and ``at`` its instant in
UTC, for reporting queries; ``payload`` is the entry as written by its ``to_dict``.
"""


def _entry_row(customer_id: str, position: int, entry: LedgerEntry) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "position": position,
        "kind": entry.kind,
        "key": entry.key,
        "at": entry.at.astimezone(dt.timezone.utc),
        "points": getattr(entry, "points", 0),
        "payload": entry.to_dict(),
    }


def _entry_rows(account: PointsAccount, start: int) -> list[dict[str, Any]]:
    return [
        _entry_row(account.customer_id, position, entry)
        for position, entry in enumerate(account.entries)
        if position >= start
    ]


def _account(row: Mapping[Any, Any], entries: Sequence[Mapping[Any, Any]]) -> PointsAccount:
    return PointsAccount(
        customer_id=row["customer_id"],
        entries=[ledger_entry_from_dict(entry["payload"]) for entry in entries],
        version=row["version"],
    )


class SqlLoyalty:
    """`LoyaltyRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def get(self, customer_id: str, *, for_update: bool = False) -> PointsAccount:
        statement = sa.select(points_accounts).where(points_accounts.c.customer_id == customer_id)
        if for_update:
            statement = statement.with_for_update()  # ignored by SQLite, which runs one writer
        row = self._session.execute("get points account", statement).mappings().first()
        if row is None:
            raise NotFoundError(f"no points account for customer {customer_id!r}")
        entries = (
            self._session.execute(
                "read points ledger",
                sa.select(points_entries.c.payload)
                .where(points_entries.c.customer_id == customer_id)
                .order_by(points_entries.c.position),
            )
            .mappings()
            .all()
        )
        return _account(row, entries)

    def add(self, account: PointsAccount) -> PointsAccount:
        try:
            self._session.execute(
                "add points account",
                points_accounts.insert(),
                {
                    "customer_id": account.customer_id,
                    "version": 1,
                    "entry_count": len(account.entries),
                },
            )
        except DuplicateError:
            raise DuplicateError(
                f"customer {account.customer_id!r} already has a points account"
            ) from None
        rows = _entry_rows(account, 0)
        if rows:
            self._session.execute("write points ledger", points_entries.insert(), rows)
        return attrs.evolve(account, version=1)

    def _stored_count(self, account: PointsAccount) -> int:
        # Read the version first so a stale account fails with ConflictError, not with a
        # complaint about its entries; the versioned update in _bump still guards the race.
        row = self._session.execute(
            "read points account",
            sa.select(points_accounts.c.version, points_accounts.c.entry_count).where(
                points_accounts.c.customer_id == account.customer_id
            ),
        ).first()
        if row is None:
            raise NotFoundError(
                f"no points account for customer {account.customer_id!r}; add it first"
            )
        if row.version != account.version:
            raise ConflictError(
                f"the points account of {account.customer_id!r} is at version {row.version}, "
                f"not {account.version}: reload and retry"
            )
        return int(row.entry_count)

    def _bump(self, account: PointsAccount) -> None:
        update_versioned(
            self._session,
            points_accounts,
            points_accounts.c.customer_id == account.customer_id,
            {"version": account.version + 1, "entry_count": len(account.entries)},
            version=account.version,
            what="points account",
            ident=account.customer_id,
        )

    def save(self, account: PointsAccount) -> PointsAccount:
        count = self._stored_count(account)
        if len(account.entries) < count:
            raise ValidationError(
                f"the ledger is append-only: {count} entries are stored",
                field="entries",
                value=len(account.entries),
            )
        self._bump(account)
        rows = _entry_rows(account, count)
        if rows:
            self._session.execute("append to points ledger", points_entries.insert(), rows)
        return attrs.evolve(account, version=account.version + 1)

    def rewrite(self, account: PointsAccount) -> PointsAccount:
        self._stored_count(account)
        stored = self._session.execute(
            "read points ledger keys",
            sa.select(points_entries.c.kind, points_entries.c.key)
            .where(points_entries.c.customer_id == account.customer_id)
            .order_by(points_entries.c.position),
        ).all()
        if [tuple(row) for row in stored] != [(entry.kind, entry.key) for entry in account.entries]:
            raise ValidationError(
                "a rewrite keeps every entry's kind and key, in order",
                field="entries",
                value=account.customer_id,
            )
        self._bump(account)
        statement = (
            points_entries.update()
            .where(
                points_entries.c.customer_id == sa.bindparam("match_customer"),
                points_entries.c.position == sa.bindparam("match_position"),
            )
            .values(payload=sa.bindparam("payload"))
        )
        rows = [
            {
                "match_customer": account.customer_id,
                "match_position": position,
                "payload": entry.to_dict(),
            }
            for position, entry in enumerate(account.entries)
        ]
        if rows:
            self._session.execute("rewrite points ledger", statement, rows)
        return attrs.evolve(account, version=account.version + 1)

    def customer_ids(self, *, after: str | None = None, limit: int = 100) -> Sequence[str]:
        statement = (
            sa.select(points_accounts.c.customer_id)
            .order_by(points_accounts.c.customer_id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(points_accounts.c.customer_id > after)
        return list(self._session.execute("list points accounts", statement).scalars())
