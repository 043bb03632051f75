"""Hypothesis strategies for custrel's own types, for property-based tests of code that uses them.

Every strategy draws values custrel accepts, in the form custrel stores them, so that for
example ``normalize_email(email) == email`` for any drawn ``email`` and a drawn `Customer`
survives ``Customer.from_dict(customer.to_dict())`` unchanged. Names are non-ASCII as often as
not, and instants come in every IANA time zone, fixed offsets and UTC.

This module needs Hypothesis, a test dependency of custrel, not a runtime one:

```python
from hypothesis import given
from custrel.customers import Customer
from custrel.testing.strategies import customers


@given(customers())
def test_round_trip(customer):
    assert Customer.from_dict(customer.to_dict()) == customer
```
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from custrel.customers import (
    Channel,
    ConsentRecord,
    ConsentStatus,
    Customer,
    OwnerChange,
    PersonName,
    PostalAddress,
    Purpose,
    SuppressionChange,
    SuppressionReason,
)
from custrel.events import DomainEvent
from custrel.money import CURRENCIES, Money

__all__ = [
    "amounts",
    "aware_datetimes",
    "consent_records",
    "currencies",
    "customer_ids",
    "customers",
    "domain_events",
    "emails",
    "json_payloads",
    "locales",
    "money",
    "person_names",
    "phones",
    "postal_addresses",
    "suppression_changes",
    "timezone_names",
]

_MIN_INSTANT = dt.datetime(1900, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive
_MAX_INSTANT = dt.datetime(2200, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive


@functools.cache
def _zone_names() -> list[str]:
    # "localtime" is a link to the host's zone and "Factory" a placeholder, not places.
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def timezone_names() -> st.SearchStrategy[str]:
    """IANA time zone names custrel accepts, such as ``"Europe/Oslo"`` or ``"America/St_Johns"``."""
    return st.sampled_from(_zone_names())


def _tzinfos() -> st.SearchStrategy[dt.tzinfo]:
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
    )
    return st.one_of(
        st.just(dt.timezone.utc),
        offsets,
        timezone_names().map(zoneinfo.ZoneInfo),
        timezone_names().map(pendulum.timezone),
    )


def _names_one_instant(value: dt.datetime) -> bool:
    return value.replace(fold=1 - value.fold).utcoffset() == value.utcoffset()


def aware_datetimes(
    min_value: dt.datetime = _MIN_INSTANT,
    max_value: dt.datetime = _MAX_INSTANT,
    *,
    unambiguous: bool = False,
) -> st.SearchStrategy[dt.datetime]:
    """Timezone-aware datetimes between the naive bounds, in zones, fixed offsets and UTC.

    By default wall times in a daylight-saving gap or fold are included: a stdlib datetime names
    one instant through its UTC offset even there, but Python makes ``==`` false across zones
    for such wall times, so compare them with ``.timestamp()``. With *unambiguous*, only wall
    times that name the same instant whatever their ``fold`` are drawn, and ``==`` is safe.
    """
    drawn = st.datetimes(min_value=min_value, max_value=max_value, timezones=_tzinfos())
    return drawn.filter(_names_one_instant) if unambiguous else drawn


def customer_ids() -> st.SearchStrategy[str]:
    """Host-provided ids: non-empty printable strings without surrounding spaces."""
    return (
        st.text(st.characters(codec="utf-8", exclude_categories=["C"]), min_size=1, max_size=40)
        .map(str.strip)
        .filter(bool)
    )


def _words(alphabet: st.SearchStrategy[str], max_words: int) -> st.SearchStrategy[str]:
    word = st.text(alphabet, min_size=1, max_size=12)
    return st.lists(word, min_size=1, max_size=max_words).map(" ".join)


_LETTERS = st.one_of(
    st.characters(min_codepoint=ord("A"), max_codepoint=ord("z"), categories=["L"]),
    st.sampled_from("ÆØÅæøåÄÖäöÉéÜüßŁłŠšČčŽžÞþÐð"),
    st.characters(categories=("Lu", "Ll", "Lo")),
)


def person_names() -> st.SearchStrategy[PersonName]:
    """Person names with single spaces between words, often non-ASCII (Æsa, Þórr, 李雷)."""
    optional = st.none() | _words(_LETTERS, 3)
    return st.builds(PersonName, given=_words(_LETTERS, 3), family=optional, preferred=optional)


_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-"
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


def emails() -> st.SearchStrategy[str]:
    """Email addresses in custrel's canonical form: lower-case, ASCII, such as ``a.b@c-d.no``."""
    atom = st.text(_LOCAL_CHARS, min_size=1, max_size=10)
    local = st.lists(atom, min_size=1, max_size=3).map(".".join)
    top_level = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
    domain = st.builds(
        lambda labels, top: ".".join([*labels, top]),
        st.lists(_LABEL, min_size=1, max_size=3),
        top_level,
    )
    return st.builds(lambda local, domain: f"{local}@{domain}", local, domain)


def phones() -> st.SearchStrategy[str]:
    """Phone numbers in E.164 form: ``+``, a digit 1-9, then 6 to 14 digits."""
    return st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)


