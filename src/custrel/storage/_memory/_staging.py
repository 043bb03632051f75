"""Staging for the in-memory adapter: committed data, and what one unit of work changed on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import attrs

from custrel.errors import ConflictError, DuplicateError, NotFoundError

__all__ = [
    "MemoryPart",
    "MemorySession",
    "MemoryState",
    "StagedMap",
    "Versioned",
    "add_versioned",
    "save_versioned",
]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
A = TypeVar("A", bound="Versioned")

_ABSENT: Any = object()


class MemoryState:
    """The committed data of a `MemoryStore`: one slot per repository, made on first use."""

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}

    def slot(self, name: str, factory: Callable[[], T]) -> T:
        """Return the committed data called *name*, made by *factory* the first time."""
        if name not in self._slots:
            self._slots[name] = factory()
        value: T = self._slots[name]
        return value


class MemoryPart(Protocol):
    """What a memory unit of work asks of each of its repositories."""

    def commit(self) -> None:
        """Apply the staged changes to the committed data."""
        ...

    def rollback(self) -> None:
        """Forget the staged changes."""
        ...


class MemorySession(Protocol):
    """What a repository sees of its memory unit of work."""

    @property
    def state(self) -> MemoryState:
        """The store's committed data."""
        ...

    def check_active(self) -> None:
        """Raise `StorageError` outside the ``with`` block."""
        ...


class StagedMap(Generic[K, V]):
    """A committed dict seen through the changes one unit of work staged on top of it."""

    def __init__(self, committed: dict[K, V]) -> None:
        self.committed = committed
        self._staged: dict[K, V] = {}
        self._deleted: set[K] = set()

    def get(self, key: K) -> V | None:
        """The value under *key*, staged or committed, or None."""
        if key in self._staged:
            return self._staged[key]
        if key in self._deleted:
            return None
        return self.committed.get(key)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def put(self, key: K, value: V) -> None:
        """Stage *value* under *key*."""
        self._deleted.discard(key)
        self._staged[key] = value

    def delete(self, key: K) -> None:
        """Stage the removal of *key*."""
        self._staged.pop(key, None)
        self._deleted.add(key)

    def keys(self) -> set[K]:
        """Every key with a value, staged or committed."""
        return (set(self.committed) - self._deleted) | set(self._staged)

    def items(self) -> Iterator[tuple[K, V]]:
        """Every (key, value), staged values winning, in no particular order."""
        for key in self.keys():
            value = self.get(key)
            if value is not None:
                yield key, value

    def values(self) -> Iterator[V]:
        """Every value, staged values winning, in no particular order."""
        for key in self.keys():
            value = self.get(key)
            if value is not None:
                yield value

    def commit(self) -> None:
        """Apply the staged changes to the committed dict."""
        for key in self._deleted:
            self.committed.pop(key, None)
        self.committed.update(self._staged)
        self.rollback()

    def rollback(self) -> None:
        """Forget the staged changes."""
        self._staged.clear()
        self._deleted.clear()


class Versioned(Protocol):
    """An aggregate with a storage version."""

    @property
    def version(self) -> int:
        """The version it was stored at (0 before it was stored)."""
        ...


def add_versioned(table: StagedMap[str, A], key: str, value: A, what: str) -> A:
    """Stage a new aggregate at version 1 and return it; `DuplicateError` if *key* is taken."""
    if table.get(key) is not None:
        raise DuplicateError(f"a {what} with id {key!r} already exists")
    stored = attrs.evolve(value, version=1)  # type: ignore[misc]
    table.put(key, stored)
    return stored


def save_versioned(table: StagedMap[str, A], key: str, value: A, what: str) -> A:
    """Stage a changed aggregate at version + 1 and return it.

    Raises:
        NotFoundError: Nothing is stored under *key*.
        ConflictError: The stored version is not ``value.version``.
    """
    current = table.get(key)
    if current is None:
        raise NotFoundError(f"no {what} with id {key!r}; add it first")
    if current.version != value.version:
        raise ConflictError(
            f"{what} {key!r} is at version {current.version}, not {value.version}: reload and retry"
        )
    stored = attrs.evolve(value, version=value.version + 1)  # type: ignore[misc]
    table.put(key, stored)
    return stored
