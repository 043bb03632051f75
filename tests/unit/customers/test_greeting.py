import re

import pendulum
import pytest
from hypothesis import given, settings

from custrel.customers import GREETINGS, Customer, PersonName
from custrel.errors import ValidationError
from custrel.testing.strategies import customers

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


def customer(name: PersonName, locale: str | None = None) -> Customer:
    return Customer.register(id="k-1", name=name, at=T0, locale=locale)


class TestGreeting:
    @pytest.mark.parametrize(
        ("locale", "expected"),
        [
            (None, "Hi Kari"),
            ("en", "Hi Kari"),
            ("en-GB", "Hi Kari"),
            ("nb-NO", "Hei Kari"),
            ("nn-NO", "Hei Kari"),
            ("no", "Hei Kari"),
            ("sv-SE", "Hej Kari"),
            ("de-AT", "Hallo Kari"),
            ("fr", "Bonjour Kari"),
        ],
    )
    def test_greets_by_preferred_name_in_the_customers_language(
        self, locale: str | None, expected: str
    ) -> None:
        """The greeting uses the preferred name, in the customer's language, English by default."""
        katarina = customer(PersonName("Katarina", "Nordmann", preferred="Kari"), locale)
        assert katarina.greeting() == expected

    def test_falls_back_to_the_given_name(self) -> None:
        """Without a preferred name the given name is used."""
        assert customer(PersonName("Ola", "Nordmann"), "nb-NO").greeting() == "Hei Ola"

    def test_never_uses_the_family_name(self) -> None:
        """The greeting is informal: no family name."""
        assert "Nordmann" not in customer(PersonName("Ola", "Nordmann")).greeting()

    def test_locale_argument_overrides_the_customers_own(self) -> None:
        """greeting(locale) speaks the asked language, whatever the customer's locale."""
        ola = customer(PersonName("Ola"), "nb-NO")
        assert ola.greeting("en-US") == "Hi Ola"
        assert ola.greeting("NB_no") == "Hei Ola"

    @pytest.mark.parametrize("locale", ["ja-JP", "pt-BR", "zh-Hant-TW"])
    def test_unknown_languages_fall_back_to_english(self, locale: str) -> None:
        """A language without a greeting gets the English one."""
        assert customer(PersonName("Yui"), locale).greeting() == "Hi Yui"

    def test_an_erased_customer_is_greeted_without_a_name(self) -> None:
        """After erasure the greeting names nobody; the locale went too, so English by default."""
        erased = customer(PersonName("Kari"), "nb-NO").erase(at=T0.add(days=1)).value
        assert erased.greeting() == "Hello"
        assert erased.greeting("nb-NO") == "Hei"
        assert erased.greeting("en") == "Hello"

    @pytest.mark.parametrize("locale", ["", "norsk!", "n", 7])
    def test_malformed_locale_is_refused(self, locale: object) -> None:
        """A locale that is not a BCP 47 tag raises naming locale and the value."""
        pattern = rf"^locale: .*\(got {re.escape(repr(locale))}\)$"
        with pytest.raises(ValidationError, match=pattern):
            customer(PersonName("Kari")).greeting(locale)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("NB_no", "nb-NO"),
            ("en-gb", "en-GB"),
            ("ZH-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
        ],
    )
    def test_locales_are_stored_in_canonical_case(self, raw: str, canonical: str) -> None:
        """Language lower-case, script title-case, region upper-case, hyphens between."""
        assert customer(PersonName("Kari"), raw).locale == canonical

    def test_every_listed_language_greets_with_and_without_a_name(self) -> None:
        """Each greeting template has a place for the name, and a form without one."""
        for language, (with_name, without_name) in GREETINGS.items():
            named = customer(PersonName("Åse"), language).greeting()
            assert named == with_name.format(name="Åse")
            assert "Åse" in named
            assert "{" not in without_name

    @settings(max_examples=30, deadline=None)
    @given(customers())
    def test_live_customers_are_greeted_by_the_name_they_are_called(
        self, someone: Customer
    ) -> None:
        """For any live customer, the greeting contains the preferred name, else the given one."""
        called = someone.name.preferred or someone.name.given
        assert someone.greeting().endswith(" " + called)
