import json
import re
from collections.abc import Callable

import pendulum
import pytest

from custrel.customers import (
    KEEP,
    Customer,
    OwnerChange,
    PersonName,
    PostalAddress,
)
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.events import Change

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
T1 = T0.add(hours=1)
KARI = PersonName("Kari", "Nordmann", "Kari")
STORGATA = PostalAddress(lines=["Storgata 1"], postal_code="0155", city="Oslo", country="NO")


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


def kari(**fields: object) -> Customer:
    values: dict[str, object] = {"id": "k-1", "name": KARI, "at": T0, "email": "kari@example.no"}
    values.update(fields)
    return Customer.register(**values)  # type: ignore[arg-type]


class TestRegister:
    def test_register_normalises_and_keeps_the_fields(self) -> None:
        """Registering stores the normalised contact points, zone, locale, tags and owner."""
        customer = Customer.register(
            id="k-1",
            name=KARI,
            at=T0,
            email=" Kari@Example.NO ",
            phone="+47 912 34 567",
            address=STORGATA,
            timezone="Europe/Oslo",
            locale="nb_no",
            owner="ola",
            tags=[" vip ", "newsletter"],
        )
        assert customer.id == "k-1"
        assert customer.name == KARI
        assert customer.created_at == T0
        assert customer.email == "kari@example.no"
        assert customer.phone == "+4791234567"
        assert customer.address == STORGATA
        assert customer.timezone == "Europe/Oslo"
        assert customer.locale == "nb-NO"
        assert customer.tags == {"vip", "newsletter"}
        assert customer.owner == "ola"
        assert customer.ownership == (OwnerChange("ola", T0, "assigned at registration"),)
        assert customer.version == 0
        assert not customer.is_erased
        assert not customer.is_merged

    def test_register_minimal(self) -> None:
        """Only id, name and instant are required; the rest is empty."""
        customer = Customer.register(id="k-2", name=PersonName("Ola"), at=T0)
        assert (customer.email, customer.phone, customer.address) == (None, None, None)
        assert (customer.timezone, customer.locale, customer.owner) == (None, None, None)
        assert customer.ownership == ()
        assert customer.tags == frozenset()
        assert customer.consents == ()
        assert customer.merged_ids == ()

    def test_registration_event(self) -> None:
        """The registered event names the customer and happens at registration time."""
        event = kari().registration_event()
        assert event.type == "customer.registered"
        assert (event.customer_id, event.aggregate_id) == ("k-1", "k-1")
        assert event.occurred_at == T0
        assert dict(event.payload) == {}

    @pytest.mark.parametrize(
        ("field", "value", "where"),
        [
            ("id", "", "id"),
            ("id", " k-1", "id"),
            ("id", "k" * 201, "id"),
            ("name", "Kari Nordmann", "name"),
            ("email", "kari(at)example.no", "email"),
            ("phone", "912 34 567", "phone"),
            ("address", {"lines": ["Storgata 1"]}, "address"),
            ("timezone", "Oslo", "timezone"),
            ("locale", "norsk!", "locale"),
            ("locale", "n", "locale"),
            ("owner", "", "owner"),
            ("tags", "vip", "tags"),
            ("tags", 7, "tags"),
        ],
    )
    def test_malformed_fields_are_refused(self, field: str, value: object, where: str) -> None:
        """Each malformed field raises ValidationError naming the field and the value."""
        with pytest.raises(ValidationError, match=refused(where, value)):
            kari(**{field: value})

    @pytest.mark.parametrize("tag", ["", "   ", "x" * 101, 7])
    def test_bad_tags_are_refused(self, tag: object) -> None:
        """Tags are non-empty strings of at most 100 characters."""
        with pytest.raises(ValidationError, match=refused("tags", tag)):
            kari(tags=["vip", tag])

    def test_hundred_character_tag_is_accepted(self) -> None:
        """A tag of exactly 100 characters is allowed."""
        assert kari(tags=["x" * 100]).tags == {"x" * 100}

    @pytest.mark.parametrize("version", [-1, True, "1", None])
    def test_version_must_be_a_non_negative_int(self, version: object) -> None:
        """Storage versions are non-negative ints."""
        with pytest.raises(ValidationError, match=refused("version", version)):
            Customer(id="k-1", name=KARI, created_at=T0, version=version)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("field", "value", "shown"),
        [
            ("ownership", ["ola"], ["ola"]),
            ("consents", [{"channel": "email"}], [{"channel": "email"}]),
            ("suppressions", "none", "none"),
            ("merged_ids", "k-2", "k-2"),
            ("merged_ids", ["k-2", ""], ""),
            ("merged_into", "", ""),
        ],
    )
    def test_histories_and_links_are_checked(
        self, field: str, value: object, shown: object
    ) -> None:
        """Histories must hold their own record types and links must be ids."""
        with pytest.raises(ValidationError, match=refused(field, shown)):
            Customer(id="k-1", name=KARI, created_at=T0, **{field: value})  # type: ignore[arg-type]

    def test_version_is_not_part_of_equality(self) -> None:
        """Two customers differing only in storage version are equal values."""
        customer = kari()
        stored = Customer.from_dict({**customer.to_dict(), "version": 7})
        assert stored.version == 7
        assert stored == customer

    def test_customers_are_frozen(self) -> None:
        """A customer cannot be changed in place."""
        customer = kari()
        with pytest.raises(AttributeError):
            customer.email = "ola@example.no"  # type: ignore[misc]


