"""A journey: one sale followed from sales through delivery and service to follow-up."""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.errors import InvalidTransitionError, NotFoundError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import check_id
from custrel.lifecycle._checks import enum_member, optional_id, tuple_of
from custrel.lifecycle._facts import (
    CaseOpened,
    CaseResolved,
    Charged,
    Delivered,
    FollowedUp,
    HandedOver,
    InteractionLinked,
    JourneyFact,
    PromiseSettled,
    Shipped,
    fact_from_dict,
    fact_to_dict,
)
from custrel.lifecycle._promises import Promise, PromiseKind, SaleLine
from custrel.lifecycle._relationship import ERASED_TEXT
from custrel.money import Money

__all__ = ["DuePromise", "Journey", "Phase", "PhaseChange", "SaleKind"]


class SaleKind(str, enum.Enum):
    """What was sold."""

    ORDER = "order"
    """Goods, delivered (in one or several deliveries)."""

    ENGAGEMENT = "engagement"
    """A service or project, delivered as a whole."""


class Phase(str, enum.Enum):
    """Where a journey is, in order: sales → delivery → service → follow-up → closed."""

    SALES = "sales"
    """Sold, not yet shipped."""

    DELIVERY = "delivery"
    """Shipped (or partly delivered), not yet delivered in full."""

    SERVICE = "service"
    """Delivered, with a service case open."""

    FOLLOW_UP = "follow_up"
    """Delivered, no case open, waiting for a follow-up after delivery or after service."""

    CLOSED = "closed"
    """Followed up after delivery and after any service."""

    @property
    def rank(self) -> int:
        """The position of the phase, 0 for sales."""
        return _PHASES.index(self)


_PHASES = list(Phase)


@attrs.frozen
class PhaseChange:
    """The journey entered *phase* at *at*."""

    phase: Phase
    at: pendulum.DateTime


@attrs.frozen
class _Trail:
    """A journey's facts replayed in time order, and what they add up to."""

    shipped_at: pendulum.DateTime | None
    delivered_at: pendulum.DateTime | None
    open_cases: tuple[str, ...]
    cases: tuple[str, ...]
    interactions: tuple[str, ...]
    owner: str | None
    settled: Mapping[str, PromiseSettled]
    timeline: tuple[PhaseChange, ...]
    followed_up_at: pendulum.DateTime | None


def _phase(shipped: bool, delivered: bool, open_cases: Iterable[str], followed: bool) -> Phase:
    if delivered:
        if any(True for _ in open_cases):
            return Phase.SERVICE
        return Phase.CLOSED if followed else Phase.FOLLOW_UP
    return Phase.DELIVERY if shipped else Phase.SALES


