"""An in-memory store: the reference adapter, for tests, examples and small tools.

Units of work are serialised by a lock held from ``__enter__`` to ``__exit__``, as SQLite's
``BEGIN IMMEDIATE`` does, and changes are staged until `commit`, so a rolled-back unit of work
leaves nothing behind.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from types import TracebackType

import attrs
import pendulum
from typing_extensions import Self

from custrel import _time
from custrel.customers import Customer, normalize_email
from custrel.errors import ConflictError, DuplicateError, NotFoundError, StorageError
from custrel.events import DomainEvent
from custrel.storage._bulk import latest_by_email
from custrel.storage.protocols import OutboxEntry, UpsertResult

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class _State:
    """Committed data of a `MemoryStore`."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.emails: dict[str, str] = {}
        self.outbox: list[OutboxEntry] = []


class MemoryStore:
    """Keeps everything in process memory; thread-safe; lost when the process ends."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work on this store."""
        return MemoryUnitOfWork(self._state, self._lock)

    def __repr__(self) -> str:
        return f"MemoryStore(customers={len(self._state.customers)})"


class _MemoryCustomers:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _current(self, customer_id: str) -> Customer | None:
        staged = self._uow.staged_customers
        if customer_id in staged:
            return staged[customer_id]
        return self._uow.state.customers.get(customer_id)

    def _owner_of(self, email: str) -> str | None:
        staged = self._uow.staged_emails
        return staged[email] if email in staged else self._uow.state.emails.get(email)

    def get(self, customer_id: str) -> Customer:
        self._uow.check_active()
        customer = self._current(customer_id)
        if customer is None:
            raise NotFoundError(f"no customer with id {customer_id!r}")
        return customer

    def _write(self, customer: Customer, previous: Customer | None) -> Customer:
        if customer.email is not None:
            holder = self._owner_of(customer.email)
            if holder is not None and holder != customer.id:
                raise DuplicateError(
                    f"email {customer.email!r} already belongs to customer {holder!r}"
                )
        stored = attrs.evolve(customer, version=customer.version + 1)
        if previous is not None and previous.email is not None:
            self._uow.staged_emails[previous.email] = None
        if stored.email is not None:
            self._uow.staged_emails[stored.email] = stored.id
        self._uow.staged_customers[stored.id] = stored
        return stored

    def add(self, customer: Customer) -> Customer:
        self._uow.check_active()
        if self._current(customer.id) is not None:
            raise DuplicateError(f"a customer with id {customer.id!r} already exists")
        return self._write(attrs.evolve(customer, version=0), None)

    def save(self, customer: Customer) -> Customer:
        self._uow.check_active()
        current = self._current(customer.id)
        if current is None:
            raise NotFoundError(f"no customer with id {customer.id!r}; add it first")
        if current.version != customer.version:
            raise ConflictError(
                f"customer {customer.id!r} is at version {current.version}, "
                f"not {customer.version}: reload and retry"
            )
        return self._write(customer, current)

    def by_email(self, email: str) -> Customer | None:
        self._uow.check_active()
        holder = self._owner_of(normalize_email(email))
        return None if holder is None else self._current(holder)

    def find(
        self, *, owner: str | None = None, after: str | None = None, limit: int = 100
    ) -> Sequence[Customer]:
        self._uow.check_active()
        ids = sorted(set(self._uow.state.customers) | set(self._uow.staged_customers))
        found = []
        for customer_id in ids:
            if after is not None and customer_id <= after:
                continue
            customer = self._current(customer_id)
            if customer is not None and (owner is None or customer.owner == owner):
                found.append(customer)
                if len(found) >= limit:
                    break
        return found

    def upsert_by_email(self, incoming: Iterable[Customer]) -> UpsertResult:
        self._uow.check_active()
        result = UpsertResult()
        for row in latest_by_email(incoming):
            assert row.email is not None  # noqa: S101 - latest_by_email guarantees it
            holder = self._owner_of(row.email)
            if holder is None:
                self.add(row)
                result += UpsertResult(created=1)
                continue
            stored = self._current(holder)
            assert stored is not None  # noqa: S101 - the email index points at stored customers
            refreshed = stored.refreshed_by(row)
            if refreshed == stored:
                result += UpsertResult(unchanged=1)
            else:
                self._write(refreshed, stored)
                result += UpsertResult(updated=1)
        return result


class _MemoryOutbox:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, events: Iterable[DomainEvent]) -> None:
        self._uow.check_active()
        self._uow.staged_events.extend(events)

    def _entries(self) -> list[OutboxEntry]:
        dispatched = self._uow.staged_dispatches
        return [
            attrs.evolve(entry, dispatched_at=dispatched[entry.position])
            if entry.position in dispatched
            else entry
            for entry in self._uow.state.outbox
        ]

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        self._uow.check_active()
        return [entry for entry in self._entries() if entry.dispatched_at is None][:limit]

    def mark_dispatched(self, positions: Iterable[int], *, at: pendulum.DateTime) -> None:
        self._uow.check_active()
        at = _time.instant(at, "at")
        already = {entry.position for entry in self._entries() if entry.dispatched_at is not None}
        for position in positions:
            if position not in already:
                self._uow.staged_dispatches.setdefault(position, at)

    def for_customer(self, customer_id: str) -> Sequence[OutboxEntry]:
        self._uow.check_active()
        return [entry for entry in self._entries() if entry.event.customer_id == customer_id]


class MemoryUnitOfWork:
    """A unit of work on a `MemoryStore`; see `custrel.storage.protocols.UnitOfWork`."""

    def __init__(self, state: _State, lock: threading.RLock) -> None:
        self.state = state
        self._lock = lock
        self._active = False
        self.staged_customers: dict[str, Customer] = {}
        self.staged_emails: dict[str, str | None] = {}
        self.staged_events: list[DomainEvent] = []
        self.staged_dispatches: dict[int, pendulum.DateTime] = {}
        self.customers = _MemoryCustomers(self)
        self.outbox = _MemoryOutbox(self)

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
        state = self.state
        state.customers.update(self.staged_customers)
        for email, holder in self.staged_emails.items():
            if holder is None:
                state.emails.pop(email, None)
            else:
                state.emails[email] = holder
        by_position = {entry.position: index for index, entry in enumerate(state.outbox)}
        for position, at in self.staged_dispatches.items():
            index = by_position.get(position)
            if index is not None:
                state.outbox[index] = attrs.evolve(state.outbox[index], dispatched_at=at)
        next_position = len(state.outbox) + 1
        state.outbox.extend(
            OutboxEntry(position, event)
            for position, event in enumerate(self.staged_events, start=next_position)
        )
        self.rollback()

    def rollback(self) -> None:
        """Discard staged changes."""
        self.staged_customers.clear()
        self.staged_emails.clear()
        self.staged_events.clear()
        self.staged_dispatches.clear()
