"""Customers on SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import sqlalchemy as sa

from custrel.customers import Customer, normalize_email
from custrel.errors import DuplicateError, NotFoundError
from custrel.storage.protocols import UpsertResult
from custrel.storage.sql._errors import translated
from custrel.storage.sql._mapping import customer_from_row, customer_row
from custrel.storage.sql._session import SqlSession, update_versioned
from custrel.storage.sql._tables import customers
from custrel.storage.sql._upsert import upsert_by_email

__all__ = ["SqlCustomers"]


class SqlCustomers:
    """`CustomerRepository` on a `SqlStore`."""

    def __init__(self, session: SqlSession) -> None:
        self._session = session

    def get(self, customer_id: str) -> Customer:
        row = (
            self._session.execute(
                "get customer", sa.select(customers).where(customers.c.customer_id == customer_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no customer with id {customer_id!r}")
        return customer_from_row(row)

    def add(self, customer: Customer) -> Customer:
        try:
            self._session.execute("add customer", customers.insert(), customer_row(customer, 1))
        except DuplicateError as error:
            raise _duplicate(customer, error) from error
        return attrs.evolve(customer, version=1)

    def save(self, customer: Customer) -> Customer:
        version = customer.version + 1
        try:
            update_versioned(
                self._session,
                customers,
                customers.c.customer_id == customer.id,
                customer_row(customer, version),
                version=customer.version,
                what="customer",
                ident=customer.id,
            )
        except DuplicateError as error:
            raise _duplicate(customer, error) from error
        return attrs.evolve(customer, version=version)

    def by_email(self, email: str) -> Customer | None:
        row = (
            self._session.execute(
                "find customer by email",
                sa.select(customers).where(customers.c.email == normalize_email(email)),
            )
            .mappings()
            .first()
        )
        return None if row is None else customer_from_row(row)

    def find(
        self, *, owner: str | None = None, after: str | None = None, limit: int = 100
    ) -> Sequence[Customer]:
        statement = sa.select(customers).order_by(customers.c.customer_id).limit(limit)
        if owner is not None:
            statement = statement.where(customers.c.owner == owner)
        if after is not None:
            statement = statement.where(customers.c.customer_id > after)
        rows = self._session.execute("find customers", statement).mappings()
        return [customer_from_row(row) for row in rows]

    def upsert_by_email(self, incoming: Iterable[Customer]) -> UpsertResult:
        with translated("import customers"):
            return upsert_by_email(self._session.connection, list(incoming))


def _duplicate(customer: Customer, error: DuplicateError) -> DuplicateError:
    if "email" in str(error).lower():
        return DuplicateError(f"email {customer.email!r} already belongs to another customer")
    return DuplicateError(f"a customer with id {customer.id!r} already exists")