def _replay(  # noqa: C901, PLR0912, PLR0915 - one branch per kind of fact reads best
    sold_at: pendulum.DateTime, first_owner: str | None, facts: tuple[JourneyFact, ...]
) -> _Trail:
    shipped_at: pendulum.DateTime | None = None
    delivered_at: pendulum.DateTime | None = None
    partly_delivered = False
    open_cases: dict[str, pendulum.DateTime] = {}
    cases: dict[str, None] = {}
    interactions: dict[str, None] = {}
    owner = first_owner
    settled: dict[str, PromiseSettled] = {}
    followed = False
    followed_up_at = None
    timeline = [PhaseChange(Phase.SALES, sold_at)]
    for fact in facts:
        if fact.at < sold_at:
            raise InvalidTransitionError(
                f"a {fact.TYPE.replace('_', ' ')} fact at {fact.at.isoformat()} is before the "
                f"sale ({sold_at.isoformat()})"
            )
        if isinstance(fact, Shipped):
            if shipped_at is not None:
                raise InvalidTransitionError(f"already shipped at {shipped_at.isoformat()}")
            if delivered_at is not None:
                raise InvalidTransitionError(
                    f"cannot ship after the final delivery ({delivered_at.isoformat()})"
                )
            shipped_at = fact.at
        elif isinstance(fact, Delivered):
            if delivered_at is not None:
                raise InvalidTransitionError(
                    f"already delivered: the final delivery was at {delivered_at.isoformat()}"
                )
            partly_delivered = True
            if fact.final:
                delivered_at = fact.at
        elif isinstance(fact, CaseOpened):
            if fact.case_id in open_cases:
                raise InvalidTransitionError(f"case {fact.case_id!r} is already open")
            open_cases[fact.case_id] = fact.at
            cases[fact.case_id] = None
            followed = False
        elif isinstance(fact, CaseResolved):
            if fact.case_id not in open_cases:
                raise InvalidTransitionError(
                    f"case {fact.case_id!r} is not open on this journey at {fact.at.isoformat()}"
                )
            del open_cases[fact.case_id]
        elif isinstance(fact, InteractionLinked):
            if fact.interaction_id in interactions:
                raise InvalidTransitionError(
                    f"interaction {fact.interaction_id!r} is already linked"
                )
            interactions[fact.interaction_id] = None
        elif isinstance(fact, FollowedUp):
            if delivered_at is None:
                raise InvalidTransitionError("a follow-up comes after the final delivery")
            if open_cases:
                raise InvalidTransitionError(
                    f"a follow-up comes after service: case {next(iter(open_cases))!r} is open"
                )
            if followed and followed_up_at is not None:
                raise InvalidTransitionError(
                    f"already followed up at {followed_up_at.isoformat()}; the journey is closed"
                )
            followed = True
            followed_up_at = fact.at
        elif isinstance(fact, PromiseSettled):
            if fact.promise_id in settled:
                raise InvalidTransitionError(f"promise {fact.promise_id!r} is already settled")
            settled[fact.promise_id] = fact
        elif isinstance(fact, HandedOver):
            if fact.from_owner != owner:
                raise InvalidTransitionError(
                    f"the journey is owned by {owner!r}, not {fact.from_owner!r}"
                )
            owner = fact.to_owner
        phase = _phase(
            shipped_at is not None or partly_delivered,
            delivered_at is not None,
            open_cases,
            followed,
        )
        if phase is not timeline[-1].phase:
            timeline.append(PhaseChange(phase, fact.at))
    return _Trail(
        shipped_at=shipped_at,
        delivered_at=delivered_at,
        open_cases=tuple(open_cases),
        cases=tuple(cases),
        interactions=tuple(interactions),
        owner=owner,
        settled=settled,
        timeline=tuple(timeline),
        followed_up_at=followed_up_at,
    )


def _id(value: object) -> str:
    return check_id(value, "id")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _sold_at(value: object) -> pendulum.DateTime:
    return _time.instant(value, "sold_at")


def _sale_kind(value: object) -> SaleKind:
    return enum_member(SaleKind, value, "kind")


def _lines(value: object) -> tuple[SaleLine, ...]:
    lines = tuple_of(SaleLine, value, "lines")
    seen: set[str] = set()
    for line in lines:
        if line.product in seen:
            raise ValidationError(
                "each product is one line; add the quantities up", field="lines", value=line.product
            )
        seen.add(line.product)
    return lines


def _promises(value: object) -> tuple[Promise, ...]:
    return tuple_of(Promise, value, "promises")


def _total(value: object) -> Money | None:
    if value is not None and not isinstance(value, Money):
        raise ValidationError("expected Money or None", field="total", value=value)
    return value


def _first_owner(value: object) -> str | None:
    return optional_id(value, "first_owner")


def _facts(value: object) -> tuple[JourneyFact, ...]:
    facts = tuple(value) if isinstance(value, (tuple, list)) else None
    if facts is None or not all(hasattr(fact, "TYPE") for fact in facts):
        raise ValidationError("expected a tuple of journey facts", field="facts", value=value)
    return facts


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


def _numbered(promises: Iterable[Promise]) -> tuple[Promise, ...]:
    promises = tuple(promises)
    taken = {promise.id for promise in promises if promise.id is not None}
    numbered = []
    counter = 0
    for promise in promises:
        if promise.id is None:
            counter += 1
            while f"p{counter}" in taken:
                counter += 1
            promise = attrs.evolve(promise, id=f"p{counter}")  # noqa: PLW2901 - numbering it
        numbered.append(promise)
    return tuple(numbered)


