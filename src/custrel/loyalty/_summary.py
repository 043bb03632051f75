"""Per-customer purchase summaries (frequency, recency, T, monetary) from transaction rows.

The BTYD ("buy till you die") convention: purchases on the same day are one purchase occasion
whose amount is their sum; ``frequency`` counts the occasions after the first; ``recency`` is the
time from the first occasion to the last, ``T`` the time from the first occasion to the end of
observation, both in an explicit unit; ``monetary`` is the mean amount of the repeat occasions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import attrs

from custrel import _time
from custrel.errors import ValidationError
from custrel.ids import MAX_ID_LENGTH, check_id

__all__ = [
    "DAYS_PER_UNIT",
    "CustomerSummary",
    "HoldoutSummary",
    "TimeUnit",
    "calibration_and_holdout",
    "check_unit",
    "summarize",
]

TimeUnit = Literal["day", "week"]
"""The unit a summary's times (and so a model's parameters) are measured in."""

DAYS_PER_UNIT: dict[str, int] = {"day": 1, "week": 7}
"""Days in each `TimeUnit`; a week is exactly 7 days, so weeks are days / 7."""

_ZERO = Decimal(0)


def check_unit(value: object, field: str = "unit") -> TimeUnit:
    """Return *value* if it is a `TimeUnit`, else raise `ValidationError`."""
    if value not in DAYS_PER_UNIT:
        raise ValidationError(
            f"unknown time unit; expected one of {', '.join(map(repr, DAYS_PER_UNIT))}",
            field=field,
            value=value,
        )
    return cast("TimeUnit", value)


def _non_negative_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field=field, value=value)
    return value


def _time_span(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("expected a number", field=field, value=value)
    if not math.isfinite(value) or value < 0:
        raise ValidationError("expected a finite number >= 0", field=field, value=value)
    return float(value)


def _amount(value: object, field: str) -> Decimal:
    """Return a purchase amount as a Decimal: Decimal, int, str or finite float, never < 0."""
    if isinstance(value, bool):
        raise ValidationError("expected an amount, not a bool", field=field, value=value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError("must be a finite number", field=field, value=value)
        # The shortest repr is the number the float was written as: 29.33, not 29.3299999...
        amount = Decimal(repr(value))
    elif isinstance(value, (Decimal, int, str)):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise ValidationError("not a decimal number", field=field, value=value) from None
    else:
        raise ValidationError(
            "expected a Decimal, an int, a str or a float", field=field, value=value
        )
    if not amount.is_finite():
        raise ValidationError("must be a finite number", field=field, value=value)
    if amount < 0:
        raise ValidationError(
            "must not be negative; record a return as a separate adjustment, not a purchase",
            field=field,
            value=value,
        )
    return amount


def _monetary(value: object) -> Decimal:
    return _amount(value, "monetary")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _frequency(value: object) -> int:
    return _non_negative_int(value, "frequency")


def _recency(value: object) -> float:
    return _time_span(value, "recency")


def _age(value: object) -> float:
    return _time_span(value, "T")


class _SummarySlots:
    """The slots of a `CustomerSummary`, mutable: its storage, and `_Customer`'s.

    Both classes take their slots from here, so an object can change from one to the other
    with the cheapest check CPython makes for a ``__class__`` assignment (same base, nothing
    added). Subclasses add no slots.
    """

    __slots__ = ("T", "customer_id", "frequency", "monetary", "recency", "unit")

    customer_id: str
    frequency: int
    recency: float
    T: float
    monetary: Decimal
    unit: TimeUnit


@attrs.frozen(weakref_slot=False)  # a weakref slot would stop _Customer becoming one
class CustomerSummary(_SummarySlots):
    """What one customer's purchases say, in the BTYD convention.

    Attributes:
        customer_id: Whose purchases these are.
        frequency: Repeat purchase occasions: distinct purchase days after the first.
        recency: Time from the first purchase day to the last, in `unit` (0 with no repeats).
        T: Time from the first purchase day to the end of observation, in `unit`.
        monetary: Mean amount of the repeat occasions (each occasion's amounts summed); 0 with
            no repeats. Summaries made with ``include_first=True`` average every occasion.
        unit: ``"day"`` or ``"week"`` (7 days).
    """

    customer_id: str = attrs.field(converter=_customer_id)
    frequency: int = attrs.field(converter=_frequency)
    recency: float = attrs.field(converter=_recency)
    T: float = attrs.field(converter=_age)
    monetary: Decimal = attrs.field(converter=_monetary)
    unit: TimeUnit = attrs.field(converter=check_unit)

    def __attrs_post_init__(self) -> None:
        if self.recency > self.T:
            raise ValidationError(
                f"recency cannot exceed T ({self.T})", field="recency", value=self.recency
            )
        if self.frequency == 0 and self.recency != 0:
            raise ValidationError(
                "a customer without repeat purchases has recency 0",
                field="recency",
                value=self.recency,
            )

    @property
    def since_last_purchase(self) -> float:
        """Time from the last purchase day to the end of observation (``T - recency``)."""
        return self.T - self.recency


def _calibration(value: object) -> CustomerSummary:
    if not isinstance(value, CustomerSummary):
        raise ValidationError("expected a CustomerSummary", field="calibration", value=value)
    return value


def _duration(value: object) -> float:
    return _time_span(value, "duration")


@attrs.frozen
class HoldoutSummary:
    """A customer's summary at the end of calibration and what they did in the holdout period.

    Attributes:
        calibration: The summary of the purchases up to the calibration end.
        frequency: Purchase occasions (distinct days) in the holdout period.
        monetary: Mean amount of those occasions; 0 without any.
        duration: Length of the holdout period, in the calibration summary's unit.
    """

    calibration: CustomerSummary = attrs.field(converter=_calibration)
    frequency: int = attrs.field(converter=_frequency)
    monetary: Decimal = attrs.field(converter=_monetary)
    duration: float = attrs.field(converter=_duration)


if TYPE_CHECKING:
    _T = TypeVar("_T")

    class _SlotAlias(Generic[_T]):
        """What type checkers see of `_slot`: an attribute of type *_T*."""

        def __get__(self, instance: object, owner: object = None) -> _T: ...
        def __set__(self, instance: object, value: _T) -> None: ...


def _slot(name: str) -> Any:  # noqa: ANN401 - a slot's descriptor, typed by its alias
    """The descriptor of one of `_SummarySlots`'s slots: a second name for that slot."""
    return getattr(_SummarySlots, name)


class _Customer(_SummarySlots):
    """A customer being summarised: the running state while rows are read, then the summary.

    It has the slots of a `CustomerSummary` and no others (both take them from
    `_SummarySlots`), so `_summaries` writes the final values into the same slots and makes it
    a `CustomerSummary` by assigning its class: one object
    per customer, no copy, no converters (the values are valid by construction, and the
    public constructor still checks whatever users pass). Until then five slots hold the
    running state, under the names below.

    A purchase day is the bit ``1 << (end - day)`` for the fold's last day *end*: one int per
    distinct date, made once and shared by every row and customer of that date. A customer's
    days are those bits or-ed together, so the highest bit is the first day and the lowest the
    last, and a row never shifts anything, whatever the order of the rows.
    """

    __slots__ = ()

    day_bits: _SlotAlias[int] = _slot("frequency")
    """The purchase days, each as its bit."""
    first_bit: _SlotAlias[int] = _slot("T")
    """The bit of the first purchase day (the highest of `day_bits`)."""
    first_amount: _SlotAlias[Decimal | int] = _slot("recency")
    """The amount of the first day (an int while the rows give ints)."""
    later_amount: _SlotAlias[Decimal] = _slot("monetary")
    """The amount of the later days."""


_CACHE_SIZE = 1 << 14
"""How many distinct dates, and distinct float or text amounts, one run remembers: a bound, so
memory stays proportional to customers whatever the rows."""


_BLOCK_SIZE = 256
"""How many rows `_fold` takes from its input at a time: the rows it holds at once."""


class _NotADayError(ValueError):
    """Why a value is no purchase day; the caller names the field."""


def _day(value: object, zone: dt.tzinfo | None) -> int:
    """Return the ordinal of the purchase day *value* stands for, or raise `_NotADayError`."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _NotADayError("naive datetime; pass a date or a timezone-aware datetime")
        # A datetime's toordinal() is its own (wall-clock) date's.
        return (value.astimezone(zone) if zone is not None else value).toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    raise _NotADayError("expected a date or a timezone-aware datetime")


def _checked_day(value: object, field: str, zone: dt.tzinfo | None) -> int:
    """`_day`, raising `ValidationError` naming *field*."""
    try:
        return _day(value, zone)
    except _NotADayError as problem:
        raise ValidationError(str(problem), field=field, value=value) from None


def _zone(timezone: str | None) -> dt.tzinfo | None:
    return None if timezone is None else _time.timezone(timezone, "timezone")


_DayEntry = tuple[int, dict[str, _Customer]]
"""A purchase day's bit and the customers its purchases go to."""


class _Days:
    """Rows' dates as day bits (see `_Customer`), each distinct date checked once.

    Purchase dates repeat heavily (the 69,659 CDNOW rows fall on 546 days), so their checks, the
    comparison with the observation end and the bit run once per date; `known` maps the dates
    already accepted to their entry: the bit, and the customers the day's purchases go to
    (*before* for days up to *split*, else *after*). Datetimes are checked row by row: equal
    datetimes are one instant, which falls on different dates at different offsets, and
    timestamps seldom repeat; `entries` gives them the entry of their day, made once.
    """

    def __init__(
        self,
        *,
        end: int,
        zone: dt.tzinfo | None,
        split: int,
        before: dict[str, _Customer],
        after: dict[str, _Customer],
    ) -> None:
        self.end = end
        self.zone = zone
        self.split, self.before, self.after = split, before, after
        self.known: dict[object, _DayEntry] = {}
        self.entries: dict[int, _DayEntry] = {}
        self.earliest = end
        """The earliest purchase day read."""

    def read(self, value: object, field: str = "date") -> _DayEntry:
        """Check a value `known` does not hold and return its entry; raise naming *field*."""
        try:
            day = _day(value, self.zone)
        except _NotADayError as problem:
            raise ValidationError(str(problem), field=field, value=value) from None
        if day > self.end:
            raise ValidationError(
                f"after the observation end {dt.date.fromordinal(self.end).isoformat()}",
                field=field,
                value=value,
            )
        entry = self.entries.get(day)
        if entry is None:
            self.earliest = min(self.earliest, day)
            entry = (1 << (self.end - day), self.before if day <= self.split else self.after)
            if len(self.entries) < _CACHE_SIZE:
                self.entries[day] = entry
        if len(self.known) < _CACHE_SIZE and not isinstance(value, dt.datetime):
            self.known[value] = entry
        return entry


class _Amounts:
    """Rows' amounts that are not already a finite, non-negative `Decimal` or `int`.

    Floats and strings become Decimals as written, once per distinct value (turning a float
    into ``Decimal(repr(x))`` costs ten dict look-ups). Ints need no conversion: a Decimal plus
    an int is an exact Decimal.
    """

    def __init__(self) -> None:
        self.known: dict[float | str, Decimal] = {}

    def read(self, value: object, field: str = "amount") -> Decimal:
        """Return *value* as a checked Decimal, or raise naming *field*."""
        # Only exact floats and strs as keys: they never equal each other, while 1 == 1.0
        # would hand an int a float's Decimal.
        cacheable = type(value) is float or type(value) is str
        if cacheable:
            known = self.known.get(cast("float | str", value))
            if known is not None:
                return known
        amount = _amount(value, field)
        if cacheable and len(self.known) < _CACHE_SIZE:
            self.known[cast("float | str", value)] = amount
        return amount


def _hash_keeping_dict() -> dict[str, _Customer]:
    """An empty dict that keeps each key's hash beside the key, though its keys are strs.

    A dict of str keys only keeps no hashes: a look-up that probes past other keys reads each
    of those strs to compare hashes, and with tens of thousands of customers those reads miss
    the CPU's caches. A dict that has once held another key keeps the hashes for good, at 8
    bytes a key; that made `summarize` 3-4 % faster on the CDNOW master file.
    """
    empty: dict[Any, Any] = {None: None}
    del empty[None]
    return empty


def _first_bad_row(
    block: list[Any], counted: int, days: _Days, amounts: _Amounts
) -> ValidationError | None:
    """The `ValidationError` naming the first bad row of *block*, or None if all are sound.

    *counted* is the number of rows before the block. The checks are `_fold`'s, made in the
    same order, so the row they stop at is the one the fold stopped at.
    """
    try:
        for number, row in enumerate(block, counted + 1):
            try:
                customer_id, when, amount = row
            except (TypeError, ValueError):
                return ValidationError(
                    "expected a (customer_id, date, amount) row", field=f"row {number}", value=row
                )
            days.read(when, f"row {number} date")
            amounts.read(amount, f"row {number} amount")
            check_id(customer_id, f"row {number} customer_id")
    except ValidationError as problem:
        return problem
    return None


def _fold(  # noqa: C901 - the hot loop, kept in one piece for speed
    rows: Iterable[Sequence[Any]],
    *,
    end: int,
    split: int,
    zone: dt.tzinfo | None,
) -> tuple[dict[str, _Customer], dict[str, _Customer], int]:
    """Fold rows into per-customer states: days up to *split*, and days after it up to *end*.

    Both hold day bits relative to *end* (see `_Customer`). The third value is the number of
    days from the earliest purchase to *end*.
    """
    before, after = _hash_keeping_dict(), _hash_keeping_dict()
    days, amounts = _Days(end=end, zone=zone, split=split, before=before, after=after), _Amounts()
    known_day, read_day, read_amount = days.known.get, days.read, amounts.read
    decimal_type, zero, new_customer = Decimal, _ZERO, _Customer
    rows_left, counted = iter(rows), 0
    block: list[Any] = []
    # The rows come in blocks so that the loop need not count them (nor keep each row) to name
    # a bad one: an error stops the loop, and _first_bad_row finds the row in the block.
    try:
        while block := list(islice(rows_left, _BLOCK_SIZE)):
            for customer_id, when, amount in block:
                bit, states = known_day(when) or read_day(when)
                if not (  # the common amounts, checked inline; read_amount does the rest
                    (type(amount) is decimal_type and amount.is_finite() and not amount.is_signed())
                    or (type(amount) is int and amount >= 0)
                ):
                    amount = read_amount(amount)  # noqa: PLW2901 - the checked amount
                customer = states.get(customer_id)
                if customer is None:
                    # check_id's rule, inlined: a call would cost more than the test
                    if (
                        type(customer_id) is not str
                        or not 0 < len(customer_id) <= MAX_ID_LENGTH
                        or customer_id != customer_id.strip()
                    ):
                        check_id(customer_id, "customer_id")
                    customer = states[customer_id] = new_customer()
                    customer.customer_id = customer_id
                    customer.day_bits = customer.first_bit = bit
                    customer.first_amount = amount
                    customer.later_amount = zero
                elif bit < customer.first_bit:  # a later day
                    customer.day_bits |= bit
                    customer.later_amount += amount
                elif bit == customer.first_bit:
                    customer.first_amount += amount
                else:  # an earlier first day
                    customer.day_bits |= bit
                    customer.first_bit = bit
                    customer.later_amount += customer.first_amount
                    customer.first_amount = amount
            counted += len(block)
    except (TypeError, ValueError):  # a ValidationError too; unhashable dates and ids
        bad_row = _first_bad_row(block, counted, days, amounts)
        if bad_row is None:  # no row is at fault: the rows' own iterator, say
            raise
        raise bad_row from None
    if counted == 0:
        raise ValidationError("no purchases to summarize", field="rows")
    return before, after, end - days.earliest


def _times_in_unit(days: int, days_per_unit: int) -> list[float]:
    """``k / days_per_unit`` for k = 0 .. *days*: every time a summary can hold, made once.

    A look-up instead of a division and a new float per customer, and one float object for
    all the customers with the same time.
    """
    return [k / days_per_unit for k in range(days + 1)]


def _summaries(
    customers: dict[str, _Customer],
    *,
    shift: int,
    unit: TimeUnit,
    include_first: bool,
    span: int,
) -> dict[str, CustomerSummary]:
    """Turn each customer's state, in place, into their summary.

    *shift* is the number of days from the observation end of the summaries to the day the
    bits count from (see `_Customer`): 0 unless this is a calibration period. *span* is the
    number of days from the earliest purchase to that day.
    """
    spans = _times_in_unit(span, DAYS_PER_UNIT[unit])
    ages = [0.0] * (1 + shift) + spans  # T for each bit length of a first day
    decimal_type, summary_type = Decimal, CustomerSummary
    for customer in customers.values():
        # Read the state before the summary's values overwrite the slots it borrows.
        bits, first_bit = customer.day_bits, customer.first_bit
        length = first_bit.bit_length()
        customer.T = ages[length]
        # One purchase day, the most common customer, kept cheap: the fold sets both slots to the
        # same bit and changes them only on another day. (Were they equal but not the same, the
        # other branch would give the same summary.)
        if bits is first_bit:
            if include_first:
                first_amount = customer.first_amount
                customer.monetary = (
                    first_amount if type(first_amount) is decimal_type else Decimal(first_amount)
                )
            # else monetary keeps the later amount, zero
            customer.frequency = 0
            customer.recency = 0.0
        else:
            frequency = bits.bit_count() - 1
            if include_first:
                customer.monetary = (customer.first_amount + customer.later_amount) / (
                    frequency + 1
                )
            elif frequency > 1:
                customer.monetary = customer.later_amount / frequency
            # else monetary keeps the later amount: the mean of one amount
            customer.frequency = frequency
            customer.recency = spans[length - (bits ^ (bits - 1)).bit_length()]
        customer.unit = unit
        customer.__class__ = summary_type  # type: ignore[assignment]  # see _Customer
    return cast("dict[str, CustomerSummary]", customers)


def summarize(
    rows: Iterable[Sequence[Any]],
    *,
    observation_end: dt.date,
    unit: TimeUnit = "day",
    include_first: bool = False,
    timezone: str | None = None,
) -> dict[str, CustomerSummary]:
    """Summarise transaction rows per customer, in one pass.

    Args:
        rows: ``(customer_id, when, amount)`` triples in any order. ``when`` is a `date` or a
            timezone-aware `datetime` (naive ones are refused); ``amount`` a `Decimal`, an
            `int`, a `str` or a finite `float`, never negative, taken as the exact decimal it
            is written as: ``monetary`` is a `Decimal` mean whatever the amounts' types, and
            the summaries do not depend on the order of the rows.
        observation_end: The last day observed (a date, or an aware datetime whose day counts);
            ``T`` runs to it and no purchase may come after it.
        unit: What ``recency`` and ``T`` are measured in: ``"day"`` or ``"week"`` (7 days, so
            fractional: 10 days is 1.4286 weeks). Purchase occasions are days either way.
        include_first: Average every occasion into ``monetary``, the first one too (for RFM),
            instead of only the repeat ones (what Gamma-Gamma needs).
        timezone: An IANA zone: a datetime's day is its local date *in this zone*. Without it a
            datetime's day is its own local date (the wall-clock date it carries).

    Returns:
        A dict from customer id to `CustomerSummary`, in order of first appearance.

    Raises:
        ValidationError: A malformed row (naming its 1-based position), a negative or non-finite
            amount, a naive datetime, a purchase after the observation end, an unknown unit, no
            rows at all.
    """
    checked_unit = check_unit(unit)
    zone = _zone(timezone)
    end = _checked_day(observation_end, "observation_end", zone)
    states, _, span = _fold(rows, end=end, split=end, zone=zone)
    return _summaries(states, shift=0, unit=checked_unit, include_first=include_first, span=span)


def calibration_and_holdout(
    rows: Iterable[Sequence[Any]],
    *,
    calibration_end: dt.date,
    observation_end: dt.date,
    unit: TimeUnit = "day",
    include_first: bool = False,
    timezone: str | None = None,
) -> dict[str, HoldoutSummary]:
    """Split transaction rows at *calibration_end*: summaries up to it, counts after it.

    Customers whose first purchase comes after the calibration end are not in the calibration
    cohort and are left out, as in Fader, Hardie and Lee (2005). Arguments are those of
    `summarize`; *calibration_end* must come before *observation_end*.

    Returns:
        A dict from customer id to `HoldoutSummary`, in order of first appearance.

    Raises:
        ValidationError: As `summarize`, and when *calibration_end* is not before
            *observation_end*.
    """
    checked_unit = check_unit(unit)
    zone = _zone(timezone)
    end = _checked_day(observation_end, "observation_end", zone)
    split = _checked_day(calibration_end, "calibration_end", zone)
    if split >= end:
        raise ValidationError(
            f"must come before the observation end {dt.date.fromordinal(end).isoformat()}",
            field="calibration_end",
            value=calibration_end,
        )
    before, after, span = _fold(rows, end=end, split=split, zone=zone)
    calibration = _summaries(
        before, shift=end - split, unit=checked_unit, include_first=include_first, span=span
    )
    duration = (end - split) / DAYS_PER_UNIT[checked_unit]
    result = {}
    for customer_id, summary in calibration.items():
        customer = after.get(customer_id)
        if customer is None:
            frequency, monetary = 0, _ZERO
        else:
            frequency = customer.day_bits.bit_count()
            monetary = (customer.first_amount + customer.later_amount) / frequency
        result[customer_id] = HoldoutSummary(summary, frequency, monetary, duration)
    return result
