import json
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from typing_extensions import Self

from custrel import ConflictError, DuplicateError, NotFoundError, Relations, ValidationError
from custrel.customers import KEEP, Channel, Customer, PersonName, SuppressionReason
from custrel.storage.memory import MemoryStore
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore
from custrel.testing import FixedClock

START = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'relations.sqlite'}")
    sql.create_schema()
    yield sql
    sql.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def crm(store: Store, clock: FixedClock) -> Relations:
    return Relations(store, clock=clock)


def event_types(store: Store, customer_id: str) -> list[str]:
    with store.unit_of_work() as uow:
        return [entry.event.type for entry in uow.outbox.for_customer(customer_id)]


def register_kari(crm: Relations, **fields: object) -> Customer:
    return crm.register(
        "k-1",
        PersonName("Kari", "Nordmann", "Kari"),
        email="kari@example.no",
        locale="nb-NO",
        **fields,  # type: ignore[arg-type]
    )


class TestRegister:
    def test_register_stores_the_customer_and_its_event(self, crm: Relations, store: Store) -> None:
        """Registering stores version 1, stamped by the clock, with a registered event."""
        kari = register_kari(crm)
        assert kari.version == 1
        assert kari.created_at == START
        assert crm.get("k-1") == kari
        assert event_types(store, "k-1") == ["customer.registered"]
        assert kari.greeting() == "Hei Kari"

    def test_malformed_input_writes_nothing(self, crm: Relations, store: Store) -> None:
        """A bad email is refused with a message naming the field, and nothing is stored."""
        with pytest.raises(ValidationError, match=r"email.*not-an-email"):
            crm.register("k-1", PersonName("Kari"), email="not-an-email")
        with pytest.raises(NotFoundError):
            crm.get("k-1")
        assert event_types(store, "k-1") == []

    def test_a_taken_email_is_refused(self, crm: Relations, store: Store) -> None:
        """A second customer with the same email gets DuplicateError and no event."""
        register_kari(crm)
        with pytest.raises(DuplicateError):
            crm.register("k-2", PersonName("Kari"), email="KARI@example.no")
        assert event_types(store, "k-2") == []

    def test_find_by_email(self, crm: Relations) -> None:
        """Customers are found by their normalised email."""
        register_kari(crm)
        found = crm.find_by_email(" Kari@Example.NO")
        assert found is not None
        assert found.id == "k-1"
        assert crm.find_by_email("ola@example.no") is None


