"""Whether promises were kept: outcomes, lateness in calendar and business time, OTIF."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.events import DomainEvent
from custrel.lifecycle._checks import span, words
from custrel.lifecycle._journey import Journey
from custrel.lifecycle._promises import DeliveryWindow, OtifTolerance, Promise, PromiseKind

__all__ = [
    "BusinessTime",
    "OrderOtif",
    "Otif",
    "PromiseAssessment",
    "PromiseOutcome",
    "assess",
    "assess_journey",
    "otif",
    "promise_events",
]


class PromiseOutcome(str, enum.Enum):
    """What became of a promise."""

    PENDING = "pending"
    """Not decided yet: not due, or due but not yet delivered and the deadline not passed."""

    KEPT = "kept"
    """Delivered on time and in full; the price charged was at most the promised price; or
    staff confirmed a quality."""

    EARLY = "early"
    """Delivered in full before the promised window opened (beyond the early tolerance)."""

    LATE = "late"
    """Delivered in full, after the promised end (beyond the late tolerance)."""

    PARTIAL = "partial"
    """Something was delivered on time, but not in full."""

    BROKEN = "broken"
    """Nothing delivered by the deadline and not in full since, charged more than promised, or
    declared broken by staff."""

    @property
    def decided(self) -> bool:
        """False only for `PENDING`."""
        return self is not PromiseOutcome.PENDING


class BusinessTime(Protocol):
    """Anything that measures business time between two instants.

    `custrel.calendars.BusinessCalendar` is one: ``calendar.elapsed(a, b)`` is the open time in
    ``[a, b)``.
    """

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The business time from *start* to *end*."""
        ...


@attrs.frozen
class PromiseAssessment:
    """A promise's outcome at an instant, with the facts that decided it.

    Attributes:
        journey_id: The journey (the sale) the promise belongs to.
        customer_id: The customer it was made to.
        promise: The promise.
        outcome: The `PromiseOutcome`.
        outcome_at: When the outcome was decided (None while pending).
        settled: True once nothing more can change the outcome (see `Journey.is_settled`).
        on_time: For delivery promises once decided: delivered within the window and its
            tolerances (a partial delivery on time counts as on time). None otherwise.
        in_full: For delivery promises once decided: the promised quantity (less the
            tolerance) arrived. None otherwise.
        late_by: Calendar time from the promised end to the delivery in full, or to now while
            still undelivered; None when not late.
        business_late_by: The same in business time, when a calendar was given.
        shortfall: Per product, how many promised units have not arrived.
        reason: The outcome in words.
    """

    journey_id: str
    customer_id: str
    promise: Promise
    outcome: PromiseOutcome
    outcome_at: pendulum.DateTime | None
    settled: bool
    on_time: bool | None = None
    in_full: bool | None = None
    late_by: dt.timedelta | None = None
    business_late_by: dt.timedelta | None = None
    shortfall: Mapping[str, Decimal] = attrs.field(factory=dict, hash=False)
    reason: str = ""

    @property
    def otif(self) -> bool | None:
        """On time and in full (None for price and quality promises, and while pending)."""
        if self.on_time is None or self.in_full is None:
            return None
        return self.on_time and self.in_full


@attrs.frozen
class _Delivery:
    outcome: PromiseOutcome
    outcome_at: pendulum.DateTime | None
    on_time: bool | None
    in_full: bool | None
    completed_at: pendulum.DateTime | None
    final_at: pendulum.DateTime | None
    shortfall: Mapping[str, Decimal]
    reason: str


@attrs.frozen
class _Progress:
    """How the deliveries up to an instant added up against what was promised."""

    delivered: Mapping[str, Decimal]
    completed_at: pendulum.DateTime | None
    some_by_deadline: bool
    final_at: pendulum.DateTime | None


def _progress(
    journey: Journey,
    required: tuple[tuple[str, Decimal], ...],
    deadline: pendulum.DateTime,
    now: pendulum.DateTime,
    tolerance: OtifTolerance,
) -> _Progress:
    thresholds = {product: wanted * (1 - tolerance.quantity) for product, wanted in required}
    delivered = dict.fromkeys(thresholds, Decimal(0))
    completed_at: pendulum.DateTime | None = None
    some_by_deadline = False
    final_at = None
    for delivery in journey.deliveries:
        if delivery.at > now:
            break
        brought = not required  # without lines, any delivery brings "the" delivery
        for product, before in delivered.items():
            if delivery.quantities is None:
                delivered[product] = max(before, journey.ordered(product))
            else:
                delivered[product] = before + delivery.quantities.get(product, Decimal(0))
            brought = brought or delivered[product] > before
        some_by_deadline = some_by_deadline or (brought and delivery.at <= deadline)
        complete = (
            all(delivered[product] >= thresholds[product] for product in delivered)
            if required
            else delivery.final
        )
        if completed_at is None and complete:
            completed_at = delivery.at
        if delivery.final:
            final_at = delivery.at
    return _Progress(delivered, completed_at, some_by_deadline, final_at)


