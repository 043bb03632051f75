"""Use cases for service levels: SLA status, the breach queue, escalations and policy edits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pendulum

from custrel._use_cases._base import UseCases
from custrel.cases import Case, CaseKind
from custrel.errors import PolicyError, ValidationError
from custrel.events import DomainEvent
from custrel.sla import EscalationNotice, PolicyBook, SlaReport
from custrel.storage.protocols import UnitOfWork

__all__ = ["SlaUseCases", "sla_setting"]


def sla_setting(value: object) -> PolicyBook | None:
    """Check the ``sla`` setting of `custrel.Relations`: a `custrel.sla.PolicyBook` or None."""
    if value is not None and not isinstance(value, PolicyBook):
        raise ValidationError("expected a PolicyBook or None", field="sla", value=value)
    return value


def _positive(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("expected a positive int", field=field, value=value)
    return value


def _notice_event(notice: EscalationNotice, at: pendulum.DateTime) -> DomainEvent:
    return DomainEvent(
        type="sla.escalation_due",
        occurred_at=at,
        customer_id=notice.customer_id,
        aggregate_id=notice.case_id,
        payload={
            "key": notice.key,
            "policy": notice.policy,
            "metric": notice.metric.value,
            "step": notice.step,
            "notify": list(notice.notify),
            "assignee": notice.assignee,
            "due_at": notice.due_at.isoformat(),
            "deadline": notice.deadline.isoformat(),
        },
    )


class SlaUseCases(UseCases):
    """The `Relations` use cases for service levels.

    With a `custrel.sla.PolicyBook` (``Relations(..., sla=book)``) every stored case carries
    the instant its service level next needs looking at (`SlaReport.next_check_at`); the
    breach queue is the cases whose instant has come, and `escalations_due` works it off.
    """

    sla: PolicyBook | None

    def _book(self) -> PolicyBook:
        if self.sla is None:
            raise PolicyError(
                "no service levels configured; build Relations with sla=PolicyBook(...)",
                field="sla",
            )
        return self.sla

    def _case_check_at(self, case: Any, at: pendulum.DateTime) -> pendulum.DateTime | None:  # noqa: ANN401 - a Case, as the hook declares
        if self.sla is None:
            return super()._case_check_at(case, at)
        return self.sla.evaluate(case, at).next_check_at

    def sla_status(self, case_id: str) -> SlaReport:
        """Return where a case stands against its service levels now.

        Raises:
            NotFoundError: No case has that id.
            PolicyError: `Relations` was built without a policy book.
        """
        book = self._book()
        with self.store.unit_of_work() as uow:
            case = uow.cases.get(case_id)
        return book.evaluate(case, self.clock.now())

    def breach_queue(self, *, limit: int = 100) -> Sequence[tuple[Case, SlaReport]]:
        """Return the cases whose service level needs looking at now, with their reports.

        These are the cases whose stored check instant has come: a deadline passed or an
        escalation step fell due since the case was last stored, earliest first (ties by id).
        `escalations_due` records the steps and moves each case's check instant on, which
        takes it off the queue until its next instant.

        Raises:
            PolicyError: `Relations` was built without a policy book.
            ValidationError: *limit* is not a positive int.
        """
        book = self._book()
        limit = _positive(limit, "limit")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            cases = uow.cases.due_before(now, limit=limit)
        return [(case, book.evaluate(case, now)) for case in cases]

    def escalations_due(self, *, limit: int = 100) -> Sequence[EscalationNotice]:
        """Fire the escalation steps that are due, once each, and return their notices.

        Works through up to *limit* cases of the breach queue in one unit of work: each due
        step is recorded on its case (`Case.record_escalation`), the case is stored with its
        next check instant, and the outbox gets the case's ``case.escalated`` events plus one
        ``sla.escalation_due`` event per notice (with whom to notify). Running it again returns
        nothing new; when two workers run at once the versioned save makes one of them retry
        on fresh data, so a step is never notified twice.

        Raises:
            PolicyError: `Relations` was built without a policy book.
            ValidationError: *limit* is not a positive int.
        """
        book = self._book()
        limit = _positive(limit, "limit")
        now = self.clock.now()

        def work(uow: UnitOfWork) -> list[EscalationNotice]:
            fired: list[EscalationNotice] = []
            for case in uow.cases.due_before(now, limit=limit):
                notices = book.due_escalations(case, now)
                changed = case
                for notice in notices:
                    changed = changed.record_escalation(notice.key, now)
                uow.cases.save(changed, check_at=book.evaluate(changed, now).next_check_at)
                uow.outbox.add(
                    [
                        *changed.events_since(len(case.history)),
                        *(_notice_event(notice, now) for notice in notices),
                    ]
                )
                fired.extend(notices)
            return fired

        return self._run(work)

    def refresh_sla(self, *, batch: int = 500) -> int:
        """Recompute the stored check instant of every open case; return how many changed.

        Call it after changing the policy book (a new target, calendar or escalation step):
        reports are always computed from the current book, but the breach queue reads the
        stored instants, and this brings them in line. Each batch of open cases is one unit
        of work, so a large table is never locked at once.

        Raises:
            PolicyError: `Relations` was built without a policy book.
            ValidationError: *batch* is not a positive int.
        """
        book = self._book()
        batch = _positive(batch, "batch")
        now = self.clock.now()

        def page(after: str | None) -> tuple[int, str | None]:
            def work(uow: UnitOfWork) -> tuple[int, str | None]:
                cases = uow.cases.find(open_only=True, after=after, limit=batch)
                changed = 0
                for case in cases:
                    check_at = book.evaluate(case, now).next_check_at
                    if uow.cases.check_at(case.id) != check_at:
                        uow.cases.save(case, check_at=check_at)
                        changed += 1
                return changed, cases[-1].id if len(cases) == batch else None

            return self._run(work)

        total, after = page(None)
        while after is not None:
            changed, after = page(after)
            total += changed
        return total

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        signals = super()._loyalty_signals(uow, customer_id, at)
        if self.sla is None:
            return signals
        # Compared in UTC: two instants in one zone compare by wall time, wrong in a DST fold.
        now = at.in_timezone("UTC")
        signals["complaints_resolved_in_sla"] = sum(
            1
            for case in uow.cases.for_customer(customer_id)
            if case.kind is CaseKind.COMPLAINT
            and case.resolved_at is not None
            and case.resolved_at.in_timezone("UTC") <= now
            and not self.sla.evaluate(case, at).breached
        )
        return signals
