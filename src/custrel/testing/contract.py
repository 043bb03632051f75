"""The storage contract suite: what every adapter must do, as pytest tests to subclass.

A backend's test module subclasses `StoreContract` (or only the parts it implements) and says
how to make a fresh, empty store::

    from custrel.testing.contract import StoreContract

    class TestMyStore(StoreContract):
        def make_store(self) -> Store:
            return MyStore(...)

custrel runs the same classes against `MemoryStore`, SQLite and PostgreSQL. This module needs
pytest.
"""

from __future__ import annotations

import json

import pytest

from custrel.customers import Customer, PersonName
from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.money import Money
from custrel.storage.protocols import Store
from custrel.testing._contracts._support import (
    T0,
    StoreFixture,
    event,
    plain_customer,
    rich_customer,
    run_threads,
)
from custrel.testing._contracts.cases import CaseRepositoryContract
from custrel.testing._contracts.interactions import InteractionRepositoryContract
from custrel.testing._contracts.lifecycle import LifecycleRepositoryContract
from custrel.testing._contracts.loyalty import LoyaltyRepositoryContract

__all__ = [
    "CaseRepositoryContract",
    "ConcurrencyContract",
    "CustomerRepositoryContract",
    "InteractionRepositoryContract",
    "LifecycleRepositoryContract",
    "LoyaltyRepositoryContract",
    "OutboxContract",
    "StoreContract",
    "StoreFixture",
    "UnitOfWorkContract",
]


def _all_customers(store: Store) -> list[Customer]:
    with store.unit_of_work() as uow:
        found: list[Customer] = []
        after = None
        while page := uow.customers.find(after=after, limit=50):
            found.extend(page)
            after = page[-1].id
        return found