@attrs.frozen(kw_only=True)
class Journey:
    """One sale (an order or an engagement) followed through its phases, with its promises.

    Build one with `Journey.open`. The only state after the sale is a time-ordered tuple of
    facts (shipped, delivered, cases opened and resolved, interactions linked, follow-ups,
    promises settled by staff, hand-overs); the phase, its timestamps, the owner and the open
    cases are derived from them. Operations return a `Change` with the new journey and its
    events; recording a fact already recorded changes nothing. ``version`` is set by storage.

    The phase is derived from the facts as they stand:

    - not shipped and nothing delivered: `Phase.SALES`;
    - shipped or partly delivered: `Phase.DELIVERY`;
    - finally delivered, with a case open: `Phase.SERVICE`;
    - finally delivered, no case open, no follow-up since the delivery or the last case:
      `Phase.FOLLOW_UP`;
    - otherwise `Phase.CLOSED`.

    Progress (shipping, delivering, resolving a case, following up) never moves the phase back;
    a case opened after delivery moves it to service again, even from closed, because the
    customer needs service for this sale again.

    Raises:
        ValidationError: A malformed field; promises without ids, with duplicate ids, due
            before the sale, or about a product not on the order; facts that contradict each
            other (`InvalidTransitionError`).
    """

    id: str = attrs.field(converter=_id)
    customer_id: str = attrs.field(converter=_customer_id)
    sold_at: pendulum.DateTime = attrs.field(converter=_sold_at)
    kind: SaleKind = attrs.field(default=SaleKind.ORDER, converter=_sale_kind)
    lines: tuple[SaleLine, ...] = attrs.field(default=(), converter=_lines)
    promises: tuple[Promise, ...] = attrs.field(default=(), converter=_promises)
    total: Money | None = attrs.field(default=None, converter=_total)
    first_owner: str | None = attrs.field(default=None, converter=_first_owner)
    facts: tuple[JourneyFact, ...] = attrs.field(default=(), converter=_facts)
    version: int = attrs.field(default=0, converter=_version, eq=False)
    _trail: _Trail = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._check_promises()
        if any(
            later.at < earlier.at
            for earlier, later in zip(self.facts, self.facts[1:], strict=False)
        ):
            raise ValidationError("facts are not in time order", field="facts")
        object.__setattr__(self, "_trail", _replay(self.sold_at, self.first_owner, self.facts))

    def _check_promises(self) -> None:
        ordered = {line.product: line.quantity for line in self.lines}
        seen: set[str] = set()
        for index, promise in enumerate(self.promises):
            where = f"promises[{index}]"
            if promise.id is None:
                raise ValidationError("a stored promise has an id", field=f"{where}.id")
            if promise.id in seen:
                raise ValidationError(
                    "promise ids are unique", field=f"{where}.id", value=promise.id
                )
            seen.add(promise.id)
            if promise.due is not None and promise.due < self.sold_at:
                raise ValidationError(
                    f"due before the sale ({self.sold_at.isoformat()})",
                    field=f"{where}.window.end",
                    value=promise.due.isoformat(),
                )
            if promise.product is None:
                continue
            if promise.product not in ordered:
                raise ValidationError(
                    "the product is not a line of the order",
                    field=f"{where}.product",
                    value=promise.product,
                )
            if promise.quantity is not None and promise.quantity > ordered[promise.product]:
                raise ValidationError(
                    f"more than the {ordered[promise.product]} ordered",
                    field=f"{where}.quantity",
                    value=promise.quantity,
                )

    # -- building ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        id: str,  # noqa: A002 - the natural name: the host's order id
        customer_id: str,
        at: dt.datetime,
        *,
        kind: SaleKind | str = SaleKind.ORDER,
        lines: Iterable[SaleLine] = (),
        promises: Iterable[Promise] = (),
        total: Money | None = None,
        owner: str | None = None,
    ) -> Journey:
        """Start the journey of a sale made at *at*, with the promises made at the sale.

        Args:
            id: The host's id of the order or engagement; one journey per sale.
            customer_id: Who bought.
            at: When the sale was made.
            kind: An order or an engagement.
            lines: The products and quantities ordered (none for an engagement).
            promises: What was promised; those without an id are numbered ``p1``, ``p2``...
            total: The order's value, if the host wants it kept (for the loyalty score).
            owner: The staff member who owns the journey (see `custrel.lifecycle.route_owner`).

        Raises:
            ValidationError: A malformed field, a promise due before the sale, a promise about
                a product not ordered or for more than was ordered, duplicate promise ids.
        """
        return cls(
            id=id,
            customer_id=customer_id,
            sold_at=_time.instant(at, "at"),
            kind=kind,
            lines=tuple(lines),
            promises=_numbered(promises),
            total=total,
            first_owner=owner,
        )

    def started_event(self) -> DomainEvent:
        """The ``lifecycle.journey_started`` event announcing this sale."""
        return self._event(
            "lifecycle.journey_started",
            self.sold_at,
            kind=self.kind.value,
            lines=len(self.lines),
            promises=len(self.promises),
            owner=self.first_owner,
        )

    # -- derived views -------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """The phase the facts add up to."""
        return self._trail.timeline[-1].phase

    @property
    def is_open(self) -> bool:
        """True until the journey is closed."""
        return self.phase is not Phase.CLOSED

    @property
    def timeline(self) -> tuple[PhaseChange, ...]:
        """Every phase change in time order, starting with sales at the sale."""
        return self._trail.timeline

    def entered_at(self, phase: Phase | str) -> pendulum.DateTime | None:
        """When the journey first entered *phase*, or None if it has not (yet)."""
        phase = enum_member(Phase, phase, "phase")
        return next((change.at for change in self.timeline if change.phase is phase), None)

    def phase_at(self, instant: dt.datetime) -> Phase | None:
        """The phase at *instant*, as the facts recorded so far tell it (None before the sale)."""
        instant = _time.instant(instant, "instant")
        current = None
        for change in self.timeline:
            if change.at > instant:
                break
            current = change.phase
        return current

    @property
    def owner(self) -> str | None:
        """The staff member who owns the journey now (after any hand-over)."""
        return self._trail.owner

    @property
    def handovers(self) -> tuple[HandedOver, ...]:
        """Every hand-over, in time order."""
        return tuple(fact for fact in self.facts if isinstance(fact, HandedOver))

    @property
    def shipped_at(self) -> pendulum.DateTime | None:
        """When the order was shipped, if it was."""
        return self._trail.shipped_at

    @property
    def delivered_at(self) -> pendulum.DateTime | None:
        """When the final delivery was made, if it was."""
        return self._trail.delivered_at

    @property
    def followed_up_at(self) -> pendulum.DateTime | None:
        """When the last follow-up was done, if one was."""
        return self._trail.followed_up_at

    @property
    def deliveries(self) -> tuple[Delivered, ...]:
        """Every delivery, in time order."""
        return tuple(fact for fact in self.facts if isinstance(fact, Delivered))

    @property
    def charges(self) -> tuple[Charged, ...]:
        """Every charge, in time order."""
        return tuple(fact for fact in self.facts if isinstance(fact, Charged))

    @property
    def case_ids(self) -> tuple[str, ...]:
        """The ids of every case linked to the journey, in the order they were first opened."""
        return self._trail.cases

    @property
    def open_case_ids(self) -> tuple[str, ...]:
        """The ids of the cases open now."""
        return self._trail.open_cases

    @property
    def interaction_ids(self) -> tuple[str, ...]:
        """The ids of the interactions linked to the journey, in time order."""
        return self._trail.interactions

    def promise(self, promise_id: str) -> Promise:
        """The promise with *promise_id*.

        Raises:
            NotFoundError: The journey has no such promise.
        """
        for promise in self.promises:
            if promise.id == promise_id:
                return promise
        raise NotFoundError(f"journey {self.id!r} has no promise {promise_id!r}")

    def settlement(self, promise_id: str) -> PromiseSettled | None:
        """Staff's word on a promise (kept or broken), or None."""
        return self._trail.settled.get(promise_id)

    def ordered(self, product: str) -> Decimal:
        """How many of *product* were ordered (0 if it is not a line)."""
        return next((line.quantity for line in self.lines if line.product == product), Decimal(0))

    def delivered(self, product: str, until: dt.datetime | None = None) -> Decimal:
        """How many of *product* were delivered (up to *until*, if given).

        A delivery without quantities brings everything then outstanding.
        """
        limit = None if until is None else _time.instant(until, "until")
        total = Decimal(0)
        for delivery in self.deliveries:
            if limit is not None and delivery.at > limit:
                break
            if delivery.quantities is None:
                total = max(total, self.ordered(product))
            else:
                total += delivery.quantities.get(product, Decimal(0))
        return total

    def is_settled(self, promise_id: str) -> bool:
        """True once nothing more can change whether the promise was kept.

        A delivery promise is settled by the final delivery, by delivering every promised unit,
        or by staff breaking it; a price promise by a charge or by staff; a quality promise by
        staff. Settling does not depend on tolerances or on the clock.
        """
        promise = self.promise(promise_id)
        if promise_id in self._trail.settled:
            return True
        if promise.kind is PromiseKind.PRICE:
            return any(charge.product == promise.product for charge in self.charges)
        if promise.kind is PromiseKind.QUALITY:
            return False
        if self.delivered_at is not None:
            return True
        if not self.deliveries:
            return False
        return all(
            self.delivered(product) >= wanted
            for product, wanted in self.promised_quantities(promise)
        )

    def promised_quantities(self, promise: Promise) -> tuple[tuple[str, Decimal], ...]:
        """The (product, quantity) pairs a delivery promise covers (none without lines)."""
        if promise.product is not None:
            return ((promise.product, promise.quantity or self.ordered(promise.product)),)
        return tuple((line.product, line.quantity) for line in self.lines)

    def unsettled_promises(self) -> tuple[Promise, ...]:
        """The promises not yet settled (see `is_settled`)."""
        return tuple(promise for promise in self.promises if not self.is_settled(promise.id or ""))

    # -- operations ----------------------------------------------------------------------

    def _event(self, type_: str, at: dt.datetime, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_,
            occurred_at=at,
            customer_id=self.customer_id,
            aggregate_id=self.id,
            payload=payload,
        )

    def _record(self, fact: JourneyFact, type_: str | None, **payload: Any) -> Change[Journey]:  # noqa: ANN401
        if fact in self.facts:
            return Change(self)
        position = bisect.bisect_right([existing.at for existing in self.facts], fact.at)
        updated = attrs.evolve(self, facts=(*self.facts[:position], fact, *self.facts[position:]))
        events = [] if type_ is None else [self._event(type_, fact.at, **payload)]
        if updated.phase is not self.phase:
            events.append(
                self._event(
                    "lifecycle.journey_phase_changed",
                    fact.at,
                    phase=updated.phase.value,
                    previous=self.phase.value,
                )
            )
        return Change(updated, tuple(events))

    def ship(self, at: dt.datetime) -> Change[Journey]:
        """Record that the order was shipped at *at*.

        Raises:
            InvalidTransitionError: Already shipped at another instant, or finally delivered
                before *at*, or *at* before the sale.
        """
        return self._record(Shipped(at), "lifecycle.order_shipped")

    def deliver(
        self,
        at: dt.datetime,
        quantities: Mapping[str, Decimal | int | str] | None = None,
        *,
        final: bool = True,
    ) -> Change[Journey]:
        """Record a delivery at *at*: of *quantities* per product, or of everything outstanding.

        Args:
            at: When the goods reached the customer.
            quantities: How many of each product (None: everything still outstanding).
            final: False for a partial delivery after which more is coming.

        Raises:
            ValidationError: A product not on the order, a negative quantity, or quantities on
                a sale without lines.
            InvalidTransitionError: Already finally delivered, or *at* before the sale.
        """
        fact = Delivered(at, quantities, final)
        if fact.quantities is not None:
            ordered = {line.product for line in self.lines}
            for product in fact.quantities:
                if product not in ordered:
                    raise ValidationError(
                        "the product is not a line of the order", field="quantities", value=product
                    )
        quantities_payload = (
            None
            if fact.quantities is None
            else {product: str(amount) for product, amount in fact.quantities.items()}
        )
        return self._record(
            fact, "lifecycle.order_delivered", final=fact.final, quantities=quantities_payload
        )

    def charge(
        self, amount: Money, at: dt.datetime, *, product: str | None = None
    ) -> Change[Journey]:
        """Record what the customer was charged (for the order, or for one *product*).

        Raises:
            ValidationError: A product not on the order, or a currency other than that of a
                price promise it settles.
        """
        fact = Charged(at, amount, product)
        if product is not None and self.ordered(product) == 0:
            raise ValidationError(
                "the product is not a line of the order", field="product", value=product
            )
        for promise in self.promises:
            if (
                promise.kind is PromiseKind.PRICE
                and promise.product == product
                and promise.amount is not None
                and promise.amount.currency != amount.currency
            ):
                raise ValidationError(
                    f"promise {promise.id!r} was a price in {promise.amount.currency}",
                    field="amount",
                    value=str(amount),
                )
        return self._record(
            fact, "lifecycle.order_charged", amount=amount.to_dict(), product=product
        )

    def link_case(self, case_id: str, at: dt.datetime) -> Change[Journey]:
        """Record that service case *case_id* about this sale was opened (or reopened) at *at*.

        Linking a case that is open already changes nothing.
        """
        fact = CaseOpened(at, case_id)
        if fact.case_id in self.open_case_ids:
            return Change(self)
        reopened = fact.case_id in self.case_ids
        return self._record(fact, "lifecycle.case_linked", case_id=fact.case_id, reopened=reopened)

    def resolve_case(self, case_id: str, at: dt.datetime) -> Change[Journey]:
        """Record that linked case *case_id* was resolved at *at* (again: no change).

        Raises:
            ValidationError: The case is not linked to this journey.
            InvalidTransitionError: *at* is before the case was opened.
        """
        fact = CaseResolved(at, case_id)
        if fact.case_id not in self.case_ids:
            raise ValidationError(
                f"not a case of journey {self.id!r}; link it first", field="case_id", value=case_id
            )
        if fact.case_id not in self.open_case_ids:
            return Change(self)
        return self._record(fact, "lifecycle.case_resolved", case_id=fact.case_id)

    def link_interaction(self, interaction_id: str, at: dt.datetime) -> Change[Journey]:
        """Record that logged interaction *interaction_id* belongs to this sale (once)."""
        fact = InteractionLinked(at, interaction_id)
        if fact.interaction_id in self.interaction_ids:
            return Change(self)
        return self._record(
            fact, "lifecycle.interaction_linked", interaction_id=fact.interaction_id
        )

    def follow_up(
        self, at: dt.datetime, *, by: str | None = None, note: str = ""
    ) -> Change[Journey]:
        """Record the follow-up after delivery (and after any service): the journey closes.

        Raises:
            InvalidTransitionError: Not finally delivered yet, a case is still open, or the
                journey was already followed up since its last service.
        """
        return self._record(FollowedUp(at, by, note), "lifecycle.follow_up_done", by=by)

    def keep_promise(
        self, promise_id: str, at: dt.datetime, *, reason: str, by: str | None = None
    ) -> Change[Journey]:
        """Record staff's word that a price or quality promise was kept.

        Raises:
            NotFoundError: No such promise.
            InvalidTransitionError: A delivery promise (those are kept by deliveries), or a
                promise already settled by staff.
        """
        promise = self.promise(promise_id)
        if promise.kind is PromiseKind.DELIVERY:
            raise InvalidTransitionError(
                f"promise {promise_id!r} is a delivery promise: record the delivery instead"
            )
        return self._settle(PromiseSettled(at, promise_id, kept=True, reason=reason, by=by))

    def break_promise(
        self, promise_id: str, at: dt.datetime, *, reason: str, by: str | None = None
    ) -> Change[Journey]:
        """Record staff's word that a promise was broken (or cannot be kept: a cancellation).

        Raises:
            NotFoundError: No such promise.
            InvalidTransitionError: The promise was already settled by staff.
        """
        self.promise(promise_id)
        return self._settle(PromiseSettled(at, promise_id, kept=False, reason=reason, by=by))

    def _settle(self, fact: PromiseSettled) -> Change[Journey]:
        earlier = self.settlement(fact.promise_id)
        if earlier is not None and earlier.kept == fact.kept:
            return Change(self)
        # The outcome event (lifecycle.promise_kept, ..._broken) is derived from the facts
        # by custrel.lifecycle.promise_events, like every other promise outcome.
        return self._record(fact, None)

    def hand_over(self, to: str | None, at: dt.datetime, *, reason: str) -> Change[Journey]:
        """Hand the journey to staff member *to* (None: nobody), recording from whom and why.

        Handing it to its owner changes nothing.

        Raises:
            InvalidTransitionError: *at* is before the sale or before a later hand-over.
        """
        fact = HandedOver(at, self.owner, to, reason)
        if fact.to_owner == self.owner:
            return Change(self)
        if self.handovers and fact.at < self.handovers[-1].at:
            raise InvalidTransitionError(
                f"at {fact.at.isoformat()} is before the last hand-over "
                f"({self.handovers[-1].at.isoformat()})"
            )
        return self._record(
            fact,
            "lifecycle.journey_handed_over",
            from_owner=fact.from_owner,
            to_owner=fact.to_owner,
        )

    def moved_to(self, customer_id: str) -> Journey:
        """This journey filed under another customer id (a merge into a survivor)."""
        return attrs.evolve(self, customer_id=customer_id)

    def erased(self) -> Journey:
        """This journey with its free text (statements, notes, reasons) pseudonymised."""

        def scrub(fact: JourneyFact) -> JourneyFact:
            if isinstance(fact, FollowedUp) and fact.note:
                return attrs.evolve(fact, note=ERASED_TEXT)
            if isinstance(fact, (PromiseSettled, HandedOver)):
                return attrs.evolve(fact, reason=ERASED_TEXT)
            return fact

        return attrs.evolve(
            self,
            promises=tuple(
                attrs.evolve(promise, statement=ERASED_TEXT) if promise.statement else promise
                for promise in self.promises
            ),
            facts=tuple(scrub(fact) for fact in self.facts),
        )

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything stored about this journey, JSON-safe (`from_dict` reads it back)."""
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "kind": self.kind.value,
            "sold_at": _time.format_instant(self.sold_at),
            "lines": [line.to_dict() for line in self.lines],
            "promises": [promise.to_dict() for promise in self.promises],
            "total": None if self.total is None else self.total.to_dict(),
            "first_owner": self.first_owner,
            "owner": self.owner,
            "phase": self.phase.value,
            "facts": [fact_to_dict(fact) for fact in self.facts],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Journey:
        """Rebuild a journey written by `to_dict`; malformed data raises `ValidationError`."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="journey", value=data)
        try:
            total = data.get("total")
            return cls(
                id=data.get("id"),
                customer_id=data.get("customer_id"),
                sold_at=_time.parse_instant(data.get("sold_at"), "sold_at"),
                kind=data.get("kind"),
                lines=[SaleLine.from_dict(item) for item in data.get("lines", ())],
                promises=[Promise.from_dict(item) for item in data.get("promises", ())],
                total=None if total is None else Money.from_dict(total),
                first_owner=data.get("first_owner"),
                facts=[fact_from_dict(item) for item in data.get("facts", ())],
                version=data.get("version", 0),
            )
        except (AttributeError, TypeError):
            raise ValidationError("malformed journey data", field="journey", value=data) from None


@attrs.frozen
class DuePromise:
    """A promise with a due instant, and the journey it belongs to (see ``promises_due``)."""

    journey: Journey
    promise: Promise

    @property
    def due(self) -> pendulum.DateTime:
        """When the promise was due."""
        assert self.promise.due is not None  # noqa: S101 - only promises with a due instant
        return self.promise.due
