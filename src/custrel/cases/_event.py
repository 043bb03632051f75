"""One entry of a case's history: what happened, when, and the status it left the case in."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.calendars import to_microseconds
from custrel.cases._compensation import (
    Voucher,
    check_compensation,
    compensation_from_dict,
    compensation_to_dict,
)
from custrel.cases._status import CaseEventType, CaseKind, CaseStatus, Priority, member
from custrel.errors import ValidationError
from custrel.ids import check_id
from custrel.money import Money

__all__ = ["MAX_NOTE", "MAX_SUBJECT", "CaseEvent", "channel_label", "text"]

MAX_SUBJECT = 300
"""The longest subject a case takes, in characters."""

MAX_NOTE = 5000
"""The longest note or reason an event takes, in characters."""

_MAX_CHANNEL = 50


def text(value: object, field: str, limit: int) -> str:
    """Return *value* stripped if it is a string of at most *limit* characters, else raise."""
    if not isinstance(value, str):
        raise ValidationError("expected a string", field=field, value=value)
    stripped = value.strip()
    if len(stripped) > limit:
        raise ValidationError(f"longer than {limit} characters", field=field, value=value)
    return stripped


def channel_label(value: object) -> str | None:
    """Return a channel label in lower case (``"email"``, ``"phone"``, ``"store"``) or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_CHANNEL:
        raise ValidationError(
            f"expected a label of 1 to {_MAX_CHANNEL} characters, such as 'email'",
            field="channel",
            value=value,
        )
    return value.strip().lower()


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected True or False", field=field, value=value)
    return value


def _first_contact(value: object) -> bool:
    return _flag(value, "first_contact")


def _apology(value: object) -> bool:
    return _flag(value, "apology")


def _actor(value: object) -> str | None:
    return None if value is None else check_id(value, "actor")


def _assignee(value: object) -> str | None:
    return None if value is None else check_id(value, "assignee")


def _escalation(value: object) -> str | None:
    return None if value is None else check_id(value, "escalation")


def _order_id(value: object) -> str | None:
    return None if value is None else check_id(value, "order_id")


def _subject(value: object) -> str:
    return text(value, "subject", MAX_SUBJECT)


def _reason(value: object) -> str:
    return text(value, "reason", MAX_NOTE)


def _note(value: object) -> str:
    return text(value, "note", MAX_NOTE)


def _utc_instant(value: object) -> pendulum.DateTime:
    # Kept in UTC: an instant in the hour the clocks go back compares and tests equal by its
    # wall time in its own zone, not by the instant it names, which breaks ordering and `==`.
    return _time.instant(value, "at").in_timezone("UTC")


def _microseconds(event: CaseEvent) -> int:
    return to_microseconds(event.at)


def _type(value: object) -> CaseEventType:
    return member(CaseEventType, value, "type")


def _status(value: object) -> CaseStatus:
    return member(CaseStatus, value, "status")


def _priority(value: object) -> Priority | None:
    return None if value is None else member(Priority, value, "priority")


def _kind(value: object) -> CaseKind | None:
    return None if value is None else member(CaseKind, value, "kind")


# Which event types may carry each type-specific field (other types leave it at its default).
_CARRIED_BY: dict[str, frozenset[CaseEventType]] = {
    "priority": frozenset({CaseEventType.OPENED, CaseEventType.PRIORITY_CHANGED}),
    "kind": frozenset({CaseEventType.OPENED, CaseEventType.KIND_CHANGED}),
    "channel": frozenset({CaseEventType.OPENED}),
    "order_id": frozenset({CaseEventType.OPENED}),
    "subject": frozenset({CaseEventType.OPENED}),
    "assignee": frozenset({CaseEventType.ASSIGNED}),
    "reason": frozenset({CaseEventType.ASSIGNED}),
    "first_contact": frozenset({CaseEventType.RESOLVED}),
    "apology": frozenset({CaseEventType.RESOLVED}),
    "compensation": frozenset({CaseEventType.RESOLVED}),
    "escalation": frozenset({CaseEventType.ESCALATED}),
}
_REQUIRED: dict[CaseEventType, tuple[str, ...]] = {
    CaseEventType.OPENED: ("priority", "kind"),
    CaseEventType.PRIORITY_CHANGED: ("priority",),
    CaseEventType.KIND_CHANGED: ("kind",),
    CaseEventType.ESCALATED: ("escalation",),
}