class CustomerRepositoryContract(StoreFixture):
    """``uow.customers``: get, add, save, queries and the bulk upsert."""

    def test_round_trip_keeps_every_field(self, store: Store) -> None:
        """A customer read back equals the one added, field by field, at version 1."""
        original = rich_customer()
        with store.unit_of_work() as uow:
            added = uow.customers.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.customers.get("k-1")
        assert added.version == 1
        assert loaded.version == 1
        assert loaded == original
        expected = original.to_dict() | {"version": 1}
        assert json.loads(json.dumps(loaded.to_dict())) == expected

    def test_get_unknown_id_raises_not_found(self, store: Store) -> None:
        """Getting an id nobody stored raises NotFoundError naming the id."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="nobody"):
            uow.customers.get("nobody")

    def test_adding_an_existing_id_raises_duplicate(self, store: Store) -> None:
        """A second customer with the same id is refused and the first stays as it was."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "first@example.no"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="k-1"):
            uow.customers.add(plain_customer("k-1", "second@example.no"))
        with store.unit_of_work() as uow:
            assert uow.customers.get("k-1").email == "first@example.no"

    def test_adding_a_taken_email_raises_duplicate(self, store: Store) -> None:
        """The normalised email is unique across customers."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "kari@example.no"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="email"):
            uow.customers.add(plain_customer("k-2", " KARI@example.no"))
        assert [customer.id for customer in _all_customers(store)] == ["k-1"]

    def test_save_stores_changes_and_bumps_the_version(self, store: Store) -> None:
        """Saving returns the customer at version + 1, and that is what is read back."""
        with store.unit_of_work() as uow:
            added = uow.customers.add(plain_customer("k-1", "kari@example.no"))
            changed = added.update_contact(at=T0, email="kari@example.com").value
            saved = uow.customers.save(changed)
            uow.commit()
        assert saved.version == 2
        with store.unit_of_work() as uow:
            loaded = uow.customers.get("k-1")
            assert loaded.version == 2
            assert loaded.email == "kari@example.com"
            assert uow.customers.by_email("kari@example.no") is None
            assert uow.customers.by_email("kari@example.com") == loaded

    def test_saving_a_stale_version_raises_conflict(self, store: Store) -> None:
        """A save based on an old version is refused with ConflictError; the newer data stays."""
        with store.unit_of_work() as uow:
            stale = uow.customers.add(plain_customer("k-1"))
            uow.customers.save(stale.tag("first", at=T0).value)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError, match="version"):
            uow.customers.save(stale.tag("second", at=T0).value)
        with store.unit_of_work() as uow:
            assert uow.customers.get("k-1").tags == {"first"}

    def test_saving_an_unknown_customer_raises_not_found(self, store: Store) -> None:
        """Save is for stored customers; a new one must be added."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="k-9"):
            uow.customers.save(plain_customer("k-9"))

    def test_saving_another_customers_email_raises_duplicate(self, store: Store) -> None:
        """Changing an email to one already taken is refused."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "kari@example.no"))
            ola = uow.customers.add(plain_customer("k-2", "ola@example.no"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="email"):
            uow.customers.save(ola.update_contact(at=T0, email="kari@example.no").value)

    def test_by_email_normalises_the_address(self, store: Store) -> None:
        """Lookup by email ignores case and surrounding spaces; unknown emails give None."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "kari@example.no"))
            uow.commit()
        with store.unit_of_work() as uow:
            found = uow.customers.by_email("  Kari@EXAMPLE.no ")
            assert found is not None
            assert found.id == "k-1"
            assert uow.customers.by_email("ola@example.no") is None

    def test_find_pages_through_every_customer_once(self, store: Store) -> None:
        """Paging by id with ``after`` visits each customer exactly once, in id order."""
        ids = [f"k-{number:02d}" for number in range(23)]
        with store.unit_of_work() as uow:
            for customer_id in reversed(ids):
                uow.customers.add(plain_customer(customer_id))
            uow.commit()
        assert [customer.id for customer in _all_customers(store)] == ids

    def test_find_filters_by_owner(self, store: Store) -> None:
        """``owner=`` returns only customers whose current dedicated owner is that staff id."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", owner="ada"))
            uow.customers.add(plain_customer("k-2", owner="bo"))
            moved = uow.customers.add(plain_customer("k-3", owner="ada"))
            uow.customers.save(moved.assign_owner("bo", at=T0).value)
            uow.commit()
        with store.unit_of_work() as uow:
            assert [customer.id for customer in uow.customers.find(owner="ada")] == ["k-1"]
            assert [customer.id for customer in uow.customers.find(owner="bo")] == ["k-2", "k-3"]

    def test_upsert_inserts_new_emails_and_refreshes_known_ones(self, store: Store) -> None:
        """Unknown emails are inserted; known ones keep id and history and get the new profile."""
        with store.unit_of_work() as uow:
            uow.customers.add(rich_customer("k-1", "kari@example.no"))
            uow.commit()
        incoming = [
            Customer.register(
                id="import-1",
                name=PersonName("Kari", "Nordmann"),
                at=T0,
                email="KARI@example.no",
                locale="en-GB",
            ),
            plain_customer("import-2", "ola@example.no"),
        ]
        with store.unit_of_work() as uow:
            result = uow.customers.upsert_by_email(incoming)
            uow.commit()
        assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
        with store.unit_of_work() as uow:
            kari = uow.customers.get("k-1")
            ola = uow.customers.get("import-2")
        original = rich_customer()
        assert kari.name == PersonName("Kari", "Nordmann")
        assert kari.locale == "en-GB"
        assert (kari.phone, kari.address, kari.timezone) == (
            original.phone,
            original.address,
            original.timezone,
        )
        assert (kari.consents, kari.suppressions, kari.ownership, kari.tags) == (
            original.consents,
            original.suppressions,
            original.ownership,
            original.tags,
        )
        assert kari.version == 2
        assert ola.version == 1

    def test_upsert_twice_changes_nothing_the_second_time(self, store: Store) -> None:
        """Replaying the same import reports every row unchanged and keeps versions."""
        rows = [plain_customer(f"k-{number}", f"person{number}@example.no") for number in range(30)]
        with store.unit_of_work() as uow:
            first = uow.customers.upsert_by_email(rows)
            uow.commit()
        with store.unit_of_work() as uow:
            second = uow.customers.upsert_by_email(rows)
            uow.commit()
        assert (first.created, first.updated, first.unchanged) == (30, 0, 0)
        assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
        assert {customer.version for customer in _all_customers(store)} == {1}

    def test_upsert_keeps_the_last_row_for_an_email(self, store: Store) -> None:
        """Within one call a later row for the same email wins."""
        rows = [
            plain_customer("k-1", "kari@example.no"),
            Customer.register(id="k-2", name=PersonName("Kari"), at=T0, email="kari@example.no"),
        ]
        with store.unit_of_work() as uow:
            result = uow.customers.upsert_by_email(rows)
            uow.commit()
        assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
        assert [(customer.id, customer.name.given) for customer in _all_customers(store)] == [
            ("k-2", "Kari")
        ]

    def test_upsert_refuses_a_row_without_email_and_writes_nothing(self, store: Store) -> None:
        """A customer without an email cannot be keyed; the whole call is refused."""
        rows = [plain_customer("k-1", "kari@example.no"), plain_customer("k-2")]
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError, match="email"):
                uow.customers.upsert_by_email(rows)
            uow.commit()
        assert _all_customers(store) == []


class UnitOfWorkContract(StoreFixture):
    """Atomicity: nothing is stored without commit, outbox included."""

    def test_leaving_without_commit_stores_nothing(self, store: Store) -> None:
        """Work not committed is rolled back when the block ends."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1"))
            uow.outbox.add([event("k-1")])
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.customers.get("k-1")
            assert list(uow.outbox.pending()) == []

    def test_an_exception_inside_leaves_nothing_behind(self, store: Store) -> None:
        """An error in the middle of a unit of work undoes the customer and its events."""

        class BoomError(Exception):
            pass

        with pytest.raises(BoomError), store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "kari@example.no"))
            uow.outbox.add([event("k-1"), event("k-1")])
            raise BoomError
        with store.unit_of_work() as uow:
            assert uow.customers.by_email("kari@example.no") is None
            assert list(uow.outbox.pending()) == []
            assert list(uow.outbox.for_customer("k-1")) == []

    def test_a_failed_write_leaves_earlier_uncommitted_work_undone(self, store: Store) -> None:
        """When a later write fails, the earlier writes of the same unit of work are not stored."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1", "kari@example.no"))
            uow.commit()
        with pytest.raises(DuplicateError), store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-2", "ola@example.no"))
            uow.outbox.add([event("k-2")])
            uow.customers.add(plain_customer("k-3", "kari@example.no"))
            uow.commit()
        assert [customer.id for customer in _all_customers(store)] == ["k-1"]
        with store.unit_of_work() as uow:
            assert list(uow.outbox.pending()) == []

    def test_work_after_a_commit_needs_its_own_commit(self, store: Store) -> None:
        """A commit makes earlier work durable; later uncommitted work is still rolled back."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1"))
            uow.commit()
            uow.customers.add(plain_customer("k-2"))
        assert [customer.id for customer in _all_customers(store)] == ["k-1"]

    def test_explicit_rollback_discards_work(self, store: Store) -> None:
        """``rollback()`` undoes what was done since the last commit."""
        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1"))
            uow.rollback()
            uow.customers.add(plain_customer("k-2"))
            uow.commit()
        assert [customer.id for customer in _all_customers(store)] == ["k-2"]

    def test_a_unit_of_work_reads_its_own_writes(self, store: Store) -> None:
        """Inside one unit of work, added and saved customers are visible before commit."""
        with store.unit_of_work() as uow:
            added = uow.customers.add(plain_customer("k-1", "kari@example.no"))
            uow.customers.save(added.tag("vip", at=T0).value)
            assert uow.customers.get("k-1").tags == {"vip"}
            by_email = uow.customers.by_email("kari@example.no")
            assert by_email is not None
            assert by_email.version == 2


