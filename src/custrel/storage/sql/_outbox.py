"""The outbox on SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pendulum
import sqlalchemy as sa

from custrel import _time
from custrel.events import DomainEvent
from custrel.storage.protocols import OutboxEntry
from custrel.storage.sql._mapping import entry_from_row, event_row
from custrel.storage.sql._session import SqlSession
from custrel.storage.sql._tables import outbox

__all__ = ["SqlOutbox"]


class SqlOutbox:
    """`OutboxRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def add(self, events: Iterable[DomainEvent]) -> None:
        rows = [event_row(event) for event in events]
        if rows:
            self._session.execute("write outbox", outbox.insert(), rows)

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        statement = (
            sa.select(outbox)
            .where(outbox.c.dispatched_at.is_(None))
            .order_by(outbox.c.position)
            .limit(limit)
        )
        return [
            entry_from_row(row)
            for row in self._session.execute("read outbox", statement).mappings()
        ]

    def mark_dispatched(self, positions: Iterable[int], *, at: pendulum.DateTime) -> None:
        at = _time.instant(at, "at")
        wanted = list(positions)
        if wanted:
            statement = (
                outbox.update()
                .where(outbox.c.position.in_(wanted), outbox.c.dispatched_at.is_(None))
                .values(dispatched_at=at.in_timezone("UTC"))
            )
            self._session.execute("mark outbox dispatched", statement)

    def for_customer(self, customer_id: str) -> Sequence[OutboxEntry]:
        statement = (
            sa.select(outbox).where(outbox.c.customer_id == customer_id).order_by(outbox.c.position)
        )
        return [
            entry_from_row(row)
            for row in self._session.execute("read outbox", statement).mappings()
        ]