class TestUpdateContact:
    def test_changes_a_contact_point_and_names_it_in_the_event(self) -> None:
        """Changing the email returns the new customer and an event naming only the field."""
        before = kari()
        after, events = before.update_contact(at=T1, email="Kari.N@Example.no")
        assert after.email == "kari.n@example.no"
        assert before.email == "kari@example.no"
        (event,) = events
        assert event.type == "customer.contact_updated"
        assert event.occurred_at == T1
        assert dict(event.payload) == {"fields": ["email"]}
        assert "kari.n@example.no" not in json.dumps(event.to_dict())

    def test_keep_leaves_fields_and_none_clears_them(self) -> None:
        """KEEP leaves a field as it is; None removes it."""
        customer = kari(phone="+4791234567", address=STORGATA)
        after, events = customer.update_contact(at=T1, email=KEEP, phone=None, address=KEEP)
        assert after.email == "kari@example.no"
        assert after.phone is None
        assert after.address == STORGATA
        assert dict(events[0].payload) == {"fields": ["phone"]}

    def test_several_fields_are_listed_in_order(self) -> None:
        """The event lists every changed field, sorted."""
        _, events = kari().update_contact(at=T1, phone="+4791234567", address=STORGATA, email=None)
        assert dict(events[0].payload) == {"fields": ["address", "email", "phone"]}

    @pytest.mark.parametrize(
        "changes",
        [{}, {"email": "kari@example.no"}, {"email": " KARI@example.NO "}, {"phone": None}],
        ids=["nothing", "same", "same-normalised", "clear-empty"],
    )
    def test_no_change_returns_the_same_customer_and_no_events(
        self, changes: dict[str, object]
    ) -> None:
        """Setting fields to what they already are is a no-op without events."""
        customer = kari()
        result = customer.update_contact(at=T1, **changes)  # type: ignore[arg-type]
        assert result.value is customer
        assert result.events == ()

    def test_malformed_values_are_refused(self) -> None:
        """A malformed new email raises naming email; the original is untouched."""
        with pytest.raises(ValidationError, match=refused("email", "kari@")):
            kari().update_contact(at=T1, email="kari@")

    def test_naive_instant_is_refused(self) -> None:
        """The instant of an update must be aware."""
        naive = T1.naive()
        with pytest.raises(ValidationError, match=refused("at", naive)):
            kari().update_contact(at=naive, email="ola@example.no")


class TestUpdateProfile:
    def test_changes_name_zone_and_locale(self) -> None:
        """Name, time zone and locale change together in one event listing them."""
        name = PersonName("Kari", "Nordmann", "Kiki")
        after, events = kari().update_profile(
            at=T1, name=name, timezone="America/New_York", locale="en-US"
        )
        assert (after.name, after.timezone, after.locale) == (name, "America/New_York", "en-US")
        (event,) = events
        assert event.type == "customer.profile_updated"
        assert dict(event.payload) == {"fields": ["locale", "name", "timezone"]}
        assert "Kiki" not in json.dumps(event.to_dict())

    def test_same_values_are_a_no_op(self) -> None:
        """Updating to the current profile returns the same customer and no events."""
        customer = kari(timezone="Europe/Oslo")
        result = customer.update_profile(
            at=T1, name=PersonName(" Kari ", "Nordmann", "Kari"), timezone="Europe/Oslo"
        )
        assert result.value is customer
        assert result.events == ()

    @pytest.mark.parametrize(
        ("field", "value"), [("name", None), ("timezone", "Europe/Osloo"), ("locale", "")]
    )
    def test_malformed_values_are_refused(self, field: str, value: object) -> None:
        """A missing name, an unknown zone or an empty locale raise naming the field."""
        with pytest.raises(ValidationError, match=refused(field, value)):
            kari().update_profile(at=T1, **{field: value})  # type: ignore[arg-type]


