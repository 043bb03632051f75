"""The outbox in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import pendulum

from custrel import _time
from custrel.events import DomainEvent
from custrel.storage._memory._staging import MemorySession
from custrel.storage.protocols import OutboxEntry

__all__ = ["MemoryOutbox"]


class MemoryOutbox:
    """`OutboxRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._entries: list[OutboxEntry] = session.state.slot("outbox", list)
        self._staged_events: list[DomainEvent] = []
        self._staged_dispatches: dict[int, pendulum.DateTime] = {}

    def commit(self) -> None:
        """Apply staged events and dispatch marks."""
        entries = self._entries
        by_position = {entry.position: index for index, entry in enumerate(entries)}
        for position, at in self._staged_dispatches.items():
            index = by_position.get(position)
            if index is not None:
                entries[index] = attrs.evolve(entries[index], dispatched_at=at)
        next_position = len(entries) + 1
        entries.extend(
            OutboxEntry(position, event)
            for position, event in enumerate(self._staged_events, start=next_position)
        )
        self.rollback()

    def rollback(self) -> None:
        """Discard staged events and dispatch marks."""
        self._staged_events.clear()
        self._staged_dispatches.clear()

    def add(self, events: Iterable[DomainEvent]) -> None:
        self._session.check_active()
        self._staged_events.extend(events)

    def _current(self) -> list[OutboxEntry]:
        dispatched = self._staged_dispatches
        return [
            attrs.evolve(entry, dispatched_at=dispatched[entry.position])
            if entry.position in dispatched
            else entry
            for entry in self._entries
        ]

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        self._session.check_active()
        return [entry for entry in self._current() if entry.dispatched_at is None][:limit]

    def mark_dispatched(self, positions: Iterable[int], *, at: pendulum.DateTime) -> None:
        self._session.check_active()
        at = _time.instant(at, "at")
        already = {entry.position for entry in self._current() if entry.dispatched_at is not None}
        for position in positions:
            if position not in already:
                self._staged_dispatches.setdefault(position, at)

    def for_customer(self, customer_id: str) -> Sequence[OutboxEntry]:
        self._session.check_active()
        return [entry for entry in self._current() if entry.event.customer_id == customer_id]
