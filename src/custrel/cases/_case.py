"""The service case: a complaint, return, support request, warranty claim or inquiry."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.cases._compensation import Voucher, compensation_to_dict
from custrel.cases._event import CaseEvent
from custrel.cases._replay import CaseState, apply_event, next_status, replay
from custrel.cases._status import CaseEventType, CaseKind, CaseStatus, Priority, member
from custrel.errors import ValidationError
from custrel.events import DomainEvent
from custrel.ids import check_id
from custrel.money import Money

__all__ = ["Case"]

_T = CaseEventType
_EVENT_IDS = uuid.UUID("5b0e51f4-4f3e-4d55-9c37-0e7f0ac3a5e1")


def _id(value: object) -> str:
    return check_id(value, "id")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _history(value: object) -> tuple[CaseEvent, ...]:
    if not isinstance(value, (tuple, list)) or not all(
        isinstance(event, CaseEvent) for event in value
    ):
        raise ValidationError("expected a tuple of CaseEvent", field="history", value=value)
    return tuple(value)


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


@attrs.frozen(kw_only=True)
class Case:
    """A service case, as a value whose only state is its history.

    Open one with `Case.open`; every operation returns a new `Case` with one more event (or the
    same case when the operation changes nothing, such as assigning the current assignee), and
    refuses, changing nothing, an instant earlier than the last event (`ValidationError`) or a
    step the status does not allow (`InvalidTransitionError`; see `TRANSITIONS`). Status, kind,
    priority, assignee and resolution are derived from ``history``; ``version`` is set by
    storage and used to detect concurrent writers.

    Attributes:
        id: The case's id (the host's, or one it made up).
        customer_id: The customer the case is about.
        history: Every event, in time order, starting with OPENED.
        version: The version it was stored at (0 before it was stored).
    """

    id: str = attrs.field(converter=_id)
    customer_id: str = attrs.field(converter=_customer_id)
    history: tuple[CaseEvent, ...] = attrs.field(converter=_history)
    version: int = attrs.field(default=0, converter=_version, eq=False)
    _state: CaseState = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_state", replay(self.history, self.id)[-1])

    @classmethod
    def open(
        cls,
        *,
        id: str,  # noqa: A002 - the natural name, as in DESIGN.md
        customer_id: str,
        kind: CaseKind | str,
        priority: Priority | str,
        at: dt.datetime,
        channel: str | None = None,
        order_id: str | None = None,
        subject: str = "",
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Open a case: status NEW, one OPENED event.

        Args:
            id: The case's id.
            customer_id: The customer it is about.
            kind: What it is about (a `CaseKind` or its value, such as ``"complaint"``).
            priority: How urgent (a `Priority` or its value).
            at: When it was opened (timezone-aware).
            channel: How it came in (``"email"``, ``"phone"``, ``"chat"``, ``"store"``...).
            order_id: The host's id of the order it is about.
            subject: A short summary (free text, at most 300 characters).
            actor: The staff member who opened it (None: the customer or the system).
            note: Free text.

        Raises:
            ValidationError: A field is malformed; the message names it and the value.
        """
        opened = CaseEvent(
            type=_T.OPENED,
            at=at,
            status=CaseStatus.NEW,
            actor=actor,
            priority=member(Priority, priority, "priority"),
            kind=member(CaseKind, kind, "kind"),
            channel=channel,
            order_id=order_id,
            subject=subject,
            note=note,
        )
        return cls(id=id, customer_id=customer_id, history=(opened,))

    # -- derived views ---------------------------------------------------------------------

    @property
    def status(self) -> CaseStatus:
        """Where the case stands now."""
        return self._state.status

    @property
    def kind(self) -> CaseKind:
        """What the case is about now (the last kind change wins)."""
        return self._state.kind

    @property
    def priority(self) -> Priority:
        """How urgent the case is now (the last priority change wins)."""
        return self._state.priority

    @property
    def opened_at(self) -> pendulum.DateTime:
        """When the case was opened."""
        return self._state.opened_at

    @property
    def updated_at(self) -> pendulum.DateTime:
        """When the last event happened."""
        return self._state.last_at

    @property
    def assignee(self) -> str | None:
        """The staff member handling the case now, or None."""
        return self._state.assignee

    @property
    def channel(self) -> str | None:
        """How the case came in, or None."""
        return self._state.channel

    @property
    def order_id(self) -> str | None:
        """The order the case is about, or None."""
        return self._state.order_id

    @property
    def subject(self) -> str:
        """The short summary given when the case was opened ("" once erased)."""
        return self._state.subject

    @property
    def is_open(self) -> bool:
        """True unless the case is RESOLVED or CLOSED."""
        return self._state.status.is_open

    @property
    def resolution(self) -> CaseEvent | None:
        """The RESOLVED event in force while the case is resolved or closed, else None."""
        return self._state.resolution

    @property
    def resolved_at(self) -> pendulum.DateTime | None:
        """When the case was last resolved, while it is resolved or closed; else None."""
        return self._state.resolved_at

    @property
    def closed_at(self) -> pendulum.DateTime | None:
        """When the case was closed, or None."""
        return self._state.closed_at

    @property
    def resolved_at_first_contact(self) -> bool:
        """True if the resolution in force was reached at the first contact."""
        resolution = self._state.resolution
        return resolution is not None and resolution.first_contact

    @property
    def apology(self) -> bool:
        """True if the resolution in force came with an apology."""
        resolution = self._state.resolution
        return resolution is not None and resolution.apology

    @property
    def compensation(self) -> Money | Voucher | None:
        """The goodwill given with the resolution in force, or None."""
        resolution = self._state.resolution
        return None if resolution is None else resolution.compensation

    @property
    def reopen_count(self) -> int:
        """How many times the case was reopened."""
        return self._state.reopen_count

    @property
    def fired_escalations(self) -> frozenset[str]:
        """The keys of the escalation steps recorded so far."""
        return self._state.fired

    # -- operations ------------------------------------------------------------------------

    def _then(self, type_: CaseEventType, at: object, **fields: Any) -> Case:  # noqa: ANN401
        at = _time.instant(at, "at")
        requested = fields.pop("requested", None)
        status = next_status(self._state, type_, self.id, requested)
        return self._append(CaseEvent(type=type_, at=at, status=status, **fields))

    def _append(self, event: CaseEvent) -> Case:
        # Replaying the whole history for every new event would make a case's life quadratic:
        # check and apply the one new event to a copy of the state instead.
        state = self._state.copy()
        apply_event(state, event, self.id, len(self.history))
        case: Case = object.__new__(Case)
        for name, value in (
            ("id", self.id),
            ("customer_id", self.customer_id),
            ("history", (*self.history, event)),
            ("version", self.version),
            ("_state", state),
        ):
            object.__setattr__(case, name, value)
        return case

    def agent_reply(self, at: dt.datetime, *, agent: str | None = None, note: str = "") -> Case:
        """Record a reply from staff member *agent*; a NEW case becomes OPEN.

        Raises:
            InvalidTransitionError: The case is resolved (reopen it first) or closed.
        """
        return self._then(_T.AGENT_REPLIED, at, actor=agent, note=note)

    def customer_reply(self, at: dt.datetime, *, note: str = "") -> Case:
        """Record a message from the customer.

        A case WAITING_ON_CUSTOMER becomes OPEN. A reply to a RESOLVED case reopens it first
        (a REOPENED event, then the reply), as the customer evidently is not done.

        Raises:
            InvalidTransitionError: The case is closed.
        """
        case = self
        if self.status is CaseStatus.RESOLVED:
            case = self._then(_T.REOPENED, at, note="reopened by the customer's reply")
        return case._then(_T.CUSTOMER_REPLIED, at, note=note)  # noqa: SLF001 - same class

    def set_status(
        self,
        status: CaseStatus | str,
        at: dt.datetime,
        *,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Move the case to *status* along `TRANSITIONS`.

        Moving to RESOLVED is `resolve`, to CLOSED is `close`, from RESOLVED to OPEN is `reopen`
        (each with its own event); the current status again changes nothing.

        Raises:
            ValidationError: *status* is not a `CaseStatus`.
            InvalidTransitionError: `TRANSITIONS` does not allow the move; the message names
                both statuses.
        """
        target = member(CaseStatus, status, "status")
        at = _time.instant(at, "at")
        if target is self.status:
            return self
        if target is CaseStatus.RESOLVED:
            return self.resolve(at, actor=actor, note=note)
        if target is CaseStatus.CLOSED:
            return self.close(at, actor=actor, note=note)
        if self.status is CaseStatus.RESOLVED and target is CaseStatus.OPEN:
            return self.reopen(at, actor=actor, note=note)
        return self._then(_T.STATUS_CHANGED, at, requested=target, actor=actor, note=note)

    def resolve(
        self,
        at: dt.datetime,
        *,
        first_contact: bool = False,
        apology: bool = False,
        compensation: Money | Voucher | None = None,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Resolve the case, recording whether the company apologised and any goodwill.

        Args:
            at: When.
            first_contact: Resolved at the first contact: refused once the case was resolved
                before or the customer replied after an agent's reply.
            apology: The company said sorry.
            compensation: Goodwill given: `Money` above zero or a `Voucher`.
            actor: The staff member who resolved it.
            note: Free text.

        Raises:
            InvalidTransitionError: The case is already resolved or closed, or *first_contact*
                does not hold.
            ValidationError: The compensation is not positive Money or a Voucher.
        """
        return self._then(
            _T.RESOLVED,
            at,
            first_contact=first_contact,
            apology=apology,
            compensation=compensation,
            actor=actor,
            note=note,
        )

    def reopen(self, at: dt.datetime, *, actor: str | None = None, note: str = "") -> Case:
        """Reopen a RESOLVED case: it becomes OPEN.

        Raises:
            InvalidTransitionError: The case is not resolved.
        """
        return self._then(_T.REOPENED, at, actor=actor, note=note)

    def close(self, at: dt.datetime, *, actor: str | None = None, note: str = "") -> Case:
        """Close a RESOLVED case for good.

        Raises:
            InvalidTransitionError: The case is not resolved.
        """
        return self._then(_T.CLOSED, at, actor=actor, note=note)

    def change_priority(
        self,
        priority: Priority | str,
        at: dt.datetime,
        *,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Change the priority; the current priority again changes nothing.

        Raises:
            ValidationError: *priority* is not a `Priority`.
            InvalidTransitionError: The case is closed.
        """
        target = member(Priority, priority, "priority")
        at = _time.instant(at, "at")
        if target is self.priority:
            return self
        return self._then(_T.PRIORITY_CHANGED, at, priority=target, actor=actor, note=note)

    def change_kind(
        self,
        kind: CaseKind | str,
        at: dt.datetime,
        *,
        actor: str | None = None,
        note: str = "",
    ) -> Case:
        """Change what the case is about; the current kind again changes nothing.

        Raises:
            ValidationError: *kind* is not a `CaseKind`.
            InvalidTransitionError: The case is closed.
        """
        target = member(CaseKind, kind, "kind")
        at = _time.instant(at, "at")
        if target is self.kind:
            return self
        return self._then(_T.KIND_CHANGED, at, kind=target, actor=actor, note=note)

    def assign(
        self,
        assignee: str | None,
        at: dt.datetime,
        *,
        actor: str | None = None,
        reason: str = "",
    ) -> Case:
        """Hand the case to staff member *assignee* (None: nobody), saying why in *reason*.

        Assigning the current assignee again changes nothing.

        Raises:
            InvalidTransitionError: The case is closed.
        """
        at = _time.instant(at, "at")
        if assignee is not None:
            assignee = check_id(assignee, "assignee")
        if assignee == self.assignee:
            return self
        return self._then(_T.ASSIGNED, at, assignee=assignee, actor=actor, reason=reason)

    def record_escalation(self, key: str, at: dt.datetime) -> Case:
        """Record that the escalation step *key* fired; a key already recorded changes nothing."""
        key = check_id(key, "escalation")
        at = _time.instant(at, "at")
        if key in self.fired_escalations:
            return self
        return self._then(_T.ESCALATED, at, escalation=key)

    def moved_to(self, customer_id: str) -> Case:
        """This case filed under another customer (the survivor of a merge); history unchanged."""
        return attrs.evolve(self, customer_id=customer_id)

    def erase(self) -> Case:
        """This case without its free text (subject, notes, reasons), for GDPR erasure.

        Kind, priority, statuses, instants, staff ids, the order id and the resolution stay.
        Erasing twice changes nothing the second time.
        """
        history = tuple(
            attrs.evolve(event, subject="", reason="", note="") for event in self.history
        )
        return self if history == self.history else attrs.evolve(self, history=history)

    # -- events for the outbox -------------------------------------------------------------

    def events_since(self, count: int) -> tuple[DomainEvent, ...]:
        """The domain events for ``history[count:]``, for the outbox.

        Types are ``"case."`` plus the event type (``"case.opened"``, ``"case.resolved"``...).
        Payloads carry no free text, so they never need scrubbing: the status, kind, priority
        and assignee after the event, the actor, and what the event changed (the previous
        status, priority, kind or assignee; the channel and order on ``case.opened``; first
        contact, apology and compensation on ``case.resolved``; the step on
        ``case.escalated``). Event ids are derived from the case id and the event's position,
        so writing the same events twice is detectable.

        Raises:
            ValidationError: *count* is not between 0 and the length of the history.
        """
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValidationError("expected an int", field="count", value=count)
        if not 0 <= count <= len(self.history):
            raise ValidationError(
                f"expected 0 to {len(self.history)}, the length of the history",
                field="count",
                value=count,
            )
        if count == len(self.history):
            return ()
        states = replay(self.history, self.id, steps=True)
        return tuple(
            self._domain_event(index, states[index - 1] if index else None, states[index])
            for index in range(count, len(self.history))
        )

    def _domain_event(self, index: int, before: CaseState | None, after: CaseState) -> DomainEvent:
        event = self.history[index]
        payload: dict[str, Any] = {
            "status": after.status.value,
            "kind": after.kind.value,
            "priority": after.priority.value,
            "assignee": after.assignee,
            "actor": event.actor,
        }
        if before is None:
            payload.update(channel=event.channel, order_id=event.order_id)
        elif event.type is _T.RESOLVED:
            payload.update(
                first_contact=event.first_contact,
                apology=event.apology,
                compensation=compensation_to_dict(event.compensation),
            )
        elif event.type is _T.ESCALATED:
            payload["escalation"] = event.escalation
        if before is not None and before.status is not after.status:
            payload["previous_status"] = before.status.value
        if before is not None and before.priority is not after.priority:
            payload["previous_priority"] = before.priority.value
        if before is not None and before.kind is not after.kind:
            payload["previous_kind"] = before.kind.value
        if before is not None and event.type is _T.ASSIGNED:
            payload["previous_assignee"] = before.assignee
        return DomainEvent(
            type=f"case.{event.type.value}",
            occurred_at=event.at,
            customer_id=self.customer_id,
            aggregate_id=self.id,
            payload=payload,
            event_id=str(uuid.uuid5(_EVENT_IDS, f"{self.id}\n{index}")),
        )

    # -- serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The case as a JSON-safe dict (`from_dict` reads it back).

        Holds the id, the customer, the version and the history; the derived kind, priority,
        status, assignee and instants are added for readers (a GDPR export) and ignored when
        read back.
        """
        resolved_at = self.resolved_at
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "kind": self.kind.value,
            "priority": self.priority.value,
            "status": self.status.value,
            "assignee": self.assignee,
            "opened_at": _time.format_instant(self.opened_at),
            "resolved_at": None if resolved_at is None else _time.format_instant(resolved_at),
            "history": [event.to_dict() for event in self.history],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        """Rebuild a case written by `to_dict`; malformed data raises `ValidationError`."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="case", value=data)
        history = data.get("history")
        if not isinstance(history, list):
            raise ValidationError("expected a list of events", field="history", value=history)
        return cls(
            id=data.get("id"),
            customer_id=data.get("customer_id"),
            history=[CaseEvent.from_dict(item) for item in history],
            version=data.get("version", 0),
        )