class OutboxContract(StoreFixture):
    """``uow.outbox``: events in write order, pending until marked dispatched."""

    def test_events_come_back_in_the_order_they_were_written(self, store: Store) -> None:
        """Positions grow with every event, across units of work, and pending follows them."""
        written = []
        for batch in range(3):
            with store.unit_of_work() as uow:
                events = [event(f"k-{batch}", sequence=index) for index in range(4)]
                uow.outbox.add(events)
                uow.commit()
                written.extend(events)
        with store.unit_of_work() as uow:
            pending = list(uow.outbox.pending(limit=100))
        assert [entry.event for entry in pending] == written
        positions = [entry.position for entry in pending]
        assert positions == sorted(positions)
        assert len(set(positions)) == len(positions)

    def test_events_round_trip_with_their_payload(self, store: Store) -> None:
        """Type, instant, ids and a nested, non-ASCII payload are stored unchanged."""
        original = event(
            "k-1", "customer.merged", names=["Åse", "Øyvind"], nested={"n": 1, "ok": True}
        )
        with store.unit_of_work() as uow:
            uow.outbox.add([original])
            uow.commit()
        with store.unit_of_work() as uow:
            (entry,) = uow.outbox.pending()
        assert entry.event == original
        assert entry.event.to_dict() == original.to_dict()
        assert entry.dispatched_at is None

    def test_money_in_a_payload_keeps_its_exact_decimal(self, store: Store) -> None:
        """Money written into an event comes back to the last digit, currency and all."""
        goodwill = Money("199.90", "NOK")
        tiny = Money("0.000000000000000000000001", "EUR")
        original = event("k-1", "case.resolved", goodwill=goodwill.to_dict(), tiny=tiny.to_dict())
        with store.unit_of_work() as uow:
            uow.outbox.add([original])
            uow.commit()
        with store.unit_of_work() as uow:
            (entry,) = uow.outbox.pending()
        payload = entry.event.payload
        assert Money.from_dict(payload["goodwill"]) == goodwill
        assert str(Money.from_dict(payload["goodwill"]).amount) == "199.90"
        assert Money.from_dict(payload["tiny"]) == tiny

    def test_pending_honours_the_limit(self, store: Store) -> None:
        """``pending(limit=n)`` returns the n oldest undispatched entries."""
        with store.unit_of_work() as uow:
            uow.outbox.add([event("k-1", sequence=index) for index in range(5)])
            uow.commit()
        with store.unit_of_work() as uow:
            oldest = uow.outbox.pending(limit=2)
        assert [entry.event.payload["sequence"] for entry in oldest] == [0, 1]

    def test_dispatched_entries_leave_the_pending_list(self, store: Store) -> None:
        """Marked entries are no longer pending but stay readable with their dispatch time."""
        with store.unit_of_work() as uow:
            uow.outbox.add([event("k-1", sequence=index) for index in range(3)])
            uow.commit()
        dispatched_at = T0.add(minutes=5)
        with store.unit_of_work() as uow:
            first, second, third = uow.outbox.pending()
            uow.outbox.mark_dispatched([first.position, third.position, 10_000], at=dispatched_at)
            uow.commit()
        with store.unit_of_work() as uow:
            assert [entry.position for entry in uow.outbox.pending()] == [second.position]
            history = uow.outbox.for_customer("k-1")
        assert [entry.dispatched_at for entry in history] == [dispatched_at, None, dispatched_at]

    def test_dispatching_again_keeps_the_first_dispatch_time(self, store: Store) -> None:
        """Marking an entry twice (a redelivery) does not move its dispatch time."""
        with store.unit_of_work() as uow:
            uow.outbox.add([event("k-1")])
            uow.commit()
        with store.unit_of_work() as uow:
            (entry,) = uow.outbox.pending()
            uow.outbox.mark_dispatched([entry.position], at=T0.add(minutes=1))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_dispatched([entry.position], at=T0.add(minutes=9))
            uow.commit()
        with store.unit_of_work() as uow:
            (stored,) = uow.outbox.for_customer("k-1")
        assert stored.dispatched_at == T0.add(minutes=1)

    def test_for_customer_returns_only_that_customers_events(self, store: Store) -> None:
        """Events are filed by customer id."""
        with store.unit_of_work() as uow:
            uow.outbox.add([event("k-1", n=1), event("k-2", n=2), event("k-1", n=3)])
            uow.commit()
        with store.unit_of_work() as uow:
            mine = uow.outbox.for_customer("k-1")
        assert [entry.event.payload["n"] for entry in mine] == [1, 3]