class TestOwnership:
    def test_assigning_an_owner_appends_to_the_history(self) -> None:
        """The new owner is current; history keeps the reason, the event only the two owners."""
        customer = kari(owner="ola")
        after, events = customer.assign_owner("per", at=T1, reason="ola left")
        assert after.owner == "per"
        assert [change.owner for change in after.ownership] == ["ola", "per"]
        assert after.ownership[-1] == OwnerChange("per", T1, "ola left")
        (event,) = events
        assert event.type == "customer.owner_assigned"
        assert event.occurred_at == T1
        assert dict(event.payload) == {"owner": "per", "previous": "ola"}

    def test_unassigning(self) -> None:
        """Assigning None leaves the customer without an owner."""
        after, events = kari(owner="ola").assign_owner(None, at=T1)
        assert after.owner is None
        assert dict(events[0].payload)["previous"] == "ola"

    @pytest.mark.parametrize("owner", ["ola", None])
    def test_assigning_the_current_owner_is_a_no_op(self, owner: str | None) -> None:
        """Assigning the owner the customer already has changes nothing and emits nothing."""
        customer = kari(owner=owner)
        result = customer.assign_owner(owner, at=T1)
        assert result.value is customer
        assert result.events == ()

    @pytest.mark.parametrize("owner", ["", " ola"])
    def test_malformed_owner_is_refused(self, owner: str) -> None:
        """Owners are staff ids."""
        with pytest.raises(ValidationError, match=refused("owner", owner)):
            kari().assign_owner(owner, at=T1)

    def test_owner_change_round_trip(self) -> None:
        """An ownership change survives to_dict and from_dict."""
        change = OwnerChange("ola", T0, "key account")
        assert OwnerChange.from_dict(json.loads(json.dumps(change.to_dict()))) == change


class TestTags:
    def test_tagging_adds_and_reports_the_new_tags(self) -> None:
        """New tags are added; the event lists only the ones that were new, sorted."""
        after, events = kari(tags=["vip"]).tag("vip", " newsletter ", "b2b", at=T1)
        assert after.tags == {"vip", "newsletter", "b2b"}
        (event,) = events
        assert event.type == "customer.tagged"
        assert dict(event.payload) == {"tags": ["b2b", "newsletter"]}

    def test_untagging_removes_and_reports(self) -> None:
        """Tags present are removed; the event lists them."""
        after, events = kari(tags=["vip", "b2b"]).untag("vip", "absent", at=T1)
        assert after.tags == {"b2b"}
        (event,) = events
        assert event.type == "customer.untagged"
        assert dict(event.payload) == {"tags": ["vip"]}

    @pytest.mark.parametrize(
        "operation",
        [
            lambda c: c.tag("vip", at=T1),
            lambda c: c.tag(at=T1),
            lambda c: c.untag("absent", at=T1),
        ],
        ids=["tag-present", "tag-nothing", "untag-absent"],
    )
    def test_no_op_tagging(self, operation: Callable[[Customer], Change[Customer]]) -> None:
        """Adding present tags or removing absent ones returns the same customer, no events."""
        customer = kari(tags=["vip"])
        result = operation(customer)
        assert result.value is customer
        assert result.events == ()

    def test_bad_tags_are_refused(self) -> None:
        """Tagging with a blank tag raises naming tags."""
        with pytest.raises(ValidationError, match=refused("tags", " ")):
            kari().tag(" ", at=T1)


OPERATIONS: dict[str, Callable[[Customer], object]] = {
    "update_contact": lambda c: c.update_contact(at=T1, email="new@example.no"),
    "update_profile": lambda c: c.update_profile(at=T1, locale="en"),
    "assign_owner": lambda c: c.assign_owner("per", at=T1),
    "record_consent": lambda c: c.record_consent(
        "email", "marketing", "opted_in", at=T1, source="form"
    ),
    "suppress": lambda c: c.suppress("hard_bounce", at=T1),
    "lift_suppression": lambda c: c.lift_suppression("hard_bounce", at=T1),
    "tag": lambda c: c.tag("vip", at=T1),
    "untag": lambda c: c.untag("vip", at=T1),
    "merge_into": lambda c: c.merge(Customer.register(id="d-1", name=KARI, at=T0), at=T1),
}


class TestInvalidTransitions:
    @pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
    def test_a_merged_customer_cannot_change(self, operation: Callable[[Customer], object]) -> None:
        """Every operation on a merge tombstone raises InvalidTransitionError naming both ids."""
        survivor = kari(id="k-2")
        tombstone = survivor.merge(kari(), at=T1).value.tombstone
        with pytest.raises(InvalidTransitionError, match="'k-1' was merged into 'k-2'"):
            operation(tombstone)

    @pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
    def test_an_erased_customer_cannot_change(
        self, operation: Callable[[Customer], object]
    ) -> None:
        """Every operation on an erased customer raises InvalidTransitionError naming it."""
        erased = kari(tags=["vip"], owner="ola").erase(at=T1).value
        with pytest.raises(InvalidTransitionError, match="customer 'k-1' was erased"):
            operation(erased)

    def test_invalid_transitions_are_validation_errors(self) -> None:
        """A caller catching ValueError also catches a refused transition."""
        erased = kari().erase(at=T1).value
        with pytest.raises(ValueError, match="cannot assign an owner"):
            erased.assign_owner("per", at=T1)
