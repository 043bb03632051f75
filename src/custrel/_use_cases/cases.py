"""Use cases for service cases (complaints, returns, support, warranty) and their assignment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pendulum

from custrel._use_cases._base import UseCases
from custrel._use_cases.customers import survivor
from custrel.cases import (
    Assignment,
    AssignmentPolicy,
    Case,
    CaseEventType,
    CaseKind,
    CaseStatus,
    Priority,
    Strategy,
    Voucher,
)
from custrel.events import DomainEvent
from custrel.ids import new_id
from custrel.money import Money
from custrel.storage.protocols import UnitOfWork

__all__ = ["CaseUseCases"]


class CaseUseCases(UseCases):
    """The `Relations` use cases for service cases.

    Every change stores the case with ``check_at`` from `_case_check_at` (the service-level
    hook) and writes the case's new events to the outbox, in one unit of work.
    """

    assignment: AssignmentPolicy | None

    # -- opening and assignment --------------------------------------------------------------

    def open_case(
        self,
        customer_id: str,
        *,
        kind: CaseKind | str,
        priority: Priority | str = Priority.NORMAL,
        case_id: str | None = None,
        channel: str | None = None,
        order_id: str | None = None,
        subject: str = "",
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Open a case for a customer and assign it; return it as stored.

        With an assignment policy, the case goes to the customer's dedicated owner when they
        are on the team and present, else to a member chosen by the policy's route for the
        kind (round robin or least loaded); the ASSIGNED event says why. Without one, the case
        stays unassigned. A customer merged into another gets the case on the survivor.

        Args:
            customer_id: The customer the case is about.
            kind: What it is about.
            priority: How urgent; NORMAL unless given.
            case_id: The case's id; a new random one when None.
            channel: How it came in (``"email"``, ``"phone"``, ``"store"``...).
            order_id: The order it is about.
            subject: A short summary (free text).
            actor: The staff member who opened it.
            note: Free text.

        Raises:
            NotFoundError: No customer has that id.
            DuplicateError: A case with that id exists.
            ValidationError: A field is malformed.
        """
        at = self.clock.now()
        new_case_id = case_id if case_id is not None else new_id()

        def work(uow: UnitOfWork) -> Case:
            customer = survivor(uow, customer_id)
            case = Case.open(
                id=new_case_id,
                customer_id=customer.id,
                kind=kind,
                priority=priority,
                at=at,
                channel=channel,
                order_id=order_id,
                subject=subject,
                actor=actor,
                note=note,
            )
            choice = self._choose_assignee(uow, case.kind, customer.owner)
            if choice is not None and choice.assignee is not None:
                case = case.assign(choice.assignee, at, reason=choice.reason)
            stored = uow.cases.add(case, check_at=self._case_check_at(case, at))
            uow.outbox.add(case.events_since(0))
            uow.outbox.add(self._case_stored(uow, stored, at))
            return stored

        return self._run(work)

    def _choose_assignee(
        self, uow: UnitOfWork, kind: CaseKind, owner: str | None
    ) -> Assignment | None:
        policy = self.assignment
        if policy is None:
            return None
        if policy.owner_available(owner):
            return policy.assign(kind, owner=owner)
        route = policy.route(kind)
        cursor = uow.cases.assignment_cursor(route.pool)  # locks the pool until commit
        counts = (
            uow.cases.open_counts(policy.candidates(kind))
            if route.strategy is Strategy.LEAST_LOADED
            else None
        )
        choice = policy.assign(kind, owner=owner, open_counts=counts, cursor=cursor)
        if choice.pool is not None and choice.cursor is not None and choice.cursor != cursor:
            uow.cases.set_assignment_cursor(choice.pool, choice.cursor)
        return choice

    def reassign_case(
        self, case_id: str, assignee: str | None, *, actor: str | None = None, reason: str = ""
    ) -> Case:
        """Hand a case to staff member *assignee* (None: nobody), saying why."""
        return self._change_case(
            case_id, lambda case, at: case.assign(assignee, at, actor=actor, reason=reason)
        )

    def auto_assign_case(self, case_id: str, *, actor: str | None = None) -> Case:
        """Assign a case again by the assignment policy, as when it was opened.

        Use it when the assignee is away: the customer's dedicated owner first if present,
        else the policy's route for the case's kind. Without a policy, nothing changes.

        Raises:
            NotFoundError: No case has that id.
        """
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Case:
            case = uow.cases.get(case_id)
            owner = survivor(uow, case.customer_id).owner
            choice = self._choose_assignee(uow, case.kind, owner)
            if choice is None or choice.assignee is None:
                return case
            return self._store_change(
                uow, case, case.assign(choice.assignee, at, actor=actor, reason=choice.reason), at
            )

        return self._run(work)

    # -- the case's life ---------------------------------------------------------------------

    def agent_reply(self, case_id: str, *, agent: str | None = None, note: str = "") -> Case:
        """Record a reply from staff member *agent* (see `Case.agent_reply`)."""
        return self._change_case(
            case_id, lambda case, at: case.agent_reply(at, agent=agent, note=note)
        )

    def customer_reply(self, case_id: str, *, note: str = "") -> Case:
        """Record a message from the customer (see `Case.customer_reply`)."""
        return self._change_case(case_id, lambda case, at: case.customer_reply(at, note=note))

    def set_case_status(
        self,
        case_id: str,
        status: CaseStatus | str,
        *,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Move a case to *status* along `custrel.cases.TRANSITIONS` (see `Case.set_status`)."""
        return self._change_case(
            case_id, lambda case, at: case.set_status(status, at, actor=actor, note=note)
        )

    def resolve_case(
        self,
        case_id: str,
        *,
        first_contact: bool = False,
        apology: bool = False,
        compensation: Money | Voucher | None = None,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Resolve a case, with any apology and goodwill (see `Case.resolve`)."""
        return self._change_case(
            case_id,
            lambda case, at: case.resolve(
                at,
                first_contact=first_contact,
                apology=apology,
                compensation=compensation,
                actor=actor,
                note=note,
            ),
        )

    def reopen_case(self, case_id: str, *, actor: str | None = None, note: str = "") -> Case:
        """Reopen a resolved case."""
        return self._change_case(case_id, lambda case, at: case.reopen(at, actor=actor, note=note))

    def close_case(self, case_id: str, *, actor: str | None = None, note: str = "") -> Case:
        """Close a resolved case for good."""
        return self._change_case(case_id, lambda case, at: case.close(at, actor=actor, note=note))

    def change_case_priority(
        self, case_id: str, priority: Priority | str, *, actor: str | None = None, note: str = ""
    ) -> Case:
        """Change a case's priority (its service level follows)."""
        return self._change_case(
            case_id, lambda case, at: case.change_priority(priority, at, actor=actor, note=note)
        )

    def change_case_kind(
        self, case_id: str, kind: CaseKind | str, *, actor: str | None = None, note: str = ""
    ) -> Case:
        """Change what a case is about (its service level follows; the assignee stays)."""
        return self._change_case(
            case_id, lambda case, at: case.change_kind(kind, at, actor=actor, note=note)
        )

    def _change_case(
        self, case_id: str, operation: Callable[[Case, pendulum.DateTime], Case]
    ) -> Case:
        at = self.clock.now()

        def work(uow: UnitOfWork) -> Case:
            case = uow.cases.get(case_id)
            return self._store_change(uow, case, operation(case, at), at)

        return self._run(work)

    def _store_change(
        self, uow: UnitOfWork, before: Case, after: Case, at: pendulum.DateTime
    ) -> Case:
        if after.history == before.history:
            return before
        saved = uow.cases.save(after, check_at=self._case_check_at(after, at))
        uow.outbox.add(after.events_since(len(before.history)))
        uow.outbox.add(self._case_stored(uow, saved, at))
        return saved

    # -- reading -----------------------------------------------------------------------------

    def get_case(self, case_id: str) -> Case:
        """Return a case.

        Raises:
            NotFoundError: No case has that id.
        """
        with self.store.unit_of_work() as uow:
            return uow.cases.get(case_id)

    def customer_cases(self, customer_id: str, *, open_only: bool = False) -> Sequence[Case]:
        """A customer's cases, oldest first (for a merged id, the survivor's).

        Raises:
            NotFoundError: No customer has that id.
        """
        with self.store.unit_of_work() as uow:
            return uow.cases.for_customer(survivor(uow, customer_id).id, open_only=open_only)

    def open_cases_assigned_to(
        self,
        assignee: str,
        *,
        kind: CaseKind | None = None,
        priority: Priority | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Case]:
        """A page of the open cases assigned to *assignee*, in id order after *after*."""
        with self.store.unit_of_work() as uow:
            return uow.cases.open_by_assignee(
                assignee, kind=kind, priority=priority, after=after, limit=limit
            )

    # -- hooks: cases follow the customer ----------------------------------------------------

    def _customer_merged(
        self, uow: UnitOfWork, survivor_id: str, duplicate_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_merged(uow, survivor_id, duplicate_id, at)
        uow.cases.move_customer(duplicate_id, survivor_id)
        return events

    def _owner_assigned(
        self, uow: UnitOfWork, customer_id: str, reason: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._owner_assigned(uow, customer_id, reason, at)
        policy = self.assignment
        customer = uow.customers.get(customer_id)
        previous = customer.ownership[-2].owner if len(customer.ownership) > 1 else None
        if policy is None or previous is None or not policy.owner_available(customer.owner):
            return events  # cases stay where they are unless they can go to the new owner
        for case in uow.cases.for_customer(customer_id, open_only=True):
            if case.assignee == previous:
                handed = case.assign(customer.owner, at, reason=f"dedicated owner: {reason}")
                self._store_change(uow, case, handed, at)
        return events

    def _customer_exported(self, uow: UnitOfWork, customer_ids: Iterable[str]) -> dict[str, Any]:
        ids = list(dict.fromkeys(customer_ids))
        exported = super()._customer_exported(uow, ids)
        exported["cases"] = [
            case.to_dict() for customer_id in ids for case in uow.cases.for_customer(customer_id)
        ]
        return exported

    def _customer_erased(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_erased(uow, customer_id, at)
        for case in uow.cases.for_customer(customer_id):
            erased = case.erase()
            if erased is not case:
                uow.cases.save(erased, check_at=self._case_check_at(erased, at))
        return events

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        signals = super()._loyalty_signals(uow, customer_id, at)
        until = at.timestamp()
        cases = [
            case
            for case in uow.cases.for_customer(customer_id)
            if case.opened_at.timestamp() <= until
        ]
        signals["complaints"] = sum(case.kind is CaseKind.COMPLAINT for case in cases)
        signals["apologies_given"] = sum(
            event.type is CaseEventType.RESOLVED and event.apology and event.at.timestamp() <= until
            for case in cases
            for event in case.history
        )
        return signals
