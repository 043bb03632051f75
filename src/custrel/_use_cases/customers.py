"""Use cases for customers: registration, contact points, consent, owner, merge, GDPR."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from custrel._use_cases._base import UseCases
from custrel.customers import (
    KEEP,
    Channel,
    ConsentStatus,
    Customer,
    Keep,
    PersonName,
    PostalAddress,
    Purpose,
    SuppressionReason,
)
from custrel.events import Change
from custrel.storage.protocols import UnitOfWork, UpsertResult

__all__ = ["CustomerUseCases", "survivor"]

_MAX_MERGE_HOPS = 32


class CustomerUseCases(UseCases):
    """The `Relations` use cases for customers."""

    def _change(
        self, customer_id: str, operation: Callable[[Customer], Change[Customer]]
    ) -> Customer:
        def work(uow: UnitOfWork) -> Customer:
            change = operation(uow.customers.get(customer_id))
            if not change.events:
                return change.value
            saved = uow.customers.save(change.value)
            uow.outbox.add(change.events)
            return saved

        return self._run(work)

    def register(
        self,
        id: str,  # noqa: A002 - the natural name, as in Customer.register
        name: PersonName,
        *,
        email: str | None = None,
        phone: str | None = None,
        address: PostalAddress | None = None,
        timezone: str | None = None,
        locale: str | None = None,
        owner: str | None = None,
        tags: Iterable[str] = (),
    ) -> Customer:
        """Register a new customer and return it as stored.

        Raises:
            ValidationError: A field is malformed.
            DuplicateError: The id or the email is already taken.
        """
        customer = Customer.register(
            id=id,
            name=name,
            at=self.clock.now(),
            email=email,
            phone=phone,
            address=address,
            timezone=timezone,
            locale=locale,
            owner=owner,
            tags=tags,
        )

        def work(uow: UnitOfWork) -> Customer:
            stored = uow.customers.add(customer)
            uow.outbox.add([customer.registration_event()])
            return stored

        return self._run(work)

    def get(self, customer_id: str) -> Customer:
        """Return a customer; for an id merged into another, the customer it was merged into.

        Raises:
            NotFoundError: No customer has that id.
        """
        with self.store.unit_of_work() as uow:
            return survivor(uow, customer_id)

    def find_by_email(self, email: str) -> Customer | None:
        """Return the customer with this email (normalised first), or None."""
        with self.store.unit_of_work() as uow:
            return uow.customers.by_email(email)

    def update_contact(
        self,
        customer_id: str,
        *,
        email: str | Keep | None = KEEP,
        phone: str | Keep | None = KEEP,
        address: PostalAddress | Keep | None = KEEP,
    ) -> Customer:
        """Change contact points; `KEEP` leaves one as it is and None removes it."""
        at = self.clock.now()
        return self._change(
            customer_id,
            lambda customer: customer.update_contact(
                at=at, email=email, phone=phone, address=address
            ),
        )

    def update_profile(
        self,
        customer_id: str,
        *,
        name: PersonName | Keep = KEEP,
        timezone: str | Keep | None = KEEP,
        locale: str | Keep | None = KEEP,
    ) -> Customer:
        """Change name, time zone or locale; `KEEP` leaves a field as it is."""
        at = self.clock.now()
        return self._change(
            customer_id,
            lambda customer: customer.update_profile(
                at=at, name=name, timezone=timezone, locale=locale
            ),
        )

    def assign_owner(self, customer_id: str, owner: str | None, *, reason: str = "") -> Customer:
        """Make staff member *owner* the customer's dedicated owner (None: nobody).

        The customer's open journeys are handed over to the new owner in the same unit of work
        (or to whoever covers while the owner is absent), each hand-over recorded.
        """
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Customer:
            change = uow.customers.get(customer_id).assign_owner(owner, at=at, reason=reason)
            if not change.events:
                return change.value
            saved = uow.customers.save(change.value)
            uow.outbox.add(change.events)
            uow.outbox.add(self._owner_assigned(uow, saved.id, reason or "owner changed", at))
            return saved

        return self._run(work)

    def record_consent(
        self,
        customer_id: str,
        channel: Channel | str,
        purpose: Purpose | str,
        status: ConsentStatus | str,
        *,
        source: str,
    ) -> Customer:
        """Record the customer's consent for a channel and purpose, and where it came from."""
        at = self.clock.now()
        return self._change(
            customer_id,
            lambda customer: customer.record_consent(
                channel, purpose, status, at=at, source=source
            ),
        )

    def suppress(
        self,
        customer_id: str,
        reason: SuppressionReason | str,
        *,
        channel: Channel | str | None = None,
        note: str = "",
    ) -> Customer:
        """Forbid contact on a channel (or all) for a reason such as a hard bounce."""
        at = self.clock.now()
        return self._change(
            customer_id,
            lambda customer: customer.suppress(reason, at=at, channel=channel, note=note),
        )

    def lift_suppression(
        self,
        customer_id: str,
        reason: SuppressionReason | str,
        *,
        channel: Channel | str | None = None,
        note: str = "",
    ) -> Customer:
        """Lift a suppression put in place earlier."""
        at = self.clock.now()
        return self._change(
            customer_id,
            lambda customer: customer.lift_suppression(reason, at=at, channel=channel, note=note),
        )

    def tag(self, customer_id: str, *tags: str) -> Customer:
        """Add tags to a customer."""
        at = self.clock.now()
        return self._change(customer_id, lambda customer: customer.tag(*tags, at=at))

    def untag(self, customer_id: str, *tags: str) -> Customer:
        """Remove tags from a customer."""
        at = self.clock.now()
        return self._change(customer_id, lambda customer: customer.untag(*tags, at=at))

    def merge(self, survivor_id: str, duplicate_id: str) -> Customer:
        """Merge the duplicate into the survivor (see `Customer.merge`) and return the survivor.

        The duplicate is kept as a tombstone pointing at the survivor, so `get` on its id
        finds the survivor; a ``customer.merged`` event announces the move.
        """
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Customer:
            survivor = uow.customers.get(survivor_id)
            duplicate = uow.customers.get(duplicate_id)
            change = survivor.merge(duplicate, at=at)
            uow.customers.save(change.value.tombstone)  # first, so its email is free
            saved = uow.customers.save(change.value.survivor)
            uow.outbox.add(change.events)
            uow.outbox.add(self._customer_merged(uow, saved.id, duplicate.id, at))
            return saved

        return self._run(work)

    def export(self, customer_id: str) -> dict[str, Any]:
        """Everything stored about a customer, as a JSON-safe dict (GDPR access request).

        For an id merged into another, the export is the survivor's, which holds its data.

        Holds the customer record, the tombstones of customers merged into it, and every event
        about any of them in the outbox, in the order they were written.
        """
        with self.store.unit_of_work() as uow:
            customer = survivor(uow, customer_id)
            merged = [uow.customers.get(merged_id) for merged_id in customer.merged_ids]
            entries = [
                entry
                for record_id in (customer.id, *customer.merged_ids)
                for entry in uow.outbox.for_customer(record_id)
            ]
            return {
                "customer": customer.to_dict(),
                "merged": [record.to_dict() for record in merged],
                **self._customer_exported(uow, (customer.id, *customer.merged_ids)),
                "events": [
                    entry.event.to_dict()
                    for entry in sorted(entries, key=lambda entry: entry.position)
                ],
            }

    def erase(self, customer_id: str) -> Customer:
        """Erase a customer's personal data (GDPR erasure), keeping non-personal records.

        The customer's records in other areas (cases, contact log, journeys, ...) keep their
        facts but lose their free text and personal details.
        """
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Customer:
            change = uow.customers.get(customer_id).erase(at=at)
            if not change.events:
                return change.value
            saved = uow.customers.save(change.value)
            uow.outbox.add(change.events)
            uow.outbox.add(self._customer_erased(uow, saved.id, at))
            return saved

        return self._run(work)

    def import_customers(self, customers: Iterable[Customer]) -> UpsertResult:
        """Bulk-load customers keyed by email in one unit of work (see ``upsert_by_email``).

        Writes no per-row events: a bulk load is a migration, not a stream of business facts.
        """
        rows = list(customers)
        return self._run(lambda uow: uow.customers.upsert_by_email(rows))


def survivor(uow: UnitOfWork, customer_id: str) -> Customer:
    """The customer *customer_id* is, following merges to the survivor."""
    customer = uow.customers.get(customer_id)
    for _ in range(_MAX_MERGE_HOPS):
        if customer.merged_into is None:
            break
        customer = uow.customers.get(customer.merged_into)
    return customer
