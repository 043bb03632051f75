import json
import re
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.customers import Customer, PersonName, PostalAddress
from custrel.errors import ValidationError
from custrel.testing.strategies import customers

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def through_json(customer: Customer) -> Customer:
    return Customer.from_dict(json.loads(json.dumps(customer.to_dict())))


def kari() -> Customer:
    customer = Customer.register(
        id="k-1",
        name=PersonName("Åse", "Ødegård", "Åsa"),
        at=T0,
        email="aase@example.no",
        phone="+4791234567",
        address=PostalAddress(lines=["Storgata 1"], postal_code="0155", city="Oslo", country="NO"),
        timezone="Europe/Oslo",
        locale="nb-NO",
        owner="ola",
        tags=["vip", "b2b"],
    )
    customer = customer.record_consent(
        "email", "marketing", "opted_in", at=T0.add(hours=1), source="checkout"
    ).value
    return customer.suppress("hard_bounce", channel="sms", at=T0.add(hours=2), note="x").value


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(customers())
    def test_any_customer_survives_json(self, customer: Customer) -> None:
        """to_dict, json.dumps, json.loads and from_dict give back an equal customer."""
        restored = through_json(customer)
        assert restored == customer
        assert restored.version == customer.version
        assert restored.created_at.timestamp() == customer.created_at.timestamp()
        assert restored.consents == customer.consents
        assert restored.to_dict() == customer.to_dict()

    @settings(max_examples=25, deadline=None)
    @given(customers(), st.sampled_from(["erased", "tombstone"]))
    def test_erased_and_merged_customers_survive_json(self, customer: Customer, kind: str) -> None:
        """Erased customers and merge tombstones keep their state through JSON."""
        if kind == "erased":
            changed = customer.erase(at=T0).value
        else:
            survivor = Customer.register(id=customer.id + "+", name=PersonName("S"), at=T0)
            changed = survivor.merge(customer, at=T0).value.tombstone
        restored = through_json(changed)
        assert restored == changed
        assert (restored.is_erased, restored.is_merged) == (changed.is_erased, changed.is_merged)

    def test_non_ascii_names_are_kept(self) -> None:
        """Norwegian letters survive JSON with or without ASCII escaping."""
        customer = kari()
        text = json.dumps(customer.to_dict(), ensure_ascii=False)
        assert "Ødegård" in text
        assert through_json(customer).name == PersonName("Åse", "Ødegård", "Åsa")


class TestToDict:
    def test_instants_are_utc_strings(self) -> None:
        """Every instant is written as ISO 8601 in UTC with microseconds."""
        data = kari().erase(at=T0.add(days=1)).value.to_dict()
        instants = [data["created_at"], data["erased_at"]]
        instants += [
            item["at"] for key in ("ownership", "consents", "suppressions") for item in data[key]
        ]
        assert all(ISO_UTC.match(instant) for instant in instants)
        assert data["created_at"] == "2026-11-23T08:00:00.000000+00:00"

    def test_layout(self) -> None:
        """The dict spells out every field, tags sorted, the current owner included."""
        data = kari().to_dict()
        assert set(data) == {
            "id", "name", "created_at", "email", "phone", "address", "timezone", "locale",
            "owner", "ownership", "consents", "suppressions", "tags", "merged_ids",
            "merged_into", "erased_at", "version",
        }  # fmt: skip
        assert data["name"] == {"given": "Åse", "family": "Ødegård", "preferred": "Åsa"}
        assert data["tags"] == ["b2b", "vip"]
        assert data["owner"] == "ola"
        assert data["consents"][0]["status"] == "opted_in"
        assert data["suppressions"][0]["channel"] == "sms"
        assert data["erased_at"] is None


def malformed(**changes: Any) -> dict[str, Any]:
    return {**kari().to_dict(), **changes}


