"""Customers in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from custrel.customers import Customer, normalize_email
from custrel.errors import ConflictError, DuplicateError, NotFoundError
from custrel.storage._bulk import latest_by_email
from custrel.storage._memory._staging import MemorySession, StagedMap
from custrel.storage.protocols import UpsertResult

__all__ = ["MemoryCustomers"]


class _Committed:
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.emails: dict[str, str] = {}


class MemoryCustomers:
    """`CustomerRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        committed = session.state.slot("customers", _Committed)
        self._customers = StagedMap(committed.customers)
        self._emails = StagedMap(committed.emails)

    def commit(self) -> None:
        """Apply staged changes."""
        self._customers.commit()
        self._emails.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._customers.rollback()
        self._emails.rollback()

    def get(self, customer_id: str) -> Customer:
        self._session.check_active()
        customer = self._customers.get(customer_id)
        if customer is None:
            raise NotFoundError(f"no customer with id {customer_id!r}")
        return customer

    def _write(self, customer: Customer, previous: Customer | None) -> Customer:
        if customer.email is not None:
            holder = self._emails.get(customer.email)
            if holder is not None and holder != customer.id:
                raise DuplicateError(
                    f"email {customer.email!r} already belongs to customer {holder!r}"
                )
        stored = attrs.evolve(customer, version=customer.version + 1)
        if previous is not None and previous.email is not None:
            self._emails.delete(previous.email)
        if stored.email is not None:
            self._emails.put(stored.email, stored.id)
        self._customers.put(stored.id, stored)
        return stored

    def add(self, customer: Customer) -> Customer:
        self._session.check_active()
        if self._customers.get(customer.id) is not None:
            raise DuplicateError(f"a customer with id {customer.id!r} already exists")
        return self._write(attrs.evolve(customer, version=0), None)

    def save(self, customer: Customer) -> Customer:
        self._session.check_active()
        current = self._customers.get(customer.id)
        if current is None:
            raise NotFoundError(f"no customer with id {customer.id!r}; add it first")
        if current.version != customer.version:
            raise ConflictError(
                f"customer {customer.id!r} is at version {current.version}, "
                f"not {customer.version}: reload and retry"
            )
        return self._write(customer, current)

    def by_email(self, email: str) -> Customer | None:
        self._session.check_active()
        holder = self._emails.get(normalize_email(email))
        return None if holder is None else self._customers.get(holder)

    def find(
        self, *, owner: str | None = None, after: str | None = None, limit: int = 100
    ) -> Sequence[Customer]:
        self._session.check_active()
        found = []
        for customer_id in sorted(self._customers.keys()):
            if after is not None and customer_id <= after:
                continue
            customer = self._customers.get(customer_id)
            if customer is not None and (owner is None or customer.owner == owner):
                found.append(customer)
                if len(found) >= limit:
                    break
        return found

    def upsert_by_email(self, incoming: Iterable[Customer]) -> UpsertResult:
        self._session.check_active()
        result = UpsertResult()
        for row in latest_by_email(incoming):
            assert row.email is not None  # noqa: S101 - latest_by_email guarantees it
            holder = self._emails.get(row.email)
            if holder is None:
                self.add(row)
                result += UpsertResult(created=1)
                continue
            stored = self._customers.get(holder)
            assert stored is not None  # noqa: S101 - the email index points at stored customers
            refreshed = stored.refreshed_by(row)
            if refreshed == stored:
                result += UpsertResult(unchanged=1)
            else:
                self._write(refreshed, stored)
                result += UpsertResult(updated=1)
        return result
