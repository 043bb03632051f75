import json

import pendulum
import pytest
from hypothesis import given, settings

from custrel.customers import (
    Channel,
    ConsentStatus,
    Customer,
    PersonName,
    PostalAddress,
    Purpose,
    SuppressionReason,
)
from custrel.errors import ValidationError
from custrel.testing.strategies import customers

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
ERASE_AT = T0.add(days=100)
PERSONAL = [
    "Kari",
    "Nordmann",
    "Kiki",
    "kari.nordmann@example.no",
    "+4791234567",
    "Storgata",
    "Oslo",
    "0155",
    "knitting",
    "Europe/Oslo",
    "asked for Ola after the phone call with her husband",
    "bounced: mailbox kari.nordmann full",
]


def kari() -> Customer:
    """A customer with personal data in every field and free text in every history."""
    customer = Customer.register(
        id="k-1",
        name=PersonName("Kari", "Nordmann", "Kiki"),
        at=T0,
        email="kari.nordmann@example.no",
        phone="+4791234567",
        address=PostalAddress(lines=["Storgata 1"], postal_code="0155", city="Oslo", country="NO"),
        timezone="Europe/Oslo",
        locale="nb-NO",
        owner="ola",
        tags=["knitting"],
    )
    customer = customer.assign_owner(
        "per", at=T0.add(days=1), reason="asked for Ola after the phone call with her husband"
    ).value
    customer = customer.record_consent(
        "email", "marketing", "unsubscribed", at=T0.add(days=2), source="reply from Kari"
    ).value
    return customer.suppress(
        "hard_bounce",
        channel="email",
        at=T0.add(days=3),
        note="bounced: mailbox kari.nordmann full",
    ).value


class TestErase:
    def test_no_personal_data_is_left_in_the_stored_form(self) -> None:
        """After erasure the customer's JSON holds none of the personal strings."""
        erased = kari().erase(at=ERASE_AT).value
        stored = json.dumps(erased.to_dict(), ensure_ascii=False)
        for personal in PERSONAL:
            assert personal not in stored, personal

    def test_contact_points_profile_and_tags_are_gone(self) -> None:
        """Email, phone, address, zone, locale and tags are empty, and the name is a placeholder."""
        original = kari()
        erased = original.erase(at=ERASE_AT).value
        assert (erased.email, erased.phone, erased.address) == (None, None, None)
        assert (erased.timezone, erased.locale) == (None, None)
        assert erased.tags == frozenset()
        assert erased.name != original.name
        assert erased.is_erased
        assert erased.erased_at == ERASE_AT

    def test_non_personal_facts_stay(self) -> None:
        """Id, creation time, consent answers, suppressions and owners survive erasure."""
        erased = kari().erase(at=ERASE_AT).value
        assert erased.id == "k-1"
        assert erased.created_at == T0
        assert erased.consent("email", "marketing") is ConsentStatus.UNSUBSCRIBED
        assert erased.is_suppressed("email")
        assert erased.active_suppressions() == {(SuppressionReason.HARD_BOUNCE, Channel.EMAIL)}
        assert erased.owner == "per"
        assert [change.owner for change in erased.ownership] == ["ola", "per"]

    def test_erase_event(self) -> None:
        """Erasing emits one customer.erased event with an empty payload."""
        (event,) = kari().erase(at=ERASE_AT).events
        assert event.type == "customer.erased"
        assert event.occurred_at == ERASE_AT
        assert (event.customer_id, event.aggregate_id) == ("k-1", "k-1")
        assert dict(event.payload) == {}

    def test_erasing_twice_changes_nothing(self) -> None:
        """A second erasure returns the same customer and no events, keeping the first instant."""
        erased = kari().erase(at=ERASE_AT).value
        again = erased.erase(at=ERASE_AT.add(days=1))
        assert again.value is erased
        assert again.events == ()
        assert again.value.erased_at == ERASE_AT

    def test_a_merge_tombstone_can_be_erased(self) -> None:
        """Erasing a tombstone marks it erased and keeps it pointing at the survivor."""
        survivor = Customer.register(id="k-2", name=PersonName("Kari"), at=T0)
        tombstone = survivor.merge(kari(), at=T0.add(days=50)).value.tombstone
        erased, events = tombstone.erase(at=ERASE_AT)
        assert erased.is_erased
        assert erased.is_merged
        assert erased.merged_into == "k-2"
        assert erased.name == tombstone.name
        assert len(events) == 1

    def test_naive_instant_is_refused(self) -> None:
        """The erasure instant must be aware."""
        with pytest.raises(ValidationError, match=r"^at: naive datetime"):
            kari().erase(at=ERASE_AT.naive())

    @settings(max_examples=40, deadline=None)
    @given(customers())
    def test_any_customer_loses_every_personal_field(self, customer: Customer) -> None:
        """For any customer, erasure empties every personal field and free text, keeping answers."""
        erased = customer.erase(at=ERASE_AT).value
        data = erased.to_dict()
        assert (data["email"], data["phone"], data["address"]) == (None, None, None)
        assert (data["timezone"], data["locale"], data["tags"]) == (None, None, [])
        assert erased.name.family is None
        assert erased.name.preferred is None
        assert all(change["reason"] == "" for change in data["ownership"])
        assert all(change["note"] == "" for change in data["suppressions"])
        assert not {record.source for record in customer.consents} & {
            record["source"] for record in data["consents"]
        } - {"(erased)"}
        assert erased.active_suppressions() == customer.active_suppressions()
        for channel in Channel:
            for purpose in Purpose:
                assert erased.consent(channel, purpose) == customer.consent(channel, purpose)