class TestChanges:
    def test_each_use_case_saves_and_writes_its_event(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Every change is stored at a new version with its event, stamped by the clock."""
        register_kari(crm)
        clock.advance(minutes=5)
        crm.update_contact("k-1", phone="+47 912 34 567")
        crm.update_profile("k-1", timezone="Europe/Oslo")
        crm.assign_owner("k-1", "staff:ola", reason="key account")
        crm.record_consent("k-1", "email", "marketing", "opted_in", source="checkout")
        crm.suppress("k-1", SuppressionReason.HARD_BOUNCE, channel="email", note="550")
        crm.lift_suppression("k-1", "hard_bounce", channel=Channel.EMAIL)
        crm.tag("k-1", "vip", "newsletter")
        kari = crm.untag("k-1", "newsletter")
        assert kari.version == 9
        assert crm.get("k-1") == kari
        assert (kari.phone, kari.timezone, kari.owner, kari.tags) == (
            "+4791234567",
            "Europe/Oslo",
            "staff:ola",
            {"vip"},
        )
        assert kari.consent("email", "marketing") is not None
        assert not kari.is_suppressed("email")
        assert event_types(store, "k-1") == [
            "customer.registered",
            "customer.contact_updated",
            "customer.profile_updated",
            "customer.owner_assigned",
            "customer.consent_recorded",
            "customer.suppressed",
            "customer.suppression_lifted",
            "customer.tagged",
            "customer.untagged",
        ]
        with store.unit_of_work() as uow:
            stamps = {entry.event.occurred_at for entry in uow.outbox.for_customer("k-1")[1:]}
        assert stamps == {START.add(minutes=5)}

    def test_a_change_that_changes_nothing_is_not_saved(self, crm: Relations, store: Store) -> None:
        """Assigning the current owner again keeps the version and writes no event."""
        register_kari(crm, owner="staff:ola")
        kari = crm.assign_owner("k-1", "staff:ola")
        assert kari.version == 1
        assert crm.update_contact("k-1", email=KEEP, phone=KEEP).version == 1
        assert event_types(store, "k-1") == ["customer.registered"]

    def test_an_invalid_change_writes_nothing(self, crm: Relations, store: Store) -> None:
        """An unknown consent channel is refused; the customer and outbox stay as they were."""
        before = register_kari(crm)
        with pytest.raises(ValidationError, match=r"channel.*pigeon"):
            crm.record_consent("k-1", "pigeon", "marketing", "opted_in", source="x")
        assert crm.get("k-1").version == before.version
        assert event_types(store, "k-1") == ["customer.registered"]

    def test_changing_to_a_taken_email_is_refused(self, crm: Relations) -> None:
        """Contact updates cannot steal another customer's email."""
        register_kari(crm)
        crm.register("k-2", PersonName("Ola"), email="ola@example.no")
        with pytest.raises(DuplicateError):
            crm.update_contact("k-2", email="kari@example.no")
        assert crm.get("k-2").email == "ola@example.no"

    def test_unknown_customer_raises_not_found(self, crm: Relations) -> None:
        """Use cases on an id nobody registered raise NotFoundError."""
        with pytest.raises(NotFoundError, match="k-404"):
            crm.tag("k-404", "vip")


class TestMergeExportErase:
    def test_merge_moves_the_duplicate_into_the_survivor(
        self, crm: Relations, store: Store
    ) -> None:
        """The survivor fills blanks from the duplicate, whose id now leads to the survivor."""
        register_kari(crm)
        crm.register("k-2", PersonName("Kari", "Nordmann"), phone="+4791234567", owner="mona")
        survivor = crm.merge("k-1", "k-2")
        assert (survivor.phone, survivor.owner, survivor.merged_ids) == (
            "+4791234567",
            "mona",
            ("k-2",),
        )
        assert crm.get("k-2") == survivor
        assert event_types(store, "k-1")[-2:] == ["customer.merged", "customer.owner_assigned"]

    def test_get_follows_chains_of_merges(self, crm: Relations) -> None:
        """An id merged into a customer that was itself merged leads to the last survivor."""
        crm.register("a", PersonName("A"))
        crm.register("b", PersonName("B"))
        crm.register("c", PersonName("C"))
        crm.merge("b", "a")
        crm.merge("c", "b")
        assert crm.get("a").id == "c"
        assert crm.get("c").merged_ids == ("b", "a")

    def test_export_is_json_safe_and_complete(self, crm: Relations) -> None:
        """Export holds the record, merged tombstones and every event, and survives JSON."""
        register_kari(crm)
        crm.register("k-2", PersonName("Kari"), phone="+4791234567")
        crm.record_consent("k-1", "sms", "service", "subscribed", source="app")
        crm.merge("k-1", "k-2")
        exported = crm.export("k-1")
        assert json.loads(json.dumps(exported)) == exported
        assert crm.export("k-2") == exported
        assert exported["customer"]["email"] == "kari@example.no"
        assert [record["id"] for record in exported["merged"]] == ["k-2"]
        assert [event["type"] for event in exported["events"]] == [
            "customer.registered",
            "customer.registered",
            "customer.consent_recorded",
            "customer.merged",
        ]

    def test_erase_leaves_no_personal_data(self, crm: Relations, store: Store) -> None:
        """After erasure, nothing exported contains the name, email or phone."""
        register_kari(crm, phone="+4791234567", tags=["gluten-free"])
        crm.record_consent("k-1", "email", "marketing", "unsubscribed", source="kari's reply")
        erased = crm.erase("k-1")
        text = json.dumps(crm.export("k-1"))
        for personal in ("Kari", "Nordmann", "kari@example.no", "4791234567", "gluten-free"):
            assert personal not in text
        assert erased.is_erased
        assert erased.consent("email", "marketing") is not None
        assert event_types(store, "k-1")[-1] == "customer.erased"
        assert crm.find_by_email("kari@example.no") is None


class TestImport:
    def test_import_creates_then_refreshes_without_events(
        self, crm: Relations, store: Store
    ) -> None:
        """A bulk import upserts by email and writes no per-row events."""
        register_kari(crm)
        rows = [
            Customer.register(
                id="x-1", name=PersonName("Kari", "N"), at=START, email="kari@example.no"
            ),
            Customer.register(id="x-2", name=PersonName("Ola"), at=START, email="ola@example.no"),
        ]
        result = crm.import_customers(rows)
        assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
        again = crm.import_customers(rows)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        assert crm.get("k-1").name == PersonName("Kari", "N")
        assert event_types(store, "x-2") == []


class InterleavingStore:
    """A MemoryStore on which another writer tags a customer while a use case is running."""

    def __init__(self, interruptions: int) -> None:
        self.inner = MemoryStore()
        self.interruptions = interruptions

    def unit_of_work(self) -> "InterleavingStore":
        self._uow = self.inner.unit_of_work()
        return self

    def __enter__(self) -> Self:
        self._uow.__enter__()
        self.outbox = self._uow.outbox
        self.commit = self._uow.commit
        self.rollback = self._uow.rollback
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._uow.__exit__(None, None, None)

    @property
    def customers(self) -> "InterleavingStore":
        return self

    def get(self, customer_id: str) -> Customer:
        loaded = self._uow.customers.get(customer_id)
        if self.interruptions > 0:
            self.interruptions -= 1
            with self.inner.unit_of_work() as other:  # the lock is re-entrant in one thread
                current = other.customers.get(customer_id)
                other.customers.save(current.tag(f"other-{self.interruptions}", at=START).value)
                other.commit()
        return loaded

    def save(self, customer: Customer) -> Customer:
        return self._uow.customers.save(customer)

    def add(self, customer: Customer) -> Customer:
        return self._uow.customers.add(customer)


class TestConcurrentWriters:
    def test_a_use_case_reruns_on_fresh_data_after_a_conflict(self) -> None:
        """When another writer saves first, the change is applied again on top of theirs."""
        store = InterleavingStore(interruptions=0)
        crm = Relations(store, clock=FixedClock(START))  # type: ignore[arg-type]
        register_kari(crm)
        store.interruptions = 2
        kari = crm.tag("k-1", "vip")
        assert kari.tags == {"vip", "other-0", "other-1"}
        assert kari.version == 4

    def test_the_conflict_surfaces_when_retries_run_out(self) -> None:
        """With retries exhausted the caller gets ConflictError and the change is not stored."""
        store = InterleavingStore(interruptions=0)
        crm = Relations(store, clock=FixedClock(START), conflict_retries=1)  # type: ignore[arg-type]
        register_kari(crm)
        store.interruptions = 2
        with pytest.raises(ConflictError):
            crm.tag("k-1", "vip")
        assert "vip" not in crm.get("k-1").tags

    def test_negative_retries_are_refused(self) -> None:
        """A negative retry count is a configuration error."""
        with pytest.raises(ValidationError, match="conflict_retries"):
            Relations(MemoryStore(), conflict_retries=-1)
