"""Use cases for relationship stages, journeys, promises and referrals."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs
import pendulum

from custrel import _time
from custrel._use_cases._base import UseCases
from custrel._use_cases.customers import survivor
from custrel.cases import AssignmentPolicy, Case, Team
from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.interactions import Interaction
from custrel.lifecycle import (
    AUTOMATIC,
    DuePromise,
    Journey,
    KeepingRate,
    LifecyclePolicy,
    OrderOtif,
    Promise,
    PromiseAssessment,
    PromiseOutcome,
    Referral,
    Relationship,
    RelationshipStatus,
    SaleKind,
    SaleLine,
    StageFacts,
    StageResult,
    activity,
    assess_journey,
    cover_for,
    keeping_rate,
    otif,
    promise_events,
    rates_by_customer,
    rates_by_product,
    rates_by_staff,
    route_owner,
)
from custrel.money import Money
from custrel.storage.protocols import UnitOfWork

__all__ = ["LifecycleUseCases", "lifecycle_setting"]

_PAGE = 500
_DAY = dt.timedelta(days=1)
_REFERRALS = uuid.UUID("5d0b3f0e-4c55-4f7e-9d43-3f0f3b1f6a21")  # namespace of derived referral ids
_SAME_SALE = ("customer_id", "kind", "lines", "promises", "total")


def lifecycle_setting(value: object) -> LifecyclePolicy:
    """Check the ``lifecycle`` setting of `custrel.Relations`; None gives the defaults."""
    if value is None:
        return LifecyclePolicy()
    if not isinstance(value, LifecyclePolicy):
        raise ValidationError("expected a LifecyclePolicy or None", field="lifecycle", value=value)
    return value


class LifecycleUseCases(UseCases):
    """The `Relations` use cases for relationship stages, journeys, promises and referrals.

    Instants of facts (``at=``) default to the clock's now; they may be in the past (a sale
    imported late) but not later than the clock's now plus ``clock_skew``.
    """

    lifecycle: LifecyclePolicy
    assignment: AssignmentPolicy | None
    clock_skew: dt.timedelta

    # -- helpers --------------------------------------------------------------------------------

    def _fact_at(self, at: dt.datetime | None, now: pendulum.DateTime) -> pendulum.DateTime:
        if at is None:
            return now
        instant = _time.instant(at, "at")
        if instant > now + self.clock_skew:
            raise ValidationError(
                f"in the future (now is {now.isoformat()})", field="at", value=instant.isoformat()
            )
        return instant

    def _team(self) -> Team | None:
        return None if self.assignment is None else self.assignment.team

    def _journey_change(
        self,
        order_id: str,
        operation: Callable[[Journey, pendulum.DateTime], Change[Journey]],
        at: dt.datetime | None = None,
    ) -> Journey:
        now = self.clock.now()
        instant = self._fact_at(at, now)

        def work(uow: UnitOfWork) -> Journey:
            before = uow.journeys.get(order_id)
            change = operation(before, instant)
            if change.value == before:
                return before
            saved, events = self._save_journey(uow, before, change, max(now, instant))
            uow.outbox.add(events)
            return saved

        return self._run(work)

    def _save_journey(
        self, uow: UnitOfWork, before: Journey, change: Change[Journey], now: pendulum.DateTime
    ) -> tuple[Journey, list[DomainEvent]]:
        """Save a changed journey; return it with its events and those of promises it settled."""
        saved = uow.journeys.save(change.value)
        policy = self.lifecycle
        settled = promise_events(
            before, saved, now, tolerance=policy.otif, calendar=policy.calendar
        )
        return saved, [*change.events, *settled]

    def _sale_journey(
        self, uow: UnitOfWork, order_id: str | None, customer_id: str, at: pendulum.DateTime
    ) -> Journey | None:
        """The journey of *order_id* if it is *customer_id*'s sale, made before *at*."""
        if order_id is None:
            return None
        try:
            journey = uow.journeys.get(order_id)
        except NotFoundError:
            return None
        if journey.customer_id != customer_id or at < journey.sold_at:
            return None
        return journey

    def _case_stored(self, uow: UnitOfWork, case: Case, at: pendulum.DateTime) -> list[DomainEvent]:
        """A case about a sale puts its journey in service while open, and takes it out."""
        events = super()._case_stored(uow, case, at)
        journey = self._sale_journey(uow, case.order_id, case.customer_id, at)
        if journey is None:
            return events
        if case.is_open:
            change = journey.link_case(case.id, at)
        elif case.id in journey.open_case_ids:
            change = journey.resolve_case(case.id, at)
        else:
            return events
        if change.value == journey:
            return events
        return [*events, *self._save_journey(uow, journey, change, at)[1]]

    def _interaction_logged(self, uow: UnitOfWork, interaction: Interaction) -> list[DomainEvent]:
        """A contact about a sale (its journey, its order, or a case about it) joins the journey."""
        events = super()._interaction_logged(uow, interaction)
        sale = interaction.journey_id or interaction.order_id
        if sale is None and interaction.case_id is not None:
            with contextlib.suppress(NotFoundError):
                sale = uow.cases.get(interaction.case_id).order_id
        journey = self._sale_journey(uow, sale, interaction.customer_id, interaction.at)
        if journey is None:
            return events
        change = journey.link_interaction(interaction.external_id, interaction.at)
        if change.value == journey:
            return events
        now = max(self.clock.now(), interaction.at)
        return [*events, *self._save_journey(uow, journey, change, now)[1]]

    def _relationship(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> tuple[Relationship, list[DomainEvent]]:
        """The customer's relationship, started (at the ladder's first stage) if they had none."""
        try:
            return uow.relationships.get(customer_id), []
        except NotFoundError:
            started = Relationship.start(customer_id, at, ladder=self.lifecycle.ladder)
        try:
            return uow.relationships.add(started), [started.started_event()]
        except DuplicateError as error:  # started by a concurrent writer: run again, fresh
            raise ConflictError(
                f"the relationship of customer {customer_id!r} was started concurrently"
            ) from error

    def _stage_facts(
        self, uow: UnitOfWork, relationship: Relationship, nps_score: int | None = None
    ) -> StageFacts:
        since = relationship.rules_since
        journeys = uow.journeys.for_customer(relationship.customer_id, limit=None)
        converted = [
            referral
            for referral in uow.referrals.by_referrer(relationship.customer_id)
            if referral.counts
            and referral.converted_at is not None
            and (since is None or referral.converted_at > since)
        ]
        return StageFacts(
            orders=sum(1 for journey in journeys if since is None or journey.sold_at > since),
            converted_referrals=len(converted),
            nps_score=nps_score,
        )

    def _apply_rules(
        self,
        uow: UnitOfWork,
        customer_id: str,
        at: pendulum.DateTime,
        nps_score: int | None = None,
    ) -> tuple[StageResult, list[DomainEvent]]:
        relationship, events = self._relationship(uow, customer_id, at)
        facts = self._stage_facts(uow, relationship, nps_score)
        result = self.lifecycle.rules.apply(relationship, facts, max(at, relationship.stage_since))
        if result.applied:
            saved = uow.relationships.save(result.relationship)
            result = attrs.evolve(result, relationship=saved)
            events.extend(result.events)
        return result, events

    # -- relationships --------------------------------------------------------------------------

    def start_relationship(
        self,
        customer_id: str,
        *,
        stage: str | None = None,
        reason: str = "relationship started",
        actor: str = AUTOMATIC,
    ) -> Relationship:
        """Start a customer's relationship at *stage* (the ladder's first unless given).

        Raises:
            NotFoundError: No such customer.
            DuplicateError: The customer's relationship has started already.
            ValidationError: A stage not on the ladder, a blank reason or a malformed actor.
        """
        now = self.clock.now()

        def work(uow: UnitOfWork) -> Relationship:
            customer = survivor(uow, customer_id)
            relationship = Relationship.start(
                customer.id,
                now,
                ladder=self.lifecycle.ladder,
                stage=stage,
                actor=actor,
                reason=reason,
            )
            try:
                existing = uow.relationships.get(customer.id)
            except NotFoundError:
                stored = uow.relationships.add(relationship)
                uow.outbox.add([relationship.started_event()])
                return stored
            raise DuplicateError(
                f"customer {customer.id!r} has a relationship already, at {existing.stage!r}"
            )

        return self._run(work)

    def _move(self, customer_id: str, move: Callable[[Relationship], StageResult]) -> StageResult:
        now = self.clock.now()

        def work(uow: UnitOfWork) -> StageResult:
            customer = survivor(uow, customer_id)
            relationship, events = self._relationship(uow, customer.id, now)
            result = move(relationship)
            if result.applied:
                result = attrs.evolve(
                    result, relationship=uow.relationships.save(result.relationship)
                )
            uow.outbox.add([*events, *result.events])
            return result

        return self._run(work)

    def advance_stage(
        self, customer_id: str, stage: str, *, reason: str, actor: str
    ) -> StageResult:
        """Move a customer forward to *stage* (see `Relationship.advance`).

        A customer without a relationship starts at the ladder's first stage first. Asked to
        move back or to the current stage, nothing is written and the result says why.

        Raises:
            NotFoundError: No such customer.
            ValidationError: A stage not on the ladder, a blank reason or a malformed actor.
        """
        now = self.clock.now()
        return self._move(
            customer_id, lambda found: found.advance(stage, now, reason=reason, actor=actor)
        )

    def regress_stage(
        self, customer_id: str, stage: str, *, reason: str, actor: str
    ) -> StageResult:
        """Move a customer back to an earlier *stage*, on the record (see `Relationship.regress`).

        Automatic rules then count only facts after the move back.

        Raises:
            NotFoundError: No such customer.
            InvalidTransitionError: *stage* is not before the current stage.
            ValidationError: A stage not on the ladder, a blank reason or a malformed actor.
        """
        now = self.clock.now()
        return self._move(
            customer_id, lambda found: found.regress(stage, now, reason=reason, actor=actor)
        )

    def record_promoter_score(
        self, customer_id: str, score: int, *, at: dt.datetime | None = None
    ) -> StageResult:
        """Let a "how likely are you to recommend us" score (0-10) drive the stage rules.

        Under the default rules a promoter (9-10) who has ordered becomes an advocate. The
        score itself is kept by whoever ran the survey; this only moves the stage.

        Raises:
            NotFoundError: No such customer.
            ValidationError: A score outside 0-10.
        """
        StageFacts(nps_score=score)  # validates the score before anything is read
        now = self.clock.now()
        instant = self._fact_at(at, now)

        def work(uow: UnitOfWork) -> StageResult:
            customer = survivor(uow, customer_id)
            result, events = self._apply_rules(uow, customer.id, instant, nps_score=score)
            uow.outbox.add(events)
            return result

        return self._run(work)

    def _promoter_score_logged(
        self, uow: UnitOfWork, customer_id: str, score: int, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._promoter_score_logged(uow, customer_id, score, at)
        _, applied = self._apply_rules(uow, customer_id, at, nps_score=score)
        return [*events, *applied]

    def relationship(self, customer_id: str) -> Relationship:
        """A customer's relationship: stage and history.

        Raises:
            NotFoundError: No such customer, or their relationship has not started.
        """
        with self.store.unit_of_work() as uow:
            return uow.relationships.get(survivor(uow, customer_id).id)

    def relationship_status(self, customer_id: str) -> RelationshipStatus:
        """A customer's stage and activity (active, lapsed, churned, won back) now.

        Activity comes from the instants of their sales and the policy's thresholds.

        Raises:
            NotFoundError: No such customer.
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            customer = survivor(uow, customer_id)
            journeys = uow.journeys.for_customer(customer.id, limit=None)
            found = activity(
                (journey.sold_at for journey in journeys), now, self.lifecycle.activity
            )
            try:
                relationship = uow.relationships.get(customer.id)
            except NotFoundError:
                return RelationshipStatus(customer.id, None, None, found)
            return RelationshipStatus(
                customer.id, relationship.stage, relationship.stage_since, found
            )

    # -- journeys ---------------------------------------------------------------------------------

    def record_order(
        self,
        customer_id: str,
        order_id: str,
        *,
        at: dt.datetime | None = None,
        lines: Iterable[SaleLine] = (),
        promises: Iterable[Promise] = (),
        total: Money | None = None,
        kind: SaleKind | str = SaleKind.ORDER,
        owner: str | None = None,
    ) -> Journey:
        """Record a sale: its journey, with the promises made, and what follows from it.

        The journey goes to *owner*, else to the customer's dedicated owner, else (the owner
        absent on the assignment policy's team) to a colleague covering. The customer's stage
        rules run (a first order makes a customer, a second a repeat customer), and the oldest
        unconverted referral of the customer converts, which may make the referrer an advocate.

        Recording the same order again returns the stored journey and writes nothing; with
        other content (customer, kind, lines, promises, total, or ``at`` when given) it raises
        `DuplicateError` naming what differs.

        Raises:
            NotFoundError: No such customer.
            DuplicateError: The order was recorded with other content.
            ValidationError: Malformed lines or promises, a promise due before the sale, an
                instant in the future.
        """
        now = self.clock.now()
        sold_at = self._fact_at(at, now)
        lines, promises = tuple(lines), tuple(promises)

        def work(uow: UnitOfWork) -> Journey:
            customer = survivor(uow, customer_id)
            route = route_owner(customer.owner, self._team()) if owner is None else None
            candidate = Journey.open(
                order_id,
                customer.id,
                sold_at,
                kind=kind,
                lines=lines,
                promises=promises,
                total=total,
                owner=owner if route is None else route.owner,
            )
            try:
                return _same_sale(uow.journeys.get(order_id), candidate, exact_time=at is not None)
            except NotFoundError:
                pass
            try:
                stored = uow.journeys.add(candidate)
            except DuplicateError:  # a concurrent writer recorded it first
                return _same_sale(uow.journeys.get(order_id), candidate, exact_time=at is not None)
            events = [stored.started_event()]
            events.extend(self._convert_referral(uow, customer.id, stored))
            events.extend(self._apply_rules(uow, customer.id, sold_at)[1])
            uow.outbox.add(events)
            return stored

        return self._run(work)

    def _convert_referral(
        self, uow: UnitOfWork, customer_id: str, journey: Journey
    ) -> list[DomainEvent]:
        waiting = [
            referral
            for referral in uow.referrals.for_referred(customer_id)
            if referral.counts and not referral.converted and referral.at <= journey.sold_at
        ]
        if not waiting:
            return []
        change = waiting[0].convert(journey.id, journey.sold_at)
        uow.referrals.save(change.value)
        events = list(change.events)
        events.extend(self._apply_rules(uow, change.value.referrer_id, journey.sold_at)[1])
        return events

    def record_shipped(self, order_id: str, *, at: dt.datetime | None = None) -> Journey:
        """Record that an order was shipped.

        Raises:
            NotFoundError: No journey for the order.
            InvalidTransitionError: Shipped already at another instant, or delivered before.
        """
        return self._journey_change(order_id, lambda journey, when: journey.ship(when), at)

    def record_delivered(
        self,
        order_id: str,
        *,
        at: dt.datetime | None = None,
        quantities: Mapping[str, Decimal | int | str] | None = None,
        final: bool = True,
    ) -> Journey:
        """Record a delivery (of *quantities* per product, or everything outstanding).

        Promises settled by it are judged with the policy's OTIF tolerance and calendar, and
        each writes its outcome event: ``lifecycle.promise_kept``, ``..._early``,
        ``..._late``, ``..._partial`` or ``..._broken``.

        Raises:
            NotFoundError: No journey for the order.
            ValidationError: A product not on the order, or a negative quantity.
            InvalidTransitionError: Already finally delivered.
        """
        return self._journey_change(
            order_id, lambda journey, when: journey.deliver(when, quantities, final=final), at
        )

    def record_charge(
        self,
        order_id: str,
        amount: Money,
        *,
        product: str | None = None,
        at: dt.datetime | None = None,
    ) -> Journey:
        """Record what the customer was charged; a price promise is kept if it was no more."""
        return self._journey_change(
            order_id, lambda journey, when: journey.charge(amount, when, product=product), at
        )

    def keep_promise(
        self, order_id: str, promise_id: str, *, reason: str, by: str | None = None
    ) -> Journey:
        """Record that a price or quality promise was kept (``lifecycle.promise_kept``)."""
        return self._journey_change(
            order_id,
            lambda journey, when: journey.keep_promise(promise_id, when, reason=reason, by=by),
        )

    def break_promise(
        self, order_id: str, promise_id: str, *, reason: str, by: str | None = None
    ) -> Journey:
        """Record that a promise was broken or cannot be kept (``lifecycle.promise_broken``)."""
        return self._journey_change(
            order_id,
            lambda journey, when: journey.break_promise(promise_id, when, reason=reason, by=by),
        )

    def link_case(self, order_id: str, case_id: str, *, at: dt.datetime | None = None) -> Journey:
        """Record that a service case about this sale was opened, or reopened.

        The journey is in service while a linked case is open.
        """
        return self._journey_change(
            order_id, lambda journey, when: journey.link_case(case_id, when), at
        )

    def record_case_resolved(
        self, order_id: str, case_id: str, *, at: dt.datetime | None = None
    ) -> Journey:
        """Record that a linked case was resolved; with no case open, follow-up is next."""
        return self._journey_change(
            order_id, lambda journey, when: journey.resolve_case(case_id, when), at
        )

    def link_interaction(
        self, order_id: str, interaction_id: str, *, at: dt.datetime | None = None
    ) -> Journey:
        """Record that a logged contact (the contact log's id) belongs to this sale."""
        return self._journey_change(
            order_id, lambda journey, when: journey.link_interaction(interaction_id, when), at
        )

    def record_follow_up(
        self,
        order_id: str,
        *,
        by: str | None = None,
        note: str = "",
        at: dt.datetime | None = None,
    ) -> Journey:
        """Record the follow-up after delivery and service; the journey closes.

        *by* defaults to the journey's owner: follow-ups are the dedicated owner's.

        Raises:
            InvalidTransitionError: Not delivered yet, a case still open, or followed up already.
        """
        return self._journey_change(
            order_id,
            lambda journey, when: journey.follow_up(when, by=by or journey.owner, note=note),
            at,
        )

    def journey(self, order_id: str) -> Journey:
        """The journey of a sale.

        Raises:
            NotFoundError: No journey for the order.
        """
        with self.store.unit_of_work() as uow:
            return uow.journeys.get(order_id)

    def journeys(self, customer_id: str, *, limit: int | None = 100) -> Sequence[Journey]:
        """A customer's journeys, newest sale first (the survivor's, for a merged id)."""
        with self.store.unit_of_work() as uow:
            return uow.journeys.for_customer(survivor(uow, customer_id).id, limit=limit)

    def open_journeys(self, owner: str, *, limit: int = 100) -> Sequence[Journey]:
        """The journeys a staff member owns that are not closed, oldest sale first."""
        with self.store.unit_of_work() as uow:
            return uow.journeys.open_by_owner(owner, limit=limit)

    def promises_due(
        self,
        *,
        before: dt.datetime | None = None,
        customer_id: str | None = None,
        limit: int = 100,
    ) -> Sequence[DuePromise]:
        """Delivery promises due before *before* (now by default) and not yet settled."""
        before = self.clock.now() if before is None else before
        with self.store.unit_of_work() as uow:
            if customer_id is not None:
                customer_id = survivor(uow, customer_id).id
            return uow.journeys.promises_due(before, customer_id=customer_id, limit=limit)

    def promise_assessments(self, order_id: str) -> tuple[PromiseAssessment, ...]:
        """What became of each promise of a sale, as of now (see `custrel.lifecycle.assess`)."""
        journey = self.journey(order_id)
        policy = self.lifecycle
        return assess_journey(
            journey, self.clock.now(), tolerance=policy.otif, calendar=policy.calendar
        )

    def order_otif(self, order_id: str) -> OrderOtif:
        """On-time-in-full of a sale, per order and per line, with the policy's tolerance."""
        return otif(self.journey(order_id), self.clock.now(), tolerance=self.lifecycle.otif)

    def promise_keeping(
        self,
        *,
        by: Literal["staff", "product", "customer"],
        sold_from: dt.datetime | None = None,
        sold_until: dt.datetime | None = None,
    ) -> dict[str, KeepingRate]:
        """Promise-keeping rates of the sales in ``[sold_from, sold_until)``, grouped *by*.

        ``"staff"`` is the overselling view: who promises what cannot be delivered.

        Raises:
            ValidationError: *by* is not ``"staff"``, ``"product"`` or ``"customer"``.
        """
        grouping = {
            "staff": rates_by_staff,
            "product": rates_by_product,
            "customer": rates_by_customer,
        }
        if by not in grouping:
            raise ValidationError("expected 'staff', 'product' or 'customer'", field="by", value=by)
        journeys = self._all_journeys(sold_from, sold_until)
        policy = self.lifecycle
        return grouping[by](
            journeys, self.clock.now(), tolerance=policy.otif, calendar=policy.calendar
        )

    def _all_journeys(
        self, sold_from: dt.datetime | None, sold_until: dt.datetime | None
    ) -> list[Journey]:
        found: list[Journey] = []
        with self.store.unit_of_work() as uow:
            after = None
            while page := uow.journeys.find(
                sold_from=sold_from, sold_until=sold_until, after=after, limit=_PAGE
            ):
                found.extend(page)
                after = page[-1].id
        return found

    def customer_promise_keeping(self, customer_id: str) -> KeepingRate:
        """How many promises were made to a customer, and what became of them."""
        now = self.clock.now()
        policy = self.lifecycle
        return keeping_rate(
            assessment
            for journey in self.journeys(customer_id, limit=None)
            for assessment in assess_journey(
                journey, now, tolerance=policy.otif, calendar=policy.calendar
            )
        )

    # -- dedicated owner --------------------------------------------------------------------------

    def _hand_over(
        self,
        uow: UnitOfWork,
        journeys: Iterable[Journey],
        to: str | None,
        at: pendulum.DateTime,
        reason: str,
    ) -> list[Journey]:
        changed = []
        for journey in journeys:
            change = journey.hand_over(to, at, reason=reason)
            if change.events:
                changed.append(uow.journeys.save(change.value))
                uow.outbox.add(change.events)
        return changed

    def hand_over_journeys(
        self, customer_id: str, *, reason: str = "owner changed"
    ) -> list[Journey]:
        """Hand a customer's open journeys to their dedicated owner now (or whoever covers).

        `assign_owner` does this by itself; call it after an absence ends or a policy changes.
        Each journey records from whom, to whom, when and why. Returns the journeys that changed
        hands.
        """
        now = self.clock.now()

        return self._run(lambda uow: self._hand_over_to_owner(uow, customer_id, reason, now))

    def _hand_over_to_owner(
        self, uow: UnitOfWork, customer_id: str, reason: str, at: pendulum.DateTime
    ) -> list[Journey]:
        customer = survivor(uow, customer_id)
        route = route_owner(customer.owner, self._team())
        open_ones = [
            journey
            for journey in uow.journeys.for_customer(customer.id, limit=None)
            if journey.is_open
        ]
        because = reason if route.covering_for is None else f"{reason}; {route.reason}"
        return self._hand_over(uow, open_ones, route.owner, at, because)

    def _owner_assigned(
        self, uow: UnitOfWork, customer_id: str, reason: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._owner_assigned(uow, customer_id, reason, at)
        self._hand_over_to_owner(uow, customer_id, reason, at)  # writes its own events
        return events

    def cover_journeys(
        self, staff_id: str, *, to: str | None = None, reason: str = "absence cover"
    ) -> list[Journey]:
        """Hand the open journeys of an absent staff member to a colleague.

        *to* defaults to `custrel.lifecycle.cover_for` on the assignment policy's team: a
        present colleague sharing a role. Returns the journeys handed over.

        Raises:
            ValidationError: No *to* and no team to find cover on, nobody to cover, or *to* is
                the absent member.
        """
        if to is None:
            team = self._team()
            if team is None:
                raise ValidationError(
                    "no assignment policy with a team to find cover on; pass to=", field="to"
                )
            to = cover_for(staff_id, team)
            if to is None:
                raise ValidationError(
                    "nobody present on the team shares a role with",
                    field="staff_id",
                    value=staff_id,
                )
        if to == staff_id:
            raise ValidationError("cover is someone else", field="to", value=to)
        now = self.clock.now()
        cover = to

        def work(uow: UnitOfWork) -> list[Journey]:
            handed: list[Journey] = []
            while page := uow.journeys.open_by_owner(staff_id, limit=_PAGE):
                handed.extend(
                    self._hand_over(uow, page, cover, now, f"{reason}: covering for {staff_id}")
                )
            return handed

        return self._run(work)

    def return_journeys(self, staff_id: str, *, reason: str = "back from absence") -> list[Journey]:
        """Hand back to *staff_id* the open journeys of their customers that were handed away.

        A journey comes back when *staff_id* is its customer's dedicated owner and its last
        hand-over was from *staff_id*. Returns the journeys handed back.
        """
        now = self.clock.now()

        def work(uow: UnitOfWork) -> list[Journey]:
            returned: list[Journey] = []
            after = None
            while page := uow.customers.find(owner=staff_id, after=after, limit=_PAGE):
                after = page[-1].id
                for customer in page:
                    away = [
                        journey
                        for journey in uow.journeys.for_customer(customer.id, limit=None)
                        if journey.is_open
                        and journey.handovers
                        and journey.handovers[-1].from_owner == staff_id
                    ]
                    returned.extend(self._hand_over(uow, away, staff_id, now, reason))
            return returned

        return self._run(work)

    # -- referrals --------------------------------------------------------------------------------

    def record_referral(
        self,
        referrer_id: str,
        referred_id: str,
        *,
        at: dt.datetime | None = None,
        channel: str | None = None,
        code: str | None = None,
        referral_id: str | None = None,
    ) -> Referral:
        """Record that one customer referred another (who may still be a prospect).

        Both must be registered. Without *referral_id* the id is derived from the two customers,
        so recording the same referral again returns the stored one and writes nothing. The
        referral converts when the referred customer's next order is recorded.

        Raises:
            NotFoundError: Either customer is not registered.
            DuplicateError: *referral_id* is taken by a referral between other customers.
            ValidationError: A customer referring themself, malformed channel or code.
        """
        now = self.clock.now()
        instant = self._fact_at(at, now)

        def work(uow: UnitOfWork) -> Referral:
            referrer = survivor(uow, referrer_id).id
            referred = survivor(uow, referred_id).id
            key = referral_id or str(uuid.uuid5(_REFERRALS, f"{referrer}\x00{referred}"))
            referral = Referral.record(key, referrer, referred, instant, channel=channel, code=code)
            try:
                return _same_referral(uow.referrals.get(key), referral)
            except NotFoundError:
                pass
            try:
                stored = uow.referrals.add(referral)
            except DuplicateError:  # a concurrent writer recorded it first
                return _same_referral(uow.referrals.get(key), referral)
            uow.outbox.add([referral.recorded_event()])
            return stored

        return self._run(work)

    def record_referral_converted(
        self, referral_id: str, order_id: str, *, at: dt.datetime | None = None
    ) -> Referral:
        """Record that a referral converted by *order_id* (a sale custrel did not record).

        The referrer's stage rules run: a converted referral makes an advocate by default.

        Raises:
            NotFoundError: No such referral.
            InvalidTransitionError: Converted already by another order.
        """
        now = self.clock.now()
        instant = self._fact_at(at, now)

        def work(uow: UnitOfWork) -> Referral:
            change = uow.referrals.get(referral_id).convert(order_id, instant)
            if not change.events:
                return change.value
            saved = uow.referrals.save(change.value)
            events = list(change.events)
            events.extend(self._apply_rules(uow, saved.referrer_id, instant)[1])
            uow.outbox.add(events)
            return saved

        return self._run(work)

    def referrals(self, customer_id: str) -> Sequence[Referral]:
        """The referrals a customer made, oldest first."""
        with self.store.unit_of_work() as uow:
            return uow.referrals.by_referrer(survivor(uow, customer_id).id)

    # -- hooks ------------------------------------------------------------------------------------

    def _customer_merged(
        self, uow: UnitOfWork, survivor_id: str, duplicate_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """Move journeys, referrals and the relationship from the duplicate to the survivor.

        Relationship histories: the survivor keeps its own; if the duplicate had got further,
        the survivor advances to that stage at the merge (actor ``merge``); the duplicate's
        history is kept in `Relationship.merged`. Without a survivor relationship, the
        duplicate's is filed under the survivor as it was.
        """
        events = super()._customer_merged(uow, survivor_id, duplicate_id, at)
        journeys = uow.journeys.for_customer(duplicate_id, limit=None)
        for journey in journeys:
            uow.journeys.save(journey.moved_to(survivor_id))
        referrals = {
            referral.id: referral
            for referral in (
                *uow.referrals.by_referrer(duplicate_id),
                *uow.referrals.for_referred(duplicate_id),
            )
        }
        for referral in referrals.values():
            uow.referrals.save(referral.moved(duplicate_id, survivor_id))
        try:
            duplicate = uow.relationships.get(duplicate_id)
        except NotFoundError:
            duplicate = None
        if duplicate is not None:
            uow.relationships.remove(duplicate)
            try:
                kept = uow.relationships.get(survivor_id)
            except NotFoundError:
                uow.relationships.add(duplicate.moved_to(survivor_id))
            else:
                change = kept.absorb(duplicate, at)
                uow.relationships.save(change.value)
                events.extend(change.events)
        if not (journeys or referrals or duplicate):
            return events
        events.append(
            DomainEvent(
                type="lifecycle.records_moved",
                occurred_at=at,
                customer_id=survivor_id,
                aggregate_id=survivor_id,
                payload={
                    "merged_id": duplicate_id,
                    "journeys": len(journeys),
                    "referrals": len(referrals),
                    "relationship": duplicate is not None,
                },
            )
        )
        return events

    def _customer_exported(self, uow: UnitOfWork, customer_ids: Iterable[str]) -> dict[str, Any]:
        """The relationships, journeys (with promises) and referrals of the customer."""
        data = super()._customer_exported(uow, customer_ids)
        ids = list(customer_ids)
        relationships = []
        journeys: list[dict[str, Any]] = []
        referrals: dict[str, dict[str, Any]] = {}
        for customer_id in ids:
            with contextlib.suppress(NotFoundError):
                relationships.append(uow.relationships.get(customer_id).to_dict())
            journeys.extend(
                journey.to_dict() for journey in uow.journeys.for_customer(customer_id, limit=None)
            )
            for referral in (
                *uow.referrals.by_referrer(customer_id),
                *uow.referrals.for_referred(customer_id),
            ):
                referrals[referral.id] = referral.to_dict()
        data.update(
            {
                "relationships": relationships,
                "journeys": journeys,
                "referrals": [referrals[key] for key in sorted(referrals)],
            }
        )
        return data

    def _customer_erased(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """Pseudonymise the free text: stage reasons, promise statements, notes, referral codes."""
        events = super()._customer_erased(uow, customer_id, at)
        try:
            relationship = uow.relationships.get(customer_id)
        except NotFoundError:
            relationship = None
        if relationship is not None and relationship.erased() != relationship:
            uow.relationships.save(relationship.erased())
        for journey in uow.journeys.for_customer(customer_id, limit=None):
            erased = journey.erased()
            if erased != journey:
                uow.journeys.save(erased)
        for referral in uow.referrals.by_referrer(customer_id):
            if referral.erased() != referral:
                uow.referrals.save(referral.erased())
        return events

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        """Promises decided and kept, referrals made and converted, and purchase recency.

        A promise still pending (not due, or due and within its tolerance) counts neither as
        kept nor as broken, as in `KeepingRate`: ``promises_made`` counts decided promises.
        """
        signals = super()._loyalty_signals(uow, customer_id, at)
        policy = self.lifecycle
        journeys = [
            journey
            for journey in uow.journeys.for_customer(customer_id, limit=None)
            if journey.sold_at <= at
        ]
        assessments = [
            assessment
            for journey in journeys
            for assessment in assess_journey(
                journey, at, tolerance=policy.otif, calendar=policy.calendar
            )
            if assessment.outcome.decided
        ]
        made = [
            referral
            for referral in uow.referrals.by_referrer(customer_id)
            if referral.counts and referral.at <= at
        ]
        signals.update(
            {
                "promises_made": len(assessments),
                "promises_kept": sum(
                    1 for item in assessments if item.outcome is PromiseOutcome.KEPT
                ),
                "referrals_made": len(made),
                "referrals_converted": sum(
                    1
                    for referral in made
                    if referral.converted_at is not None and referral.converted_at <= at
                ),
            }
        )
        for name, value in _purchase_signals(journeys, at).items():
            signals.setdefault(name, value)
        return signals


def _purchase_signals(journeys: Sequence[Journey], at: pendulum.DateTime) -> dict[str, Any]:
    """Recency, frequency and mean order value from the sales, as the BTYD models count them."""
    if not journeys:
        return {}
    sold = sorted(journey.sold_at for journey in journeys)
    # Purchases on the same (UTC) day are one purchase; frequency counts the repeat ones.
    signals: dict[str, Any] = {
        "recency_days": (at - sold[-1]).total_seconds() / _DAY.total_seconds(),
        "frequency": len({instant.in_timezone("UTC").date() for instant in sold}) - 1,
    }
    totals = [journey.total for journey in journeys if journey.total is not None]
    if totals and len({total.currency for total in totals}) == 1:
        signals["monetary"] = sum((total.amount for total in totals), Decimal(0)) / len(totals)
    return signals


def _same_sale(stored: Journey, candidate: Journey, *, exact_time: bool) -> Journey:
    fields = [*_SAME_SALE, "sold_at"] if exact_time else list(_SAME_SALE)
    differ = [name for name in fields if getattr(stored, name) != getattr(candidate, name)]
    if differ:
        raise DuplicateError(
            f"order {stored.id!r} was recorded already, with other {', '.join(differ)}"
        )
    return stored


def _same_referral(stored: Referral, candidate: Referral) -> Referral:
    if (stored.referrer_id, stored.referred_id) != (candidate.referrer_id, candidate.referred_id):
        raise DuplicateError(
            f"referral {stored.id!r} is of {stored.referred_id!r} by {stored.referrer_id!r}"
        )
    return stored
