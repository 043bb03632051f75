"""The contact log in memory."""

from __future__ import annotations

from custrel.storage._memory._staging import MemorySession

__all__ = ["MemoryInteractions"]


class MemoryInteractions:
    """`InteractionRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session

    def commit(self) -> None:
        """Apply staged changes."""

    def rollback(self) -> None:
        """Discard staged changes."""