def postal_addresses() -> st.SearchStrategy[PostalAddress]:
    """Postal addresses of 1-4 lines with an ISO country code, often non-ASCII."""
    text = _words(st.one_of(_LETTERS, st.sampled_from("0123456789")), 4)
    return st.builds(
        PostalAddress,
        lines=st.lists(text, min_size=1, max_size=4).map(tuple),
        postal_code=st.from_regex(r"[0-9]{4,5}", fullmatch=True),
        city=text,
        country=st.from_regex(r"[A-Z]{2}", fullmatch=True),
        region=st.none() | text,
    )


def locales() -> st.SearchStrategy[str]:
    """BCP 47 language tags in canonical case: ``nb``, ``nb-NO``, ``en-GB``, ``de-AT``."""
    language = st.sampled_from(["en", "nb", "nn", "sv", "da", "fi", "de", "fr", "es", "is", "se"])
    region = st.none() | st.from_regex(r"[A-Z]{2}", fullmatch=True)
    return st.builds(
        lambda language, region: language if region is None else f"{language}-{region}",
        language,
        region,
    )


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 currency codes custrel accepts."""
    return st.sampled_from(sorted(CURRENCIES))


def amounts(max_abs: int = 10**12, places: int = 4) -> st.SearchStrategy[Decimal]:
    """Decimal amounts with at most *places* decimals and magnitude at most *max_abs*.

    The defaults keep sums and products of a few amounts exact in `decimal`'s default 28-digit
    context, so arithmetic laws hold without rounding.
    """
    return st.decimals(
        min_value=-max_abs, max_value=max_abs, places=places, allow_nan=False, allow_infinity=False
    )


def money(currency: str | None = None) -> st.SearchStrategy[Money]:
    """`Money` in *currency*, or in any currency when it is ``None``."""
    currency_strategy = currencies() if currency is None else st.just(currency)
    return st.builds(Money, amounts(), currency_strategy)


def consent_records(
    min_value: dt.datetime = _MIN_INSTANT, max_value: dt.datetime = _MAX_INSTANT
) -> st.SearchStrategy[ConsentRecord]:
    """Consent records for any channel, purpose and status, at an unambiguous instant."""
    return st.builds(
        ConsentRecord,
        channel=st.sampled_from(Channel),
        purpose=st.sampled_from(Purpose),
        status=st.sampled_from(ConsentStatus),
        source=_words(_LETTERS, 3),
        at=aware_datetimes(min_value, max_value, unambiguous=True),
    )


def suppression_changes(
    min_value: dt.datetime = _MIN_INSTANT, max_value: dt.datetime = _MAX_INSTANT
) -> st.SearchStrategy[SuppressionChange]:
    """Suppressions put in place or lifted, for one channel or all, at an unambiguous instant."""
    return st.builds(
        SuppressionChange,
        reason=st.sampled_from(SuppressionReason),
        channel=st.none() | st.sampled_from(Channel),
        active=st.booleans(),
        at=aware_datetimes(min_value, max_value, unambiguous=True),
        note=st.text(max_size=20),
    )


def _owner_changes() -> st.SearchStrategy[OwnerChange]:
    return st.builds(
        OwnerChange,
        owner=st.none() | customer_ids(),
        at=aware_datetimes(unambiguous=True),
        reason=st.text(max_size=20),
    )


def customers() -> st.SearchStrategy[Customer]:
    """Live customers (neither merged nor erased) with any mix of optional fields and histories.

    Instants are unambiguous (see `aware_datetimes`), so ``==`` compares customers reliably.
    Histories are drawn independently, so their instants need not be in order: a derived view
    such as `Customer.consent` must cope with statements recorded late.
    """
    return st.builds(
        Customer,
        id=customer_ids(),
        name=person_names(),
        created_at=aware_datetimes(unambiguous=True),
        email=st.none() | emails(),
        phone=st.none() | phones(),
        address=st.none() | postal_addresses(),
        timezone=st.none() | timezone_names(),
        locale=st.none() | locales(),
        ownership=st.lists(_owner_changes(), max_size=2).map(tuple),
        consents=st.lists(consent_records(), max_size=3).map(tuple),
        suppressions=st.lists(suppression_changes(), max_size=3).map(tuple),
        tags=st.frozensets(_words(_LETTERS, 2), max_size=4),
        merged_ids=st.lists(customer_ids(), max_size=2).map(tuple),
        version=st.integers(min_value=0, max_value=10**6),
    )


def json_payloads() -> st.SearchStrategy[dict[str, object]]:
    """JSON objects that `json.dumps` writes and `json.loads` reads back equal (no NaN)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(),
    )
    values = st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
        max_leaves=10,
    )
    return st.dictionaries(st.text(), values, max_size=4)


def domain_events() -> st.SearchStrategy[DomainEvent]:
    """Domain events with dotted type names, an unambiguous instant and JSON-safe payloads."""
    type_name = st.lists(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), min_size=1, max_size=3)
    return st.builds(
        DomainEvent,
        type=type_name.map(".".join),
        occurred_at=aware_datetimes(unambiguous=True),
        customer_id=customer_ids(),
        aggregate_id=customer_ids(),
        payload=json_payloads(),
    )