def _deliveries(
    journey: Journey,
    window: DeliveryWindow,
    required: tuple[tuple[str, Decimal], ...],
    now: pendulum.DateTime,
    tolerance: OtifTolerance,
) -> _Delivery:
    deadline = window.end + tolerance.late
    progress = _progress(journey, required, deadline, now, tolerance)
    completed_at, final_at = progress.completed_at, progress.final_at
    shortfall = MappingProxyType(
        {
            product: wanted - progress.delivered[product]
            for product, wanted in required
            if progress.delivered[product] < wanted
        }
    )

    def result(
        outcome: PromiseOutcome,
        at: pendulum.DateTime | None,
        on_time: bool | None,
        in_full: bool | None,
        reason: str,
    ) -> _Delivery:
        return _Delivery(outcome, at, on_time, in_full, completed_at, final_at, shortfall, reason)

    if completed_at is not None:
        lower = (
            None
            if window.start is None or tolerance.early is None
            else window.start - tolerance.early
        )
        if lower is not None and completed_at < lower:
            early = words(span(completed_at, lower))
            return result(
                PromiseOutcome.EARLY,
                completed_at,
                on_time=False,
                in_full=True,
                reason=f"delivered in full {early} before the window",
            )
        if completed_at <= deadline:
            return result(
                PromiseOutcome.KEPT,
                completed_at,
                on_time=True,
                in_full=True,
                reason="delivered on time and in full",
            )
        late = words(span(window.end, completed_at))
        return result(
            PromiseOutcome.LATE,
            completed_at,
            on_time=False,
            in_full=True,
            reason=f"delivered in full {late} after the promised end",
        )
    if final_at is None and now <= deadline:
        return result(PromiseOutcome.PENDING, None, None, None, "not decided yet")
    decided_at = deadline if final_at is None else min(final_at, deadline)
    if progress.some_by_deadline:
        return result(
            PromiseOutcome.PARTIAL,
            decided_at,
            on_time=True,
            in_full=False,
            reason="delivered on time, but not in full",
        )
    return result(
        PromiseOutcome.BROKEN,
        decided_at,
        on_time=False,
        in_full=False,
        reason="nothing delivered by the deadline, and not in full since",
    )


def _promise_of(journey: Journey, promise: Promise | str) -> Promise:
    if isinstance(promise, Promise):
        if promise.id is None or journey.promise(promise.id) != promise:
            raise ValidationError(
                f"not a promise of journey {journey.id!r}", field="promise", value=promise.id
            )
        return promise
    return journey.promise(promise)