@attrs.frozen
class CaseEvent:
    """One entry of a case's history; a `Case` derives everything from a tuple of these.

    Events are made by the `Case` operations; build them by hand only to load histories.

    Attributes:
        type: What happened.
        at: When; given in any zone, kept in UTC. A history is in non-decreasing time order.
        status: The case's status right after this event.
        actor: The staff member who did it, or None for the customer or the system.
        priority: On OPENED and PRIORITY_CHANGED: the priority from then on.
        kind: On OPENED and KIND_CHANGED: the kind from then on.
        assignee: On ASSIGNED: the staff member now handling the case (None: nobody).
        first_contact: On RESOLVED: resolved at the first contact, without a back-and-forth.
        escalation: On ESCALATED: the key of the escalation step that fired.
        apology: On RESOLVED: the company apologised.
        compensation: On RESOLVED: goodwill given, `Money` or a `Voucher` (None: none).
        channel: On OPENED: how the case came in (``"email"``, ``"phone"``, ``"store"``...).
        order_id: On OPENED: the host's id of the order the case is about.
        subject: On OPENED: a short free-text summary (dropped by `Case.erase`).
        reason: On ASSIGNED: why this person (``"dedicated owner"``, ``"owner absent: round
            robin"``); free text, dropped by `Case.erase`.
        note: Free text about the event, on any type (dropped by `Case.erase`).
        at_us: Derived from ``at``, for fast arithmetic: the instant as integer microseconds
            since 1970-01-01T00:00:00Z (exact). Not a constructor argument, not serialised,
            and not compared (``at`` is).
    """

    type: CaseEventType = attrs.field(converter=_type)
    at: pendulum.DateTime = attrs.field(converter=_utc_instant)
    # Derived from `at`; declared beside `type` and `status`, which SLA evaluation reads with it.
    at_us: int = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_microseconds, takes_self=True)
    )
    status: CaseStatus = attrs.field(converter=_status)
    actor: str | None = attrs.field(default=None, converter=_actor)
    priority: Priority | None = attrs.field(default=None, converter=_priority)
    kind: CaseKind | None = attrs.field(default=None, converter=_kind)
    assignee: str | None = attrs.field(default=None, converter=_assignee)
    first_contact: bool = attrs.field(default=False, converter=_first_contact)
    escalation: str | None = attrs.field(default=None, converter=_escalation)
    apology: bool = attrs.field(default=False, converter=_apology)
    compensation: Money | Voucher | None = attrs.field(default=None, converter=check_compensation)
    channel: str | None = attrs.field(default=None, converter=channel_label)
    order_id: str | None = attrs.field(default=None, converter=_order_id)
    subject: str = attrs.field(default="", converter=_subject)
    reason: str = attrs.field(default="", converter=_reason)
    note: str = attrs.field(default="", converter=_note)

    def __attrs_post_init__(self) -> None:
        for field, carriers in _CARRIED_BY.items():
            value = getattr(self, field)
            if self.type not in carriers and value != _DEFAULTS[field]:
                raise ValidationError(
                    f"not recorded on {self.type.value} events", field=field, value=value
                )
        for field in _REQUIRED.get(self.type, ()):
            if getattr(self, field) is None:
                raise ValidationError(f"required on {self.type.value} events", field=field)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict holding the fields that differ from their defaults."""
        data: dict[str, Any] = {
            "type": self.type.value,
            "at": _time.format_instant(self.at),
            "status": self.status.value,
        }
        for field in _OPTIONAL:
            value = getattr(self, field)
            if value == _DEFAULTS[field]:
                continue
            if field == "compensation":
                value = compensation_to_dict(value)
            elif isinstance(value, (Priority, CaseKind)):
                value = value.value
            data[field] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseEvent:
        """Rebuild an event written by `to_dict`; unknown or malformed fields are refused."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="event", value=data)
        unknown = set(data) - {"type", "at", "status", *_OPTIONAL}
        if unknown:
            raise ValidationError(f"unknown fields {sorted(unknown)}", field="event")
        fields = {field: data[field] for field in _OPTIONAL if field in data}
        if "compensation" in fields:
            fields["compensation"] = compensation_from_dict(fields["compensation"])
        return cls(
            type=data.get("type"),
            at=_time.parse_instant(data.get("at"), "at"),
            status=data.get("status"),
            **fields,
        )


_OPTIONAL = tuple(
    field.name
    for field in attrs.fields(CaseEvent)
    if field.init and field.name not in ("type", "at", "status")
)
_DEFAULTS: dict[str, Any] = {
    field.name: field.default for field in attrs.fields(CaseEvent) if field.name in _OPTIONAL
}
