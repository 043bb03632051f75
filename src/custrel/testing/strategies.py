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
from collections.abc import Callable
from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from custrel.calendars import BusinessCalendar
from custrel.cases import (
    TRANSITIONS,
    Case,
    CaseKind,
    CaseStatus,
    Priority,
    Voucher,
)
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
from custrel.errors import InvalidTransitionError
from custrel.events import DomainEvent
from custrel.interactions import (
    Channel as InteractionChannel,
)
from custrel.interactions import (
    Direction,
    Interaction,
    InteractionKind,
    Opportunity,
    Outcome,
)
from custrel.lifecycle import Journey, Promise, Relationship, SaleLine, StageLadder
from custrel.loyalty import (
    Expiry,
    LoyaltyProgram,
    LoyaltySignals,
    Order,
    OrderLine,
    PointsAccount,
    Shortfall,
    Tier,
)
from custrel.money import CURRENCIES, Money

__all__ = [
    "amounts",
    "aware_datetimes",
    "business_calendars",
    "case_histories",
    "consent_records",
    "currencies",
    "customer_ids",
    "customers",
    "domain_events",
    "emails",
    "interactions",
    "journeys",
    "json_payloads",
    "locales",
    "loyalty_orders",
    "loyalty_signals",
    "money",
    "person_names",
    "phones",
    "points_accounts",
    "postal_addresses",
    "relationships",
    "stage_ladders",
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


def _one_instant(value: pendulum.DateTime) -> pendulum.DateTime:
    """*value*, in UTC if its wall time is in a fold (where ``==`` across zones is False).

    Drawn facts come at drawn gaps after an unambiguous start and may land in a fold; a value
    read back from storage holds the same instant in UTC, and must compare equal to it.
    """
    return value if _names_one_instant(value) else value.in_timezone("UTC")


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


# -- cases ---------------------------------------------------------------------------------

_STAFF = ("ada", "bo", "cy", "dag")
_ESCALATIONS = ("warn-75", "breach", "team-lead")
_CASE_CHANNELS = ("email", "phone", "chat", "store", "web")
_WORKING = tuple(status for status in CaseStatus if status.is_open)


def _compensations() -> st.SearchStrategy[Money | Voucher | None]:
    positive = st.decimals(
        min_value=Decimal("0.01"), max_value=10**6, places=2, allow_nan=False
    ).map(lambda amount: Money(amount, "NOK"))
    voucher = st.builds(Voucher, st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True), positive)
    return st.none() | positive | voucher


def _case_step(draw: st.DrawFn, case: Case, at: pendulum.DateTime) -> Case:
    status = case.status
    staff = st.sampled_from(_STAFF)

    def escalate() -> Case:
        return case.record_escalation(draw(st.sampled_from(_ESCALATIONS)), at)

    if status is CaseStatus.CLOSED:
        return escalate()
    operations: dict[str, Callable[[], Case]] = {
        "priority": lambda: case.change_priority(draw(st.sampled_from(Priority)), at),
        "kind": lambda: case.change_kind(draw(st.sampled_from(CaseKind)), at),
        "assign": lambda: case.assign(draw(st.none() | staff), at, reason="drawn"),
        "escalate": escalate,
        "customer": lambda: case.customer_reply(at),
    }
    if status.is_open:
        targets = sorted(TRANSITIONS[status] & set(_WORKING))
        operations["agent"] = lambda: case.agent_reply(at, agent=draw(staff))
        operations["status"] = lambda: case.set_status(
            draw(st.sampled_from(targets)), at, actor=draw(staff)
        )
        operations["resolve"] = lambda: _resolve(draw, case, at)
    else:
        operations["reopen"] = lambda: case.reopen(at, actor=draw(staff))
        operations["close"] = lambda: case.close(at, actor=draw(staff))
    return operations[draw(st.sampled_from(sorted(operations)))]()


def _resolve(draw: st.DrawFn, case: Case, at: pendulum.DateTime) -> Case:
    apology = draw(st.booleans())
    compensation = draw(_compensations())
    actor = draw(st.sampled_from(_STAFF))
    if draw(st.booleans()):
        # First contact holds only before any back-and-forth; ask for it, fall back if refused.
        try:
            return case.resolve(
                at, first_contact=True, apology=apology, compensation=compensation, actor=actor
            )
        except InvalidTransitionError:
            pass
    return case.resolve(at, apology=apology, compensation=compensation, actor=actor)


