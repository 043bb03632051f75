"""The storage ports: what custrel needs from a database, as `typing.Protocol`s.

Adapters satisfy these structurally; they never inherit from them. Each method's docstring is
the contract that `custrel.testing.contract` checks.

Versions: a `Customer` read from a store carries the version it was stored at. ``add`` stores
version 1; ``save`` succeeds only if the stored version still equals the customer's, and stores
version + 1. Both return the customer as stored, with its new version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol

import attrs
import pendulum
from typing_extensions import Self

from custrel.customers import Customer
from custrel.events import DomainEvent
from custrel.storage._ports.cases import CaseRepository
from custrel.storage._ports.interactions import InteractionRepository
from custrel.storage._ports.lifecycle import (
    JourneyRepository,
    ReferralRepository,
    RelationshipRepository,
)
from custrel.storage._ports.loyalty import LoyaltyRepository

__all__ = [
    "CaseRepository",
    "CustomerRepository",
    "InteractionRepository",
    "JourneyRepository",
    "LoyaltyRepository",
    "OutboxEntry",
    "OutboxRepository",
    "ReferralRepository",
    "RelationshipRepository",
    "Store",
    "UnitOfWork",
    "UpsertResult",
]


@attrs.frozen
class UpsertResult:
    """What a bulk upsert did: rows inserted, rows updated, rows already up to date."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@attrs.frozen
class OutboxEntry:
    """An event in the outbox: its position (the order it was written in) and dispatch state."""

    position: int
    event: DomainEvent
    dispatched_at: pendulum.DateTime | None = None


class CustomerRepository(Protocol):
    """Customers, keyed by the host's id, with the normalised email as a unique natural key."""

    def get(self, customer_id: str) -> Customer:
        """Return the customer stored under *customer_id*.

        Raises:
            NotFoundError: No customer has that id.
        """
        ...

    def add(self, customer: Customer) -> Customer:
        """Store a new customer at version 1 and return it as stored.

        Raises:
            DuplicateError: The id, or the email, already belongs to a stored customer.
        """
        ...

    def save(self, customer: Customer) -> Customer:
        """Store a changed customer and return it at its new version.

        Raises:
            NotFoundError: The customer was never added.
            ConflictError: The stored version is not ``customer.version``: someone saved first.
            DuplicateError: The new email belongs to another customer.
        """
        ...

    def by_email(self, email: str) -> Customer | None:
        """Return the customer whose normalised email is *email* (normalised first), or None."""
        ...

    def find(
        self, *, owner: str | None = None, after: str | None = None, limit: int = 100
    ) -> Sequence[Customer]:
        """Return up to *limit* customers ordered by id, with id greater than *after*.

        With *owner*, only customers whose dedicated owner is that staff id. Paging with the last
        id of one page as the next *after* visits every customer once.
        """
        ...

    def upsert_by_email(self, incoming: Iterable[Customer]) -> UpsertResult:
        """Insert or refresh many customers at once, keyed by normalised email (bulk import).

        For each incoming customer (every one must have an email): if no stored customer has its
        email, it is inserted as given, at version 1. Otherwise the stored customer keeps its id,
        histories, owner and tags; its name is replaced, and its phone, address, time zone and
        locale are replaced where the incoming value is not None; its version is bumped only if
        something changed. A later row with the same email in one call wins. Running the same
        import twice changes nothing the second time; concurrent imports of one email leave
        exactly one customer.

        Raises:
            ValidationError: A customer has no email.
            DuplicateError: An incoming id is already used by a customer with another email.
        """
        ...


class OutboxRepository(Protocol):
    """Domain events waiting to be published, written in the same transaction as the change."""

    def add(self, events: Iterable[DomainEvent]) -> None:
        """Append *events*, in order, at the end of the outbox."""
        ...

    def pending(self, *, limit: int = 100) -> Sequence[OutboxEntry]:
        """Return up to *limit* undispatched entries, oldest position first."""
        ...

    def mark_dispatched(self, positions: Iterable[int], *, at: pendulum.DateTime) -> None:
        """Mark the entries at *positions* as dispatched at *at*.

        Unknown positions are ignored, and an entry already dispatched keeps its first time.
        """
        ...

    def for_customer(self, customer_id: str) -> Sequence[OutboxEntry]:
        """Return every entry about *customer_id*, dispatched or not, in position order."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work across repositories.

    Use it as a context manager; nothing is stored until `commit` runs, and leaving the block
    without committing (normally or by an exception) rolls everything back, outbox included.
    After a commit the unit of work may be used for more work, committed again.
    """

    @property
    def customers(self) -> CustomerRepository:
        """The customers in this unit of work."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The outbox of this unit of work."""
        ...

    @property
    def cases(self) -> CaseRepository:
        """The service cases in this unit of work."""
        ...

    @property
    def loyalty(self) -> LoyaltyRepository:
        """The loyalty points ledgers in this unit of work."""
        ...

    @property
    def relationships(self) -> RelationshipRepository:
        """The customer relationships (stages) in this unit of work."""
        ...

    @property
    def journeys(self) -> JourneyRepository:
        """The journeys (one per sale, with its promises) in this unit of work."""
        ...

    @property
    def referrals(self) -> ReferralRepository:
        """The referrals in this unit of work."""
        ...

    @property
    def interactions(self) -> InteractionRepository:
        """The contact log in this unit of work."""
        ...

    def commit(self) -> None:
        """Make everything done so far durable and visible to others."""
        ...

    def rollback(self) -> None:
        """Discard everything done since the last commit."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class Store(Protocol):
    """A storage backend: a factory of units of work."""

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """Return a new unit of work, to be used in a ``with`` block."""
        ...
