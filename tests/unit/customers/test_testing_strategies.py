"""The public Hypothesis strategies draw values custrel accepts, in the form it stores them."""

import datetime as dt
import re
from decimal import Decimal

from hypothesis import given, settings

from custrel.customers import (
    Customer,
    PersonName,
    PostalAddress,
    normalize_email,
    normalize_phone,
)
from custrel.events import DomainEvent
from custrel.money import CURRENCIES, Money
from custrel.testing.strategies import (
    amounts,
    aware_datetimes,
    currencies,
    customers,
    domain_events,
    emails,
    locales,
    money,
    person_names,
    phones,
    postal_addresses,
    timezone_names,
)

T0 = dt.datetime(2026, 11, 23, 8, tzinfo=dt.timezone.utc)


class TestStrategies:
    @settings(max_examples=25, deadline=None)
    @given(emails())
    def test_emails_are_canonical(self, email: str) -> None:
        """Drawn emails are already in normalised form."""
        assert normalize_email(email) == email

    @settings(max_examples=25, deadline=None)
    @given(phones())
    def test_phones_are_canonical(self, phone: str) -> None:
        """Drawn phone numbers are already in E.164 form."""
        assert normalize_phone(phone) == phone

    @settings(max_examples=25, deadline=None)
    @given(person_names())
    def test_person_names_are_stable(self, name: PersonName) -> None:
        """Drawn names are unchanged by PersonName's own tidying."""
        assert PersonName(name.given, name.family, name.preferred) == name
        assert name.given.strip()

    @settings(max_examples=25, deadline=None)
    @given(postal_addresses())
    def test_postal_addresses_are_stable(self, address: PostalAddress) -> None:
        """Drawn addresses rebuild to themselves."""
        assert PostalAddress.from_dict(address.to_dict()) == address

    @settings(max_examples=25, deadline=None)
    @given(timezone_names(), locales())
    def test_zone_names_and_locales_are_accepted_unchanged(self, zone: str, locale: str) -> None:
        """A drawn time zone and locale are stored exactly as drawn."""
        customer = Customer(
            id="k", name=PersonName("K"), created_at=T0, timezone=zone, locale=locale
        )
        assert (customer.timezone, customer.locale) == (zone, locale)

    @settings(max_examples=25, deadline=None)
    @given(aware_datetimes(dt.datetime(2000, 1, 1), dt.datetime(2001, 1, 1)))  # noqa: DTZ001
    def test_aware_datetimes_are_aware_and_within_bounds(self, at: dt.datetime) -> None:
        """Drawn datetimes carry an offset, and their wall time lies within the bounds."""
        assert at.utcoffset() is not None
        assert dt.datetime(2000, 1, 1) <= at.replace(tzinfo=None) <= dt.datetime(2001, 1, 1)  # noqa: DTZ001

    @settings(max_examples=25, deadline=None)
    @given(aware_datetimes(unambiguous=True))
    def test_unambiguous_datetimes_name_one_instant(self, at: dt.datetime) -> None:
        """With unambiguous=True, flipping fold never changes the instant."""
        assert at.replace(fold=1 - at.fold).utcoffset() == at.utcoffset()

    @settings(max_examples=25, deadline=None)
    @given(currencies(), amounts())
    def test_currencies_and_amounts_make_money(self, currency: str, amount: Decimal) -> None:
        """Drawn codes are ISO currencies and drawn amounts fit the documented bounds."""
        assert currency in CURRENCIES
        assert Money(amount, currency).amount == amount
        assert abs(amount) <= 10**12

    @settings(max_examples=25, deadline=None)
    @given(money("NOK"))
    def test_money_in_a_given_currency(self, value: Money) -> None:
        """money(code) draws in that currency only."""
        assert value.currency == "NOK"

    @settings(max_examples=20, deadline=None)
    @given(customers())
    def test_customers_are_live(self, customer: Customer) -> None:
        """Drawn customers are neither erased nor merged, so every operation applies."""
        assert not customer.is_erased
        assert not customer.is_merged

    @settings(max_examples=25, deadline=None)
    @given(domain_events())
    def test_domain_events_have_dotted_types(self, event: DomainEvent) -> None:
        """Drawn event types are dotted lower-case names."""
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", event.type)