def case_histories(
    *,
    max_events: int = 20,
    start: st.SearchStrategy[dt.datetime] | None = None,
    max_gap: dt.timedelta = dt.timedelta(days=3),
) -> st.SearchStrategy[Case]:
    """Cases with a valid random history, made by applying random operations in time order.

    Every operation a case allows can appear: agent and customer replies, status changes along
    `custrel.cases.TRANSITIONS`, resolutions (at first contact, with an apology, with Money or a
    `Voucher`), reopening (also by a customer's reply), closing, priority and kind changes,
    assignments among staff ``ada``, ``bo``, ``cy`` and ``dag`` (or nobody), and escalation steps
    ``warn-75``, ``breach`` and ``team-lead``. Gaps between events are 0 to *max_gap* in whole
    seconds, zero often, so several events can share an instant.

    Args:
        max_events: The most events a history has (at least 1: the opening).
        start: When cases open; by default an unambiguous instant in 2000-2100 in any zone.
        max_gap: The longest time between two events.
    """
    if max_events < 1:
        raise ValueError("max_events must be at least 1")
    starts = start if start is not None else _case_starts()
    seconds = int(max_gap.total_seconds())

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        at = pendulum.instance(draw(starts))
        case = Case.open(
            id=draw(st.from_regex(r"c-[0-9]{1,6}", fullmatch=True)),
            customer_id=draw(customer_ids()),
            kind=draw(st.sampled_from(CaseKind)),
            priority=draw(st.sampled_from(Priority)),
            at=at,
            channel=draw(st.none() | st.sampled_from(_CASE_CHANNELS)),
            order_id=draw(st.none() | st.from_regex(r"o-[0-9]{1,6}", fullmatch=True)),
            subject=draw(_words(_LETTERS, 4) | st.just("")),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=max_events - 1))):
            gap = draw(st.just(0) | st.integers(min_value=0, max_value=seconds))
            at = at.add(seconds=gap)
            case = _case_step(draw, case, at)
        return case

    return build()