class ConcurrencyContract(StoreFixture):
    """Concurrent writers: stale versions are detected, natural keys stay unique."""

    def test_two_writers_from_the_same_version_one_wins(self, store: Store) -> None:
        """Two threads saving the same customer from one version: one succeeds, one conflicts."""
        with store.unit_of_work() as uow:
            loaded = uow.customers.add(plain_customer("k-1"))
            uow.commit()

        def write(index: int) -> None:
            with store.unit_of_work() as uow:
                uow.customers.save(loaded.tag(f"writer-{index}", at=T0).value)
                uow.commit()

        errors = run_threads(2, write)
        assert len(errors) == 1
        assert isinstance(errors[0], ConflictError)
        with store.unit_of_work() as uow:
            final = uow.customers.get("k-1")
        assert final.version == 2
        assert len(final.tags) == 1

    def test_concurrent_upserts_of_one_email_leave_one_customer(self, store: Store) -> None:
        """8 threads x 200 upserts of the same email create exactly one customer."""
        threads, upserts = 8, 200

        def import_rows(index: int) -> None:
            for number in range(upserts):
                row = Customer.register(
                    id=f"t{index}-{number}",
                    name=PersonName("Kari", f"Writer {index}"),
                    at=T0,
                    email="kari@example.no",
                )
                with store.unit_of_work() as uow:
                    uow.customers.upsert_by_email([row])
                    uow.commit()

        assert run_threads(threads, import_rows) == []
        customers = _all_customers(store)
        assert len(customers) == 1
        assert customers[0].email == "kari@example.no"
        assert customers[0].id.endswith("-0")


class StoreContract(
    CustomerRepositoryContract,
    UnitOfWorkContract,
    OutboxContract,
    ConcurrencyContract,
    CaseRepositoryContract,
    LoyaltyRepositoryContract,
    LifecycleRepositoryContract,
    InteractionRepositoryContract,
):
    """The whole contract; subclass it and implement `make_store`."""
