"""Use cases for the contact log and early warning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel._use_cases._base import UseCases
from custrel._use_cases.customers import survivor
from custrel.customers import Customer
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.events import DomainEvent
from custrel.interactions import (
    MAX_PAGE_SIZE,
    Channel,
    CustomerRisk,
    Direction,
    EarlyWarning,
    Interaction,
    InteractionKind,
    Logged,
    Opportunity,
    Outcome,
    RiskFacts,
    TimelinePage,
    loyalty_signals,
    worst_first,
)
from custrel.lifecycle import DuePromise
from custrel.storage.protocols import UnitOfWork

__all__ = [
    "InteractionUseCases",
    "all_interactions",
    "clock_skew_setting",
    "early_warning_setting",
]

_CANDIDATE_PAGE = 500


def early_warning_setting(value: object) -> EarlyWarning:
    """Check the ``warnings`` setting of `custrel.Relations`; None gives the default rules."""
    if value is None:
        return EarlyWarning.default()
    if not isinstance(value, EarlyWarning):
        raise ValidationError("expected an EarlyWarning or None", field="warnings", value=value)
    return value


def clock_skew_setting(value: object) -> dt.timedelta:
    """Check the ``clock_skew`` setting of `custrel.Relations`: a timedelta of zero or more."""
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(0):
        raise ValidationError(
            "expected a timedelta of zero or more", field="clock_skew", value=value
        )
    return value


def all_interactions(
    uow: UnitOfWork,
    customer_id: str,
    *,
    since: pendulum.DateTime | None = None,
    **filters: Any,  # noqa: ANN401 - the timeline's keyword filters
) -> Iterator[Interaction]:
    """Every interaction of *customer_id* (filtered), newest first, paging through the log."""
    cursor = None
    while True:
        page = uow.interactions.timeline(
            customer_id, since=since, limit=MAX_PAGE_SIZE, cursor=cursor, **filters
        )
        yield from page
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _logging_target(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = survivor(uow, customer_id)
    if customer.is_erased:
        raise InvalidTransitionError(
            f"cannot log interactions for customer {customer.id!r}: their data was erased"
        )
    return customer


class InteractionUseCases(UseCases):
    """The `Relations` use cases for the contact log and early warning."""

    clock_skew: dt.timedelta
    warnings: EarlyWarning

    # -- the contact log ----------------------------------------------------------------------

    def log_interaction(
        self,
        customer_id: str,
        *,
        external_id: str,
        at: dt.datetime,
        channel: Channel | str,
        direction: Direction | str,
        kind: InteractionKind | str,
        outcome: Outcome | str | None = None,
        outcome_note: str = "",
        sentiment: int | None = None,
        staff: str | None = None,
        order_id: str | None = None,
        journey_id: str | None = None,
        case_id: str | None = None,
        notes: str = "",
        opportunity: Opportunity | None = None,
        csat: int | None = None,
        nps: int | None = None,
    ) -> Logged:
        """Log a contact with a customer or prospect, idempotently by *external_id*.

        The first call stores the interaction and writes an ``interaction.logged`` event; the
        same call again (a retry, a replayed webhook) returns the stored interaction with
        ``created`` False and writes nothing. A customer merged into another gets the contact
        on the survivor. Fields are those of `custrel.interactions.Interaction`. A feedback
        contact with an ``nps`` score runs the relationship's stage rules, as
        `Relations.record_promoter_score` does: under the default rules a promoter (9-10) who
        has ordered becomes an advocate.

        Raises:
            ValidationError: A field is malformed (unknown channel or kind, sentiment out of
                range, a score on anything but feedback), or *at* is further in the future than
                the clock skew allows.
            NotFoundError: No customer has that id.
            InvalidTransitionError: The customer's data was erased.
            DuplicateError: The external id was logged with other content; the message names
                the fields that differ.
        """
        interaction = Interaction(
            external_id=external_id,
            customer_id=customer_id,
            at=at,
            channel=channel,
            direction=direction,
            kind=kind,
            outcome=outcome,
            outcome_note=outcome_note,
            sentiment=sentiment,
            staff=staff,
            order_id=order_id,
            journey_id=journey_id,
            case_id=case_id,
            notes=notes,
            opportunity=opportunity,
            csat=csat,
            nps=nps,
        )
        interaction.check_logged(self.clock.now(), clock_skew=self.clock_skew)

        def work(uow: UnitOfWork) -> Logged:
            target = _logging_target(uow, interaction.customer_id)
            logged = uow.interactions.log(attrs.evolve(interaction, customer_id=target.id))
            if logged.created:
                uow.outbox.add([logged.interaction.logged_event()])
                uow.outbox.add(self._interaction_logged(uow, logged.interaction))
                uow.outbox.add(self._feedback_logged(uow, logged.interaction))
            return logged

        return self._run(work)

    def log_interactions(self, interactions: Iterable[Interaction]) -> tuple[Logged, ...]:
        """Log many interactions in one unit of work: all of them, or none.

        The batch form of `log_interaction` for imports and backfills: the same checks and
        idempotency, one result per interaction in input order, one ``interaction.logged``
        event per interaction created.

        A feedback contact carrying an NPS score runs the relationship's stage rules, as
        `Relations.record_promoter_score` does.

        Raises:
            ValidationError: Some interaction is not an `Interaction` or is dated too far in
                the future.
            NotFoundError: Some customer does not exist.
            InvalidTransitionError: Some customer's data was erased.
            DuplicateError: Some external id was logged (or repeats in the batch) with other
                content.
        """
        batch = list(interactions)
        now = self.clock.now()
        latest = now + self.clock_skew
        for interaction in batch:
            if not isinstance(interaction, Interaction):
                raise ValidationError(
                    "expected an Interaction", field="interactions", value=interaction
                )
            if interaction.at > latest:
                interaction.check_logged(now, clock_skew=self.clock_skew)  # raises, with words

        def work(uow: UnitOfWork) -> tuple[Logged, ...]:
            targets = {
                customer_id: _logging_target(uow, customer_id).id
                for customer_id in sorted({interaction.customer_id for interaction in batch})
            }
            results = tuple(
                uow.interactions.log_many(
                    attrs.evolve(interaction, customer_id=targets[interaction.customer_id])
                    if targets[interaction.customer_id] != interaction.customer_id
                    else interaction
                    for interaction in batch
                )
            )
            created = [result.interaction for result in results if result.created]
            uow.outbox.add(interaction.logged_event() for interaction in created)
            for interaction in created:
                uow.outbox.add(self._interaction_logged(uow, interaction))
                uow.outbox.add(self._feedback_logged(uow, interaction))
            return results

        return self._run(work)

    def _feedback_logged(self, uow: UnitOfWork, interaction: Interaction) -> list[DomainEvent]:
        """Let an NPS answer drive the relationship stage (a promoter becomes an advocate)."""
        if interaction.nps is None:
            return []
        return self._promoter_score_logged(
            uow, interaction.customer_id, interaction.nps, interaction.at
        )

    def get_interaction(self, external_id: str) -> Interaction:
        """Return the interaction logged under *external_id*.

        Raises:
            NotFoundError: Nothing was logged under that id.
        """
        with self.store.unit_of_work() as uow:
            return uow.interactions.get(external_id)

    def timeline(
        self,
        customer_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        kinds: InteractionKind | str | Collection[InteractionKind | str] | None = None,
        channels: Channel | str | Collection[Channel | str] | None = None,
        directions: Direction | str | Collection[Direction | str] | None = None,
        with_opportunity: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        """One page of a customer's contact log, newest first.

        Pass the page's ``next_cursor`` as *cursor* for the next page; paging visits every
        matching interaction once. Filters: ``since <= at < until``; *kinds*, *channels* and
        *directions* take one value or a collection; *with_opportunity* keeps the contacts
        that registered a sales opportunity. For an id merged into another, the survivor's
        timeline (which holds the moved interactions).

        Raises:
            NotFoundError: No customer has that id.
            ValidationError: A filter, the limit or the cursor is malformed.
        """
        with self.store.unit_of_work() as uow:
            customer = survivor(uow, customer_id)
            return uow.interactions.timeline(
                customer.id,
                since=since,
                until=until,
                kinds=kinds,
                channels=channels,
                directions=directions,
                with_opportunity=with_opportunity,
                limit=limit,
                cursor=cursor,
            )

    def register_opportunity(self, external_id: str, opportunity: Opportunity) -> Interaction:
        """Register the sales opportunity a logged contact revealed; return the interaction.

        Writes an ``interaction.opportunity_registered`` event. Registering the same
        opportunity again changes nothing.

        Raises:
            NotFoundError: Nothing was logged under *external_id*.
            ValidationError: *opportunity* is not an `Opportunity`.
            DuplicateError: The contact has another opportunity already.
        """
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Interaction:
            change = uow.interactions.get(external_id).register_opportunity(opportunity, at=at)
            if not change.events:
                return change.value
            saved = uow.interactions.save(change.value)
            uow.outbox.add(change.events)
            return saved

        return self._run(work)

    def opportunities(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        staff: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        """One page of contacts that registered a sales opportunity, of every customer.

        Newest contact first; *staff* keeps the opportunities a staff member follows up.

        Raises:
            ValidationError: A filter, the limit or the cursor is malformed.
        """
        with self.store.unit_of_work() as uow:
            return uow.interactions.opportunities(
                since=since,
                until=until,
                staff=staff,
                limit=limit,
                cursor=cursor,
            )

    # -- early warning ------------------------------------------------------------------------

    def at_risk(
        self, now: dt.datetime | None = None, *, limit: int = 50
    ) -> tuple[CustomerRisk, ...]:
        """Customers at risk and why, worst first (see `custrel.interactions.worst_first`).

        Runs the early-warning rules (the ``warnings`` of `Relations`) at *now* (the clock's
        now by default) for every candidate customer, found through indexed queries instead of
        a scan of every customer: customers with negative, inbound or rated contacts within the
        rules' lookback (`InteractionRepository.customers_to_watch`), customers with open
        cases, customers with delivery promises overdue and not yet settled, and customers with
        delivery promises due within the lookback, settled or not
        (``uow.journeys.promises_due``). Each candidate's recent contacts, journeys and cases
        are then loaded and judged.

        Args:
            now: The instant to judge at; the clock's now when None.
            limit: The most customers returned (1 to 1000).

        Raises:
            ValidationError: A naive *now*, or a limit out of range.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(
                f"expected an int from 1 to {MAX_PAGE_SIZE}", field="limit", value=limit
            )
        at = self.clock.now() if now is None else _time.instant(now, "now")
        warnings = self.warnings
        with self.store.unit_of_work() as uow:
            since = at - warnings.lookback
            risks = [
                warnings.evaluate(
                    RiskFacts(
                        customer_id=customer_id,
                        interactions=tuple(all_interactions(uow, customer_id, since=since)),
                        journeys=tuple(uow.journeys.for_customer(customer_id, limit=None)),
                        cases=tuple(uow.cases.for_customer(customer_id)),
                    ),
                    at,
                )
                for customer_id in sorted(_candidates(uow, at, since))
            ]
        return tuple(worst_first(risks)[:limit])

    # -- hooks: the contact log follows the customer ------------------------------------------

    def _customer_merged(
        self, uow: UnitOfWork, survivor_id: str, duplicate_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_merged(uow, survivor_id, duplicate_id, at)
        moved = uow.interactions.move_customer(duplicate_id, survivor_id)
        if moved:
            events.append(
                DomainEvent(
                    type="interactions.moved",
                    occurred_at=at,
                    customer_id=survivor_id,
                    aggregate_id=survivor_id,
                    payload={"from_customer_id": duplicate_id, "count": moved},
                )
            )
        return events

    def _customer_exported(self, uow: UnitOfWork, customer_ids: Iterable[str]) -> dict[str, Any]:
        ids = list(customer_ids)
        section = super()._customer_exported(uow, ids)
        logged = [
            interaction for customer_id in ids for interaction in all_interactions(uow, customer_id)
        ]
        logged.sort(key=lambda interaction: (interaction.at.timestamp(), interaction.external_id))
        section["interactions"] = [interaction.to_dict() for interaction in logged]
        return section

    def _customer_erased(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_erased(uow, customer_id, at)
        erased = 0
        for interaction in list(all_interactions(uow, customer_id)):
            pseudonymised = interaction.erased()
            if pseudonymised.differences(interaction):
                uow.interactions.save(pseudonymised)
                erased += 1
        if erased:
            events.append(
                DomainEvent(
                    type="interactions.erased",
                    occurred_at=at,
                    customer_id=customer_id,
                    aggregate_id=customer_id,
                    payload={"count": erased},
                )
            )
        return events

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        signals = super()._loyalty_signals(uow, customer_id, at)
        signals.update(loyalty_signals(all_interactions(uow, customer_id), at=at))
        return signals


def _candidates(uow: UnitOfWork, at: pendulum.DateTime, since: pendulum.DateTime) -> set[str]:
    """Customers early warning may flag, from indexed queries (see `at_risk`)."""
    found = set(uow.interactions.customers_to_watch(since=since))
    after = None
    while page := uow.cases.find(open_only=True, after=after, limit=_CANDIDATE_PAGE):
        found.update(case.customer_id for case in page)
        after = page[-1].id
    found.update(due.journey.customer_id for due in _all_due(uow, at))
    # promises delivered late or short are settled, but may still need a call
    found.update(
        due.journey.customer_id for due in _all_due(uow, at, since=since, include_settled=True)
    )
    return found


def _all_due(
    uow: UnitOfWork,
    before: pendulum.DateTime,
    *,
    since: pendulum.DateTime | None = None,
    include_settled: bool = False,
) -> Iterator[DuePromise]:
    """Every promise `promises_due` finds, a page at a time, each once.

    Pages follow the due instant (the next starts at the last one's, inclusive); a page whose
    promises were all seen already (more promises due at one instant than a page holds) is
    read again, twice as long.
    """
    seen: set[tuple[str, str | None]] = set()
    limit = _CANDIDATE_PAGE
    while True:
        page = uow.journeys.promises_due(
            before, since=since, include_settled=include_settled, limit=limit
        )
        new = [due for due in page if (due.journey.id, due.promise.id) not in seen]
        yield from new
        if len(page) < limit:
            return
        seen.update((due.journey.id, due.promise.id) for due in new)
        if new:
            since = page[-1].due
        else:
            limit *= 2
