"""Service cases: complaints, returns, support requests, warranty claims and inquiries.

A `Case` is a value whose only state is its history of `CaseEvent`s; status, kind, priority,
assignee and resolution are derived from it, so a service-level policy can recompute any case
exactly. Every operation takes the instant as an argument and returns a new `Case`.

```python
from custrel.cases import Case, CaseKind, CaseStatus, Priority

case = Case.open(id="c-1", customer_id="k-1", kind=CaseKind.COMPLAINT,
                 priority=Priority.HIGH, at=t0, channel="email")
case = case.agent_reply(t1, agent="ola")
case = case.set_status(CaseStatus.WAITING_ON_CUSTOMER, t1)
case = case.customer_reply(t2)                      # back to OPEN
case = case.resolve(t3, apology=True, compensation=Voucher("SORRY-1", Money("200", "NOK")))
```

Assignment: an `AssignmentPolicy` gives a case to the customer's dedicated owner when they are
on the `Team` and not absent, else to a member on the case kind's `Route` (round robin or least
loaded).
"""

from custrel.cases._assignment import (
    Assignment,
    AssignmentPolicy,
    Role,
    Route,
    Strategy,
    Team,
    TeamMember,
    least_loaded,
    round_robin,
)
from custrel.cases._case import Case
from custrel.cases._compensation import Compensation, Voucher
from custrel.cases._event import MAX_NOTE, MAX_SUBJECT, CaseEvent
from custrel.cases._status import TRANSITIONS, CaseEventType, CaseKind, CaseStatus, Priority

__all__ = [
    "MAX_NOTE",
    "MAX_SUBJECT",
    "TRANSITIONS",
    "Assignment",
    "AssignmentPolicy",
    "Case",
    "CaseEvent",
    "CaseEventType",
    "CaseKind",
    "CaseStatus",
    "Compensation",
    "Priority",
    "Role",
    "Route",
    "Strategy",
    "Team",
    "TeamMember",
    "Voucher",
    "least_loaded",
    "round_robin",
]
