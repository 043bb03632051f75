import json

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.customers import (
    Channel,
    ConsentStatus,
    Customer,
    PersonName,
    PostalAddress,
    Purpose,
    SuppressionReason,
)
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.testing.strategies import customers

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
MERGE_AT = T0.add(days=30)
STORGATA = PostalAddress(lines=["Storgata 1"], postal_code="0155", city="Oslo", country="NO")
BRYGGEN = PostalAddress(lines=["Bryggen 3"], postal_code="5003", city="Bergen", country="NO")


def survivor() -> Customer:
    """Kari as registered on the web shop: email, owner, Oslo address, no phone or locale."""
    customer = Customer.register(
        id="k-1",
        name=PersonName("Kari", "Nordmann"),
        at=T0.add(days=10),
        email="kari@example.no",
        address=STORGATA,
        owner="ola",
        tags=["web"],
    )
    customer = customer.record_consent(
        "email", "marketing", "opted_in", at=T0.add(days=10), source="checkout"
    ).value
    return customer.record_consent(
        "sms", "marketing", "opted_in", at=T0.add(days=20), source="checkout"
    ).value


def duplicate() -> Customer:
    """The same Kari from the shop counter: phone, preferred name, locale, older, other owner."""
    customer = Customer.register(
        id="k-9",
        name=PersonName("Kari", "Hansen", preferred="Kiki"),
        at=T0,
        email="kari.hansen@example.no",
        phone="+4791234567",
        address=BRYGGEN,
        timezone="Europe/Oslo",
        locale="nb-NO",
        owner="per",
        tags=["store", "vip"],
    )
    customer = customer.record_consent(
        "email", "marketing", "unsubscribed", at=T0.add(days=15), source="unsubscribe link"
    ).value
    customer = customer.record_consent(
        "sms", "marketing", "unsubscribed", at=T0.add(days=5), source="store form"
    ).value
    customer = customer.suppress("spam_complaint", channel="email", at=T0.add(days=16)).value
    return Customer.from_dict({**customer.to_dict(), "merged_ids": ["k-77"], "version": 4})


class TestMergeSurvivor:
    def test_survivor_keeps_its_own_values(self) -> None:
        """Where the survivor has a value, the duplicate's differing value does not replace it."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        assert merged.id == "k-1"
        assert merged.name.given == "Kari"
        assert merged.name.family == "Nordmann"
        assert merged.email == "kari@example.no"
        assert merged.address == STORGATA
        assert merged.owner == "ola"
        assert [change.owner for change in merged.ownership] == ["ola"]

    def test_survivor_fills_its_blanks_from_the_duplicate(self) -> None:
        """Phone, time zone, locale and preferred name come from the duplicate when missing."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        assert merged.phone == "+4791234567"
        assert merged.timezone == "Europe/Oslo"
        assert merged.locale == "nb-NO"
        assert merged.name.preferred == "Kiki"

    def test_owner_is_taken_over_when_the_survivor_has_none(self) -> None:
        """A survivor without owner gets the duplicate's, recorded at merge time with the reason."""
        lonely = Customer.register(id="k-1", name=PersonName("Kari"), at=T0)
        change = lonely.merge(duplicate(), at=MERGE_AT)
        merged = change.value.survivor
        assert merged.owner == "per"
        (ownership,) = merged.ownership
        assert ownership.at == MERGE_AT
        assert ownership.reason == "merged from k-9"
        assert [(event.type, dict(event.payload)) for event in change.events][1:] == [
            ("customer.owner_assigned", {"owner": "per", "previous": None})
        ]

    def test_created_at_is_the_earliest(self) -> None:
        """The merged relationship started when the older record did."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        assert merged.created_at == T0

    def test_consents_are_joined_in_time_order_and_the_latest_wins(self) -> None:
        """The later statement wins per channel, whichever record it came from."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        # email: survivor opted in on day 10, duplicate unsubscribed on day 15.
        assert merged.consent("email", "marketing") is ConsentStatus.UNSUBSCRIBED
        # sms: duplicate unsubscribed on day 5, survivor opted in on day 20.
        assert merged.consent("sms", "marketing") is ConsentStatus.OPTED_IN
        instants = [record.at for record in merged.consents]
        assert instants == sorted(instants)
        assert len(merged.consents) == 4

    def test_suppressions_are_joined(self) -> None:
        """A suppression on the duplicate carries over to the survivor."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        assert merged.active_suppressions() == {(SuppressionReason.SPAM_COMPLAINT, Channel.EMAIL)}

    def test_tags_are_united(self) -> None:
        """The survivor carries the tags of both records."""
        merged = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        assert merged.tags == {"web", "store", "vip"}

    def test_merged_ids_record_the_duplicate_and_its_own_merges(self) -> None:
        """merged_ids gains the duplicate's id followed by the ids merged into it before."""
        first = survivor().merge(duplicate(), at=MERGE_AT).value.survivor
        third = Customer.register(id="k-5", name=PersonName("K"), at=T0)
        second = first.merge(third, at=MERGE_AT.add(days=1)).value.survivor
        assert first.merged_ids == ("k-9", "k-77")
        assert second.merged_ids == ("k-9", "k-77", "k-5")

    def test_event_names_survivor_and_duplicate(self) -> None:
        """One customer.merged event on the survivor says which id moved where."""
        (event,) = survivor().merge(duplicate(), at=MERGE_AT).events
        assert event.type == "customer.merged"
        assert event.occurred_at == MERGE_AT
        assert (event.customer_id, event.aggregate_id) == ("k-1", "k-1")
        assert dict(event.payload) == {"survivor_id": "k-1", "merged_id": "k-9"}

    def test_an_erased_duplicate_gives_no_name(self) -> None:
        """An erased duplicate's placeholder name parts are not taken over."""
        erased = duplicate().erase(at=T0.add(days=25)).value
        lonely = Customer.register(id="k-1", name=PersonName("Kari"), at=T0.add(days=1))
        result = lonely.merge(erased, at=MERGE_AT).value
        merged, tombstone = result.survivor, result.tombstone
        assert merged.name == PersonName("Kari")
        assert merged.email is None
        assert merged.consent("email", "marketing") is ConsentStatus.UNSUBSCRIBED
        assert tombstone.erased_at == erased.erased_at


