"""What a case is about, how urgent it is, where it stands, and which status changes are allowed."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from custrel._enums import member

__all__ = [
    "TRANSITIONS",
    "CaseEventType",
    "CaseKind",
    "CaseStatus",
    "Priority",
    "member",
]

E = TypeVar("E", bound=enum.Enum)


class CaseKind(str, enum.Enum):
    """What a case is about."""

    COMPLAINT = "complaint"
    RETURN = "return"
    SUPPORT = "support"
    WARRANTY = "warranty"
    INQUIRY = "inquiry"


class Priority(str, enum.Enum):
    """How urgent a case is; `rank` orders them from LOW (0) to URGENT (3)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for LOW, 1 for NORMAL, 2 for HIGH, 3 for URGENT."""
        return _RANKS[self]


_RANKS = {priority: rank for rank, priority in enumerate(Priority)}


class CaseStatus(str, enum.Enum):
    """Where a case stands.

    NEW until someone on the team picks it up; OPEN while the company works on it;
    WAITING_ON_CUSTOMER while the company waits for the customer's answer; ON_HOLD while it waits
    on someone else (a supplier, a repair shop); RESOLVED when the company considers it solved
    (it can still be reopened); CLOSED when it is over for good.
    """

    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """True for every status but RESOLVED and CLOSED."""
        return self not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


class CaseEventType(str, enum.Enum):
    """What happened to a case: one entry of its history."""

    OPENED = "opened"
    AGENT_REPLIED = "agent_replied"
    CUSTOMER_REPLIED = "customer_replied"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    KIND_CHANGED = "kind_changed"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    ESCALATED = "escalated"


TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.NEW: frozenset(
            {
                CaseStatus.OPEN,
                CaseStatus.WAITING_ON_CUSTOMER,
                CaseStatus.ON_HOLD,
                CaseStatus.RESOLVED,
            }
        ),
        CaseStatus.OPEN: frozenset(
            {CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}
        ),
        CaseStatus.WAITING_ON_CUSTOMER: frozenset(
            {CaseStatus.OPEN, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}
        ),
        CaseStatus.ON_HOLD: frozenset(
            {CaseStatus.OPEN, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}
        ),
        CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
        CaseStatus.CLOSED: frozenset(),
    }
)
"""The status changes a case allows: ``TRANSITIONS[from]`` is the set of statuses it may go to.

Nothing goes back to NEW; RESOLVED is left only by reopening (to OPEN) or closing; CLOSED is
final. Replies move a case too (an agent's reply opens a NEW case, a customer's reply to a case
waiting on them opens it), always along this table.
"""
