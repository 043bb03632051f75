"""An in-memory store: the reference adapter, for tests, examples and small tools.

Units of work are serialised by a lock held from ``__enter__`` to ``__exit__``, as SQLite's
``BEGIN IMMEDIATE`` does, and changes are staged until `commit`, so a rolled-back unit of work
leaves nothing behind. Each repository lives in its own module under ``_memory/`` and keeps its
committed data in a slot of the store's state.
"""

from __future__ import annotations

import threading
from types import TracebackType

from typing_extensions import Self

from custrel.errors import StorageError
from custrel.storage._memory._staging import MemoryPart, MemoryState
from custrel.storage._memory.cases import MemoryCases
from custrel.storage._memory.customers import MemoryCustomers
from custrel.storage._memory.interactions import MemoryInteractions
from custrel.storage._memory.lifecycle import (
    MemoryJourneys,
    MemoryReferrals,
    MemoryRelationships,
)
from custrel.storage._memory.loyalty import MemoryLoyalty
from custrel.storage._memory.outbox import MemoryOutbox

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryStore:
    """Keeps everything in process memory; thread-safe; lost when the process ends."""

    def __init__(self) -> None:
        self._state = MemoryState()
        self._lock = threading.RLock()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work on this store."""
        return MemoryUnitOfWork(self._state, self._lock)

    def __repr__(self) -> str:
        return "MemoryStore()"


class MemoryUnitOfWork:
    """A unit of work on a `MemoryStore`; see `custrel.storage.protocols.UnitOfWork`."""

    def __init__(self, state: MemoryState, lock: threading.RLock) -> None:
        self._state = state
        self._lock = lock
        self._active = False
        self.customers = MemoryCustomers(self)
        self.outbox = MemoryOutbox(self)
        self.cases = MemoryCases(self)
        self.loyalty = MemoryLoyalty(self)
        self.relationships = MemoryRelationships(self)
        self.journeys = MemoryJourneys(self)
        self.referrals = MemoryReferrals(self)
        self.interactions = MemoryInteractions(self)
        self._parts: tuple[MemoryPart, ...] = (
            self.customers,
            self.outbox,
            self.cases,
            self.loyalty,
            self.relationships,
            self.journeys,
            self.referrals,
            self.interactions,
        )

    @property
    def state(self) -> MemoryState:
        """The store's committed data."""
        return self._state

    def check_active(self) -> None:
        """Refuse work outside the ``with`` block."""
        if not self._active:
            raise StorageError("use the unit of work inside a 'with' block")

    def __enter__(self) -> Self:
        self._lock.acquire()
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._active = False
            self._lock.release()

    def commit(self) -> None:
        """Apply staged changes to the store."""
        self.check_active()
        for part in self._parts:
            part.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        for part in self._parts:
            part.rollback()