class TestFromDict:
    def test_defaults_for_missing_optional_keys(self) -> None:
        """Only id, name and created_at are needed; histories default to empty, version to 0."""
        customer = Customer.from_dict(
            {"id": "k-1", "name": {"given": "Kari"}, "created_at": "2026-11-23T08:00:00+00:00"}
        )
        assert customer == Customer.register(id="k-1", name=PersonName("Kari"), at=T0)
        assert customer.version == 0

    @pytest.mark.parametrize("data", [None, "k-1", ["k-1"]])
    def test_non_dicts_are_refused(self, data: object) -> None:
        """Only a dict can be read back as a customer."""
        with pytest.raises(
            ValidationError, match=rf"^customer: .*\(got {re.escape(repr(data))}\)$"
        ):
            Customer.from_dict(data)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "data",
        [
            malformed(name="Kari"),
            malformed(ownership=None),
            malformed(consents=["opted_in"]),
            malformed(suppressions=7),
            malformed(address="Storgata 1"),
        ],
        ids=[
            "name-string",
            "ownership-null",
            "consent-string",
            "suppressions-int",
            "address-string",
        ],
    )
    def test_malformed_nested_parts_are_validation_errors(self, data: dict[str, Any]) -> None:
        """A nested part of the wrong shape raises ValidationError naming customer, not a crash."""
        with pytest.raises(ValidationError, match=r"^customer: malformed customer data"):
            Customer.from_dict(data)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"created_at": None}, "created_at"),
            ({"created_at": "2026-11-23T08:00:00"}, "created_at"),
            ({"erased_at": "yesterday"}, "erased_at"),
            ({"email": "not-an-email"}, "email"),
            ({"tags": "vip"}, "tags"),
            ({"version": -1}, "version"),
            ({"name": {}}, "name.given"),
            ({"id": None}, "id"),
        ],
    )
    def test_malformed_fields_are_named(self, changes: dict[str, Any], field: str) -> None:
        """A malformed field raises ValidationError naming that field."""
        with pytest.raises(ValidationError, match=rf"^{re.escape(field)}: "):
            Customer.from_dict(malformed(**changes))


class TestRefreshedBy:
    def test_profile_is_refreshed_and_relationship_kept(self) -> None:
        """The import's name and non-empty fields replace the profile; id, histories, owner stay."""
        current = Customer.from_dict({**kari().to_dict(), "version": 3})
        incoming = Customer.register(
            id="import-77",
            name=PersonName("Åse", "Berg"),
            at=T0.add(days=9),
            email="aase@example.no",
            phone="+4798765432",
            locale="en-GB",
            owner="per",
            tags=["imported"],
        )
        refreshed = current.refreshed_by(incoming)
        assert refreshed.name == PersonName("Åse", "Berg")
        assert refreshed.phone == "+4798765432"
        assert refreshed.locale == "en-GB"
        assert refreshed.address == current.address
        assert refreshed.timezone == "Europe/Oslo"
        assert refreshed.id == "k-1"
        assert refreshed.email == current.email
        assert refreshed.created_at == current.created_at
        assert refreshed.owner == "ola"
        assert refreshed.tags == current.tags
        assert refreshed.consents == current.consents
        assert refreshed.suppressions == current.suppressions
        assert refreshed.version == 3

    @settings(max_examples=25, deadline=None)
    @given(customers(), customers())
    def test_only_non_empty_incoming_values_replace(
        self, current: Customer, incoming: Customer
    ) -> None:
        """Each refreshable field takes the incoming value unless that is None."""
        refreshed = current.refreshed_by(incoming)
        assert refreshed.name == incoming.name
        for field in ("phone", "address", "timezone", "locale"):
            expected = getattr(incoming, field) or getattr(current, field)
            assert getattr(refreshed, field) == expected
        for field in ("id", "email", "ownership", "consents", "suppressions", "tags", "merged_ids"):
            assert getattr(refreshed, field) == getattr(current, field)
        assert refreshed.version == current.version