class TestMergeTombstone:
    def test_tombstone_points_at_the_survivor(self) -> None:
        """The duplicate keeps its id and creation time and is marked merged into the survivor."""
        tombstone = survivor().merge(duplicate(), at=MERGE_AT).value.tombstone
        assert tombstone.id == "k-9"
        assert tombstone.merged_into == "k-1"
        assert tombstone.is_merged
        assert not tombstone.is_erased
        assert tombstone.created_at == T0
        assert tombstone.version == 4

    def test_tombstone_holds_no_personal_data(self) -> None:
        """Nothing personal of the duplicate is left in the tombstone's stored form."""
        dup = duplicate()
        tombstone = survivor().merge(dup, at=MERGE_AT).value.tombstone
        data = tombstone.to_dict()
        stored = json.dumps(data, ensure_ascii=False)
        for personal in ["Hansen", "Kiki", "kari.hansen@example.no", "91234567", "Bryggen"]:
            assert personal not in stored
        assert "Kari" not in tombstone.name.full
        assert (data["email"], data["phone"], data["address"]) == (None, None, None)
        assert (data["timezone"], data["locale"]) == (None, None)
        assert data["tags"] == []
        assert data["consents"] == []
        assert data["suppressions"] == []
        assert data["ownership"] == []
        assert data["merged_ids"] == []

    def test_tombstone_is_greeted_without_a_name(self) -> None:
        """A tombstone's greeting does not use the placeholder name."""
        tombstone = survivor().merge(duplicate(), at=MERGE_AT).value.tombstone
        assert tombstone.greeting() == "Hello"
        assert tombstone.greeting("nb-NO") == "Hei"


class TestMergeRefusals:
    def test_merging_a_customer_into_itself_is_refused(self) -> None:
        """Merging a record with its own id raises naming the duplicate."""
        with pytest.raises(ValidationError, match=r"^duplicate: .*\(got 'k-1'\)$"):
            survivor().merge(survivor(), at=MERGE_AT)

    def test_a_duplicate_merged_before_cannot_be_merged_again(self) -> None:
        """A tombstone is not merged a second time."""
        tombstone = survivor().merge(duplicate(), at=MERGE_AT).value.tombstone
        other = Customer.register(id="k-3", name=PersonName("Kari"), at=T0)
        with pytest.raises(InvalidTransitionError, match="'k-9' was already merged into 'k-1'"):
            other.merge(tombstone, at=MERGE_AT)

    def test_an_erased_survivor_is_refused(self) -> None:
        """An erased customer cannot absorb another."""
        erased = survivor().erase(at=MERGE_AT).value
        with pytest.raises(InvalidTransitionError, match="was erased"):
            erased.merge(duplicate(), at=MERGE_AT)

    def test_naive_instant_is_refused(self) -> None:
        """The merge instant must be aware."""
        with pytest.raises(ValidationError, match=r"^at: naive datetime"):
            survivor().merge(duplicate(), at=MERGE_AT.naive())


distinct_pairs = st.tuples(customers(), customers()).filter(lambda pair: pair[0].id != pair[1].id)


class TestMergeProperties:
    @settings(max_examples=30, deadline=None)
    @given(distinct_pairs)
    def test_survivor_values_win_and_blanks_are_filled(
        self, pair: tuple[Customer, Customer]
    ) -> None:
        """For every field, the survivor's value if it has one, else the duplicate's."""
        keep, dup = pair
        result = keep.merge(dup, at=MERGE_AT).value
        merged, tombstone = result.survivor, result.tombstone
        for field in ("email", "phone", "address", "timezone", "locale"):
            expected = getattr(keep, field) or getattr(dup, field)
            assert getattr(merged, field) == expected
        assert merged.name.given == keep.name.given
        assert merged.name.family == (keep.name.family or dup.name.family)
        assert merged.name.preferred == (keep.name.preferred or dup.name.preferred)
        assert merged.owner == (keep.owner or dup.owner)
        assert merged.tags == keep.tags | dup.tags
        assert merged.merged_ids == (*keep.merged_ids, dup.id, *dup.merged_ids)
        assert len(merged.consents) == len(keep.consents) + len(dup.consents)
        assert merged.created_at.timestamp() == min(
            keep.created_at.timestamp(), dup.created_at.timestamp()
        )
        assert tombstone.merged_into == keep.id
        assert tombstone.email is None
        assert tombstone.tags == frozenset()

    @settings(max_examples=40, deadline=None)
    @given(customers())
    def test_merging_an_empty_record_changes_no_consent_or_suppression(
        self, keep: Customer
    ) -> None:
        """Absorbing a record with no history leaves every consent and suppression answer alone."""
        empty = Customer.register(id=keep.id + "-dup", name=PersonName("X"), at=T0)
        merged = keep.merge(empty, at=MERGE_AT).value.survivor
        for channel in Channel:
            for purpose in Purpose:
                assert merged.consent(channel, purpose) == keep.consent(channel, purpose)
        assert merged.active_suppressions() == keep.active_suppressions()