def _case_starts() -> st.SearchStrategy[dt.datetime]:
    return aware_datetimes(
        dt.datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        dt.datetime(2100, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        unambiguous=True,
    )


# -- business calendars --------------------------------------------------------------------

_CALENDAR_ZONES = ("Europe/Oslo", "America/New_York", "Australia/Sydney", "UTC")
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Wall times where clocks change (01:00-03:30) come up often, so gaps and folds are exercised.
_SWITCH_TIMES = tuple(minutes * 60 for minutes in (0, 30, 60, 75, 90, 120, 135, 150, 165, 180, 210))


def _wall_text(seconds: int) -> str:
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    return f"{hour:02d}:{minute:02d}:{second:02d}" if second else f"{hour:02d}:{minute:02d}"


def _day_hours(resolution: int) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """One to three sorted, separate intervals with boundaries on multiples of *resolution*."""
    boundary = st.one_of(
        st.integers(min_value=0, max_value=86_400 // resolution).map(lambda n: n * resolution),
        st.sampled_from(_SWITCH_TIMES),
    )

    def pair_up(points: list[int]) -> tuple[tuple[str, str], ...]:
        points = sorted(points)
        return tuple(
            (_wall_text(start), _wall_text(end))
            for start, end in zip(points[0::2], points[1::2], strict=False)
        )

    return st.lists(boundary, min_size=2, max_size=6, unique=True).map(pair_up)


def business_calendars(
    *,
    timezones: tuple[str, ...] = _CALENDAR_ZONES,
    first: dt.date = dt.date(2024, 1, 1),
    last: dt.date = dt.date(2027, 12, 31),
    resolution: int = 60,
    min_open_days: int = 1,
    max_holidays: int = 8,
    max_openings: int = 2,
    max_closures: int = 2,
) -> st.SearchStrategy[BusinessCalendar]:
    """Business calendars with 1-3 intervals on each open weekday, holidays and one-offs.

    Zones default to Europe/Oslo, America/New_York, Australia/Sydney (southern hemisphere) and
    UTC; interval boundaries fall on multiples of *resolution* seconds (60: whole minutes) and
    often at the wall times where clocks change. Holidays, one-off openings and one-off closures
    fall between *first* and *last*. At least *min_open_days* weekdays are open.
    """
    day_hours = _day_hours(resolution)
    dates = st.dates(min_value=first, max_value=last)

    @st.composite
    def build(draw: st.DrawFn) -> BusinessCalendar:
        closed = draw(
            st.sets(st.integers(min_value=0, max_value=6), max_size=7 - max(min_open_days, 1))
        )
        week = {
            name: draw(day_hours) for index, name in enumerate(_DAY_NAMES) if index not in closed
        }
        return BusinessCalendar(
            timezone=draw(st.sampled_from(timezones)),
            week=week,
            holidays=draw(st.lists(dates, max_size=max_holidays)),
            openings=draw(st.dictionaries(dates, day_hours, max_size=max_openings)),
            closures=draw(st.dictionaries(dates, day_hours, max_size=max_closures)),
        )

    return build()


# -- interactions --------------------------------------------------------------------------


def interactions(
    *,
    customer_id: st.SearchStrategy[str] | None = None,
    at: st.SearchStrategy[dt.datetime] | None = None,
) -> st.SearchStrategy[Interaction]:
    """Logged contacts with every field drawn, scores only on feedback, text often non-ASCII.

    *customer_id* and *at* replace the strategies for those fields (by default any id, and
    unambiguous aware datetimes so that ``==`` is safe on the drawn instants).
    """
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
    optional_ids = st.none() | customer_ids()
    opportunities = st.builds(
        Opportunity,
        what=text.filter(str.strip),
        value=st.none() | money(),
        staff=optional_ids,
    )

    @st.composite
    def build(draw: st.DrawFn) -> Interaction:
        kind = draw(st.sampled_from(InteractionKind))
        feedback = kind is InteractionKind.FEEDBACK
        return Interaction(
            external_id=draw(customer_ids()),
            customer_id=draw(customer_id if customer_id is not None else customer_ids()),
            at=draw(at if at is not None else aware_datetimes(unambiguous=True)),
            channel=draw(st.sampled_from(InteractionChannel)),
            direction=draw(st.sampled_from(Direction)),
            kind=kind,
            outcome=draw(st.none() | st.sampled_from(Outcome)),
            outcome_note=draw(text),
            sentiment=draw(st.none() | st.integers(-2, 2)),
            staff=draw(optional_ids),
            order_id=draw(optional_ids),
            journey_id=draw(optional_ids),
            case_id=draw(optional_ids),
            notes=draw(text),
            opportunity=draw(st.none() | opportunities),
            csat=draw(st.none() | st.integers(1, 5)) if feedback else None,
            nps=draw(st.none() | st.integers(0, 10)) if feedback else None,
        )

    return build()


# -- lifecycle -------------------------------------------------------------------------------

_PRODUCTS = ("sofa", "pute", "lampe", "bord")
_LIFECYCLE_START = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive
_LIFECYCLE_END = dt.datetime(2100, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive


def stage_ladders(max_size: int = 6) -> st.SearchStrategy[StageLadder]:
    """Ladders of 1 to *max_size* unique stage names, often non-ASCII (``"stamkunde"``)."""
    name = _words(_LETTERS, 2).filter(lambda text: len(text) <= 50)  # noqa: PLR2004 - the limit
    return st.lists(name, min_size=1, max_size=max_size, unique=True).map(StageLadder)


def _gaps() -> st.SearchStrategy[dt.timedelta]:
    return st.integers(min_value=0, max_value=400 * 86_400).map(
        lambda seconds: dt.timedelta(seconds=seconds)
    )


def relationships(
    ladder: StageLadder | None = None, *, max_moves: int = 8
) -> st.SearchStrategy[Relationship]:
    """Relationships on *ladder* (or a drawn one) after up to *max_moves* moves either way.

    Moves are `Relationship.advance` forward and `Relationship.regress` back, at instants that
    never go back in time, so every history is one custrel could have written.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Relationship:
        chosen = ladder if ladder is not None else draw(stage_ladders())
        start = draw(aware_datetimes(_LIFECYCLE_START, _LIFECYCLE_END, unambiguous=True))
        relationship = Relationship.start(
            draw(customer_ids()), start, ladder=chosen, stage=draw(st.sampled_from(chosen.stages))
        )
        at = relationship.started_at
        for _ in range(draw(st.integers(0, max_moves))):
            stage = draw(st.sampled_from(chosen.stages))
            at = _one_instant(at + draw(_gaps()))
            actor = draw(st.sampled_from(_STAFF))
            if chosen.index(stage) > chosen.index(relationship.stage):
                relationship = relationship.advance(
                    stage, at, reason="drawn", actor=actor
                ).relationship
            elif chosen.index(stage) < chosen.index(relationship.stage):
                relationship = relationship.regress(
                    stage, at, reason="drawn", actor=actor
                ).relationship
        return relationship

    return build()


def _promises(draw: st.DrawFn, sold_at: pendulum.DateTime, lines: list[SaleLine]) -> list[Promise]:
    promises = []
    for _ in range(draw(st.integers(0, 4))):
        line = draw(st.none() | st.sampled_from(lines)) if lines else None
        made_by = draw(st.sampled_from(_STAFF))
        kind = draw(st.sampled_from(("delivery", "price", "quality")))
        product = None if line is None else line.product
        if kind == "delivery":
            end = _one_instant(sold_at + draw(_gaps()))
            earliest = draw(st.none() | st.just(_one_instant(end - draw(_gaps()))))
            quantity = None if line is None else draw(st.integers(1, int(line.quantity)))
            promises.append(
                Promise.delivery(
                    end, made_by=made_by, earliest=earliest, product=product, quantity=quantity
                )
            )
        elif kind == "price":
            amount = Money(draw(st.integers(1, 10_000)), "NOK")
            promises.append(Promise.price(amount, made_by=made_by, product=product))
        else:
            promises.append(Promise.quality("as described", made_by=made_by, product=product))
    return promises


def _journey_step(draw: st.DrawFn, journey: Journey, at: pendulum.DateTime) -> Journey:  # noqa: C901 - one branch per kind of fact
    step = draw(
        st.sampled_from(
            ("ship", "deliver", "deliver_part", "case", "resolve", "follow_up", "hand_over",
             "interaction", "charge", "break")
        )
    )  # fmt: skip
    products = [line.product for line in journey.lines]
    if step == "ship":
        change = journey.ship(at)
    elif step == "deliver":
        change = journey.deliver(at)
    elif step == "deliver_part" and products:
        part = {draw(st.sampled_from(products)): draw(st.integers(0, 3))}
        change = journey.deliver(at, part, final=draw(st.booleans()))
    elif step == "case":
        change = journey.link_case(draw(st.sampled_from(("c-1", "c-2"))), at)
    elif step == "resolve" and journey.open_case_ids:
        change = journey.resolve_case(draw(st.sampled_from(journey.open_case_ids)), at)
    elif step == "follow_up":
        change = journey.follow_up(at, by=draw(st.sampled_from(_STAFF)))
    elif step == "hand_over":
        change = journey.hand_over(draw(st.sampled_from(_STAFF)), at, reason="drawn")
    elif step == "interaction":
        change = journey.link_interaction(draw(customer_ids()), at)
    elif step == "charge":
        change = journey.charge(Money(draw(st.integers(1, 10_000)), "NOK"), at)
    elif step == "break" and journey.promises:
        promise = draw(st.sampled_from(journey.promises))
        change = journey.break_promise(promise.id or "", at, reason="drawn")
    else:
        return journey
    return change.value


def journeys(*, max_steps: int = 10) -> st.SearchStrategy[Journey]:
    """Sales with 0-3 lines and 0-4 promises of every kind, after up to *max_steps* facts.

    Facts (shipments, full and partial deliveries, cases, follow-ups, hand-overs, charges,
    broken promises) come at instants that never go back; a fact the journey refuses at that
    point (a second shipment, a follow-up with a case open) is skipped.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Journey:
        sold_at = draw(aware_datetimes(_LIFECYCLE_START, _LIFECYCLE_END, unambiguous=True))
        products = draw(st.lists(st.sampled_from(_PRODUCTS), max_size=3, unique=True))
        lines = [SaleLine(product, draw(st.integers(1, 5))) for product in products]
        journey = Journey.open(
            draw(customer_ids()),
            draw(customer_ids()),
            sold_at,
            lines=lines,
            promises=_promises(draw, pendulum.instance(sold_at), lines),
            total=draw(st.none() | money("NOK")),
            owner=draw(st.none() | st.sampled_from(_STAFF)),
        )
        at = journey.sold_at
        for _ in range(draw(st.integers(0, max_steps))):
            at = _one_instant(at + draw(_gaps()))
            try:
                journey = _journey_step(draw, journey, at)
            except InvalidTransitionError:
                continue
        return journey

    return build()


# -- loyalty points -----------------------------------------------------------------------------

_POINTS_START = pendulum.datetime(2026, 1, 5, 9, tz="Europe/Oslo")
_POINTS_PROGRAM = LoyaltyProgram(
    currency="NOK",
    category_rates={"books": 2, "gift-cards": 0},
    return_window=14,
    expiry=Expiry.after_days(365),
    tiers=[Tier("member"), Tier("silver", 1000, multiplier=Decimal("1.25"), discount=5)],
    shortfall=Shortfall.RECOVER,
)


def loyalty_orders(
    customer_id: str = "k-1", currency: str = "NOK", *, order_id: str = "o-1"
) -> st.SearchStrategy[Order]:
    """Orders of 1 to 4 lines (categories books, toys, gift-cards) placed in 2026-2027."""
    line_amounts = st.decimals(min_value=0, max_value=5000, places=2)
    lines = st.lists(
        st.tuples(st.sampled_from(["books", "toys", "gift-cards"]), line_amounts),
        min_size=1,
        max_size=4,
    )
    return st.builds(
        lambda placed, drawn: Order(
            id=order_id,
            customer_id=customer_id,
            placed_at=_POINTS_START.add(minutes=placed),
            lines=[
                OrderLine(str(index), category, Money(amount, currency))
                for index, (category, amount) in enumerate(drawn)
            ],
        ),
        st.integers(min_value=0, max_value=2 * 365 * 24 * 60),
        lines,
    )


def points_accounts(
    program: LoyaltyProgram | None = None, *, max_steps: int = 12
) -> st.SearchStrategy[PointsAccount]:
    """Points ledgers of customer ``"k-1"`` built by awards, bonuses, redemptions and returns.

    Each step happens some days after the previous one; a redemption asks for at most what is
    available and a return refunds part or all of an earlier order, so every drawn ledger is
    one the domain could have written. *program* defaults to a NOK program with a 14-day
    return window, expiry after a year and a silver tier.
    """
    rules = _POINTS_PROGRAM if program is None else program

    @st.composite
    def build(draw: st.DrawFn) -> PointsAccount:
        account = PointsAccount.open("k-1")
        at = _POINTS_START
        for step in range(draw(st.integers(0, max_steps))):
            at = at.add(days=draw(st.integers(0, 60)))
            kind = draw(st.sampled_from(["award", "award", "bonus", "redeem", "return"]))
            if kind == "award":
                order = draw(loyalty_orders(order_id=f"o-{step}"))
                order = Order(id=order.id, customer_id="k-1", placed_at=at, lines=order.lines)
                account = account.award(order, rules, at=at).value
            elif kind == "bonus":
                points = draw(st.integers(1, 500))
                account = account.grant_points(f"bonus-{step}", points, rules, at=at).value
            elif kind == "redeem" and account.available(at):
                points = draw(st.integers(1, account.available(at)))
                account = account.redeem(points, at=at, note=draw(st.text(max_size=20))).value
            elif kind == "return" and any(award.lines for award in account.awards):
                award = draw(st.sampled_from([award for award in account.awards if award.lines]))
                try:
                    account = account.reverse(award.key, rules, at=at).value
                except InvalidTransitionError:  # returned in full already
                    continue
        return account

    return build()


def loyalty_signals() -> st.SearchStrategy[LoyaltySignals]:
    """`LoyaltySignals` with any subset of the signals known, each in its valid range."""
    counts = st.integers(min_value=0, max_value=50)
    return st.builds(
        LoyaltySignals,
        recency_days=st.none() | st.floats(min_value=0, max_value=3650),
        frequency=st.none() | counts,
        monetary=st.none() | st.decimals(min_value=0, max_value=100_000, places=2),
        p_alive=st.none() | st.floats(min_value=0, max_value=1),
        tenure_days=st.none() | st.floats(min_value=0, max_value=20_000),
        csat_scores=st.none() | st.lists(st.integers(1, 5), max_size=10).map(tuple),
        nps_scores=st.none() | st.lists(st.integers(0, 10), max_size=10).map(tuple),
        complaints=st.none() | counts,
        complaints_resolved_in_sla=st.none() | counts,
        apologies_given=st.none() | counts,
        promises_made=st.none() | counts,
        promises_kept=st.none() | counts,
        referrals_made=st.none() | counts,
        referrals_converted=st.none() | counts,
        contacts_last_30_days=st.none() | counts,
        negative_contacts_90_days=st.none() | counts,
    )
