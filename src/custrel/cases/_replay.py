"""Replaying a case's history: the rule each event follows, and the state it leaves behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pendulum

from custrel.cases._event import CaseEvent
from custrel.cases._status import TRANSITIONS, CaseEventType, CaseKind, CaseStatus, Priority
from custrel.errors import InvalidTransitionError, ValidationError

__all__ = ["CaseState", "apply_event", "next_status", "replay"]

_T = CaseEventType
_S = CaseStatus


class CaseState:
    """What a history adds up to at some point; built by `replay`, read-only afterwards."""

    __slots__ = (
        "agent_replied",
        "assignee",
        "back_and_forth",
        "channel",
        "closed_at",
        "fired",
        "kind",
        "last_at",
        "opened_at",
        "order_id",
        "priority",
        "reopen_count",
        "resolution",
        "resolved_at",
        "status",
        "subject",
    )

    def __init__(self, opened: CaseEvent) -> None:
        assert opened.kind is not None  # noqa: S101 - CaseEvent requires it on OPENED
        assert opened.priority is not None  # noqa: S101 - CaseEvent requires it on OPENED
        self.status: CaseStatus = opened.status
        self.kind: CaseKind = opened.kind
        self.priority: Priority = opened.priority
        self.opened_at: pendulum.DateTime = opened.at
        self.last_at: pendulum.DateTime = opened.at
        self.channel: str | None = opened.channel
        self.order_id: str | None = opened.order_id
        self.subject: str = opened.subject
        self.assignee: str | None = None
        self.resolution: CaseEvent | None = None
        self.resolved_at: pendulum.DateTime | None = None
        self.closed_at: pendulum.DateTime | None = None
        self.fired: frozenset[str] = frozenset()
        self.reopen_count = 0
        self.agent_replied = False  # an agent has replied since the case was opened
        self.back_and_forth = False  # the customer replied after an agent's reply

    def copy(self) -> CaseState:
        """A copy to replay further without changing this one."""
        clone = CaseState.__new__(CaseState)
        for name in CaseState.__slots__:
            setattr(clone, name, getattr(self, name))
        return clone


# -- which status each event type leads to ------------------------------------------------

_FINAL = "a closed case is final; open a new one"


def _hint(status: CaseStatus) -> str:
    return _FINAL if status is _S.CLOSED else "reopen it first"


def _allowed(status: CaseStatus) -> str:
    targets = sorted(target.value for target in TRANSITIONS[status])
    return ", ".join(targets) if targets else "nothing (it is final)"


def _move(case_id: str, current: CaseStatus, target: CaseStatus) -> InvalidTransitionError:
    return InvalidTransitionError(
        f"case {case_id!r}: cannot go from {current.value} to {target.value}; "
        f"from {current.value} a case may go to {_allowed(current)}"
    )


def _opened(_current: CaseStatus, case_id: str, _requested: CaseStatus | None) -> CaseStatus:
    raise ValidationError(f"case {case_id!r} is already open; 'opened' comes first, once")


def _reply(
    who: str, wakes: CaseStatus
) -> Callable[[CaseStatus, str, CaseStatus | None], CaseStatus]:
    def rule(current: CaseStatus, case_id: str, _requested: CaseStatus | None) -> CaseStatus:
        if not current.is_open:
            raise InvalidTransitionError(
                f"case {case_id!r}: cannot record {who} reply on a {current.value} case; "
                f"{_hint(current)}"
            )
        return _S.OPEN if current is wakes else current

    return rule


def _status_change(current: CaseStatus, case_id: str, requested: CaseStatus | None) -> CaseStatus:
    assert requested is not None  # noqa: S101 - a STATUS_CHANGED event names its target
    if requested not in TRANSITIONS[current]:
        raise _move(case_id, current, requested)
    if not (current.is_open and requested.is_open):
        step = {_S.RESOLVED: "resolved", _S.CLOSED: "closed"}.get(requested, "reopened")
        raise ValidationError(
            f"case {case_id!r}: going from {current.value} to {requested.value} is recorded "
            f"as a {step} event, not a status change",
            field="type",
        )
    return requested


def _edit(what: str) -> Callable[[CaseStatus, str, CaseStatus | None], CaseStatus]:
    def rule(current: CaseStatus, case_id: str, _requested: CaseStatus | None) -> CaseStatus:
        if current is _S.CLOSED:
            raise InvalidTransitionError(f"case {case_id!r}: cannot {what} a closed case; {_FINAL}")
        return current

    return rule


def _resolved(current: CaseStatus, case_id: str, _requested: CaseStatus | None) -> CaseStatus:
    if not current.is_open:
        raise _move(case_id, current, _S.RESOLVED)
    return _S.RESOLVED


def _from_resolved(
    target: CaseStatus, verb: str, done: str
) -> Callable[[CaseStatus, str, CaseStatus | None], CaseStatus]:
    def rule(current: CaseStatus, case_id: str, _requested: CaseStatus | None) -> CaseStatus:
        if current is not _S.RESOLVED:
            raise InvalidTransitionError(
                f"case {case_id!r}: cannot {verb}: cannot go from {current.value} to "
                f"{target.value} that way; only a resolved case can be {done}"
            )
        return target

    return rule


def _unchanged(current: CaseStatus, _case_id: str, _requested: CaseStatus | None) -> CaseStatus:
    return current


_RULES: dict[CaseEventType, Callable[[CaseStatus, str, CaseStatus | None], CaseStatus]] = {
    _T.OPENED: _opened,
    _T.AGENT_REPLIED: _reply("an agent", _S.NEW),
    _T.CUSTOMER_REPLIED: _reply("a customer", _S.WAITING_ON_CUSTOMER),
    _T.STATUS_CHANGED: _status_change,
    _T.PRIORITY_CHANGED: _edit("change the priority of"),
    _T.KIND_CHANGED: _edit("change the kind of"),
    _T.ASSIGNED: _edit("assign"),
    _T.RESOLVED: _resolved,
    _T.REOPENED: _from_resolved(_S.OPEN, "reopen", "reopened"),
    _T.CLOSED: _from_resolved(_S.CLOSED, "close", "closed"),
    _T.ESCALATED: _unchanged,
}


def next_status(
    state: CaseState, type_: CaseEventType, case_id: str, requested: CaseStatus | None = None
) -> CaseStatus:
    """The status an event of *type_* leaves the case in, or `InvalidTransitionError`.

    *requested* is the target of a STATUS_CHANGED event.
    """
    return _RULES[type_](state.status, case_id, requested)


# -- what each event type changes ---------------------------------------------------------


def _changed(index: int, event: CaseEvent) -> ValidationError:
    return ValidationError(
        f"history[{index}]: a {event.type.value} event must change something", field="history"
    )


def _update_agent_replied(state: CaseState, _event: CaseEvent, _case_id: str, _index: int) -> None:
    state.agent_replied = True


def _update_customer_replied(
    state: CaseState, _event: CaseEvent, _case_id: str, _index: int
) -> None:
    state.back_and_forth = state.back_and_forth or state.agent_replied


def _update_priority(state: CaseState, event: CaseEvent, _case_id: str, index: int) -> None:
    if event.priority is None or event.priority is state.priority:
        raise _changed(index, event)
    state.priority = event.priority


def _update_kind(state: CaseState, event: CaseEvent, _case_id: str, index: int) -> None:
    if event.kind is None or event.kind is state.kind:
        raise _changed(index, event)
    state.kind = event.kind


def _update_assignee(state: CaseState, event: CaseEvent, _case_id: str, index: int) -> None:
    if event.assignee == state.assignee:
        raise _changed(index, event)
    state.assignee = event.assignee


def _update_resolved(state: CaseState, event: CaseEvent, case_id: str, _index: int) -> None:
    if event.first_contact and state.reopen_count:
        raise InvalidTransitionError(
            f"case {case_id!r}: not resolved at first contact: it was resolved before"
        )
    if event.first_contact and state.back_and_forth:
        raise InvalidTransitionError(
            f"case {case_id!r}: not resolved at first contact: the customer replied after an "
            "agent's reply"
        )
    state.resolution = event
    state.resolved_at = event.at


def _update_reopened(state: CaseState, _event: CaseEvent, _case_id: str, _index: int) -> None:
    state.reopen_count += 1
    state.resolution = None
    state.resolved_at = None


def _update_closed(state: CaseState, event: CaseEvent, _case_id: str, _index: int) -> None:
    state.closed_at = event.at


def _update_escalated(state: CaseState, event: CaseEvent, _case_id: str, index: int) -> None:
    if event.escalation is None or event.escalation in state.fired:
        raise ValidationError(
            f"history[{index}]: escalation {event.escalation!r} already fired",
            field="escalation",
        )
    state.fired = state.fired | {event.escalation}


def _update_nothing(_state: CaseState, _event: CaseEvent, _case_id: str, _index: int) -> None:
    pass


_UPDATES: dict[CaseEventType, Callable[[CaseState, CaseEvent, str, int], None]] = {
    _T.OPENED: _update_nothing,
    _T.AGENT_REPLIED: _update_agent_replied,
    _T.CUSTOMER_REPLIED: _update_customer_replied,
    _T.STATUS_CHANGED: _update_nothing,
    _T.PRIORITY_CHANGED: _update_priority,
    _T.KIND_CHANGED: _update_kind,
    _T.ASSIGNED: _update_assignee,
    _T.RESOLVED: _update_resolved,
    _T.REOPENED: _update_reopened,
    _T.CLOSED: _update_closed,
    _T.ESCALATED: _update_escalated,
}


def _utc(value: dt.datetime) -> dt.datetime:
    # Python compares two datetimes of the same zone by wall time, ignoring `fold`: in the hour
    # the clocks go back, a later instant can look earlier. Compare in UTC.
    return value.astimezone(dt.timezone.utc)


def _check_time(state: CaseState, event: CaseEvent) -> None:
    at = _utc(event.at)
    if at >= _utc(state.last_at):
        return
    if at < _utc(state.opened_at):
        message = f"before the case was opened at {state.opened_at.isoformat()}"
    else:
        message = (
            f"earlier than the case's last event at {state.last_at.isoformat()}; "
            "a case's history is in time order"
        )
    raise ValidationError(message, field="at", value=event.at)


def apply_event(state: CaseState, event: CaseEvent, case_id: str, index: int) -> None:
    """Check *event*, the *index*-th of case *case_id*, against *state* and apply it in place."""
    _check_time(state, event)
    requested = event.status if event.type is _T.STATUS_CHANGED else None
    expected = next_status(state, event.type, case_id, requested)
    if event.status is not expected:
        raise ValidationError(
            f"history[{index}]: a {event.type.value} event on a {state.status.value} case "
            f"leaves it {expected.value}, not {event.status.value}",
            field="status",
        )
    _UPDATES[event.type](state, event, case_id, index)
    state.status = event.status
    state.last_at = event.at


def replay(history: Sequence[CaseEvent], case_id: str, *, steps: bool = False) -> list[CaseState]:
    """Check *history* event by event and return the state it adds up to.

    Returns a one-item list with the final state or, with *steps*, the state after each event.

    Raises:
        ValidationError: The history is empty, does not start with OPENED, is out of time
            order, or an event's status is not the one its type leads to.
        InvalidTransitionError: An event is not allowed in the status the case was in.
    """
    if not history:
        raise ValidationError("a case's history starts with an 'opened' event", field="history")
    first = history[0]
    if first.type is not _T.OPENED or first.status is not _S.NEW:
        raise ValidationError(
            "a case's history starts with an 'opened' event leaving it new",
            field="history",
            value=f"{first.type.value} ({first.status.value})",
        )
    state = CaseState(first)
    states = [state]
    for index, event in enumerate(history[1:], start=1):
        if steps:
            state = state.copy()
            states.append(state)
        apply_event(state, event, case_id, index)
    return states