def assess(
    journey: Journey,
    promise: Promise | str,
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> PromiseAssessment:
    """Decide what became of one promise of *journey*, as of *now*.

    Delivery promises are judged on the deliveries recorded up to *now*: the promise is
    complete at the first delivery after which every promised product has arrived, less the
    tolerated share; on time if that is between the window's start (less the early tolerance)
    and its end (plus the late tolerance). Lateness is measured from the promised end, in
    calendar time and, with *calendar*, in business time. Price promises are judged on the
    last charge, quality promises on staff's word; staff breaking a promise overrides all.

    Args:
        journey: The sale.
        promise: One of its promises, or its id.
        now: The instant to judge at; facts after it are ignored.
        tolerance: The `OtifTolerance` (none by default).
        calendar: A `BusinessTime` (such as a `BusinessCalendar`) for business lateness.

    Raises:
        NotFoundError: The journey has no such promise.
        ValidationError: A naive *now*.
    """
    now = _time.instant(now, "now")
    tolerance = tolerance or OtifTolerance()
    promise = _promise_of(journey, promise)
    assert promise.id is not None  # noqa: S101 - journeys number their promises
    settled = journey.is_settled(promise.id)
    word = journey.settlement(promise.id)
    if word is not None and word.at > now:
        word = None
    base = functools.partial(
        PromiseAssessment, journey.id, journey.customer_id, promise, settled=settled
    )
    if promise.kind is PromiseKind.DELIVERY:
        assert promise.window is not None  # noqa: S101 - checked when the promise was built
        result = _deliveries(
            journey, promise.window, journey.promised_quantities(promise), now, tolerance
        )
        late_until = result.completed_at
        if late_until is None and result.final_at is None:
            late_until = now  # still undelivered: late so far
        late_by = None
        business = None
        if late_until is not None and late_until > promise.window.end:
            late_by = span(promise.window.end, late_until)
            if calendar is not None:
                business = calendar.elapsed(promise.window.end, late_until)
        outcome, outcome_at, reason = result.outcome, result.outcome_at, result.reason
        on_time, in_full = result.on_time, result.in_full
        if word is not None and not word.kept:
            outcome, outcome_at, reason = PromiseOutcome.BROKEN, word.at, "declared broken by staff"
            on_time = bool(on_time)
            in_full = bool(in_full)
        return base(
            outcome=outcome,
            outcome_at=outcome_at,
            on_time=on_time,
            in_full=in_full,
            late_by=late_by,
            business_late_by=business,
            shortfall=result.shortfall,
            reason=reason,
        )
    if word is not None:
        outcome = PromiseOutcome.KEPT if word.kept else PromiseOutcome.BROKEN
        verb = "confirmed kept" if word.kept else "declared broken"
        return base(outcome=outcome, outcome_at=word.at, reason=f"{verb} by staff")
    if promise.kind is PromiseKind.PRICE:
        assert promise.amount is not None  # noqa: S101 - checked when the promise was built
        charges = [
            charge
            for charge in journey.charges
            if charge.product == promise.product and charge.at <= now
        ]
        if charges:
            last = charges[-1]
            kept = last.amount <= promise.amount
            return base(
                outcome=PromiseOutcome.KEPT if kept else PromiseOutcome.BROKEN,
                outcome_at=last.at,
                reason=f"charged {last.amount}, promised {promise.amount}",
            )
    return base(outcome=PromiseOutcome.PENDING, outcome_at=None, reason="open")


def assess_journey(
    journey: Journey,
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> tuple[PromiseAssessment, ...]:
    """`assess` every promise of *journey*, in the order they were made."""
    return tuple(
        assess(journey, promise, now, tolerance=tolerance, calendar=calendar)
        for promise in journey.promises
    )


@attrs.frozen
class Otif:
    """On time and in full, for an order or one of its lines."""

    on_time: bool
    in_full: bool

    @property
    def otif(self) -> bool:
        """Both on time and in full."""
        return self.on_time and self.in_full


@attrs.frozen
class OrderOtif:
    """On-time-in-full of one order, as a whole and per line.

    Attributes:
        journey_id: The order.
        order: The whole order: every delivery promise on time and in full. None when the order
            had no delivery promise, or one is still pending.
        lines: Per product covered by a delivery promise (its own, or the order's), once
            decided.
    """

    journey_id: str
    order: Otif | None
    lines: Mapping[str, Otif] = attrs.field(factory=dict, hash=False)


def otif(
    journey: Journey, now: dt.datetime, *, tolerance: OtifTolerance | None = None
) -> OrderOtif:
    """On-time-in-full of *journey*'s delivery promises as of *now*, per order and per line.

    A line is judged on its own promises, and on the order's whole-order promises applied to
    that line alone.
    """
    now = _time.instant(now, "now")
    tolerance = tolerance or OtifTolerance()
    promises = [promise for promise in journey.promises if promise.kind is PromiseKind.DELIVERY]
    assessments = [assess(journey, promise, now, tolerance=tolerance) for promise in promises]
    order = None
    if assessments and all(item.outcome.decided for item in assessments):
        order = Otif(
            all(bool(item.on_time) for item in assessments),
            all(bool(item.in_full) for item in assessments),
        )
    lines: dict[str, Otif] = {}
    for line in journey.lines:
        results = []
        for promise in promises:
            assert promise.window is not None  # noqa: S101 - a delivery promise
            if promise.product == line.product:
                required = journey.promised_quantities(promise)
            elif promise.product is None:
                required = ((line.product, line.quantity),)
            else:
                continue
            result = _deliveries(journey, promise.window, required, now, tolerance)
            broken = journey.settlement(promise.id or "")
            if broken is not None and not broken.kept and broken.at <= now:
                result = attrs.evolve(
                    result,
                    outcome=PromiseOutcome.BROKEN,
                    on_time=bool(result.on_time),
                    in_full=bool(result.in_full),
                )
            results.append(result)
        if results and all(result.outcome.decided for result in results):
            lines[line.product] = Otif(
                all(bool(result.on_time) for result in results),
                all(bool(result.in_full) for result in results),
            )
    return OrderOtif(journey.id, order, MappingProxyType(lines))


def promise_events(
    before: Journey,
    after: Journey,
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> tuple[DomainEvent, ...]:
    """The outcome events of the promises that *after* settled and *before* had not.

    One event per newly settled promise: ``lifecycle.promise_kept``, ``..._early``,
    ``..._late``, ``..._partial`` or ``..._broken``, with the promise id, kind, who made it, the
    product, and for delivery promises on time, in full and lateness in seconds (calendar and,
    with *calendar*, business).
    """
    events = []
    for promise in after.promises:
        assert promise.id is not None  # noqa: S101 - journeys number their promises
        if not after.is_settled(promise.id) or before.is_settled(promise.id):
            continue
        found = assess(after, promise, now, tolerance=tolerance, calendar=calendar)
        if not found.outcome.decided:
            continue
        events.append(
            DomainEvent(
                type=f"lifecycle.promise_{found.outcome.value}",
                occurred_at=found.outcome_at or _time.instant(now, "now"),
                customer_id=after.customer_id,
                aggregate_id=after.id,
                payload={
                    "promise_id": promise.id,
                    "kind": promise.kind.value,
                    "made_by": promise.made_by,
                    "product": promise.product,
                    "on_time": found.on_time,
                    "in_full": found.in_full,
                    "late_by_seconds": _seconds(found.late_by),
                    "business_late_by_seconds": _seconds(found.business_late_by),
                },
            )
        )
    return tuple(events)


def _seconds(span: dt.timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()
