r"""Service levels in code: a web shop's policy book, and a stricter one proposed to replace it.

The book is an ordinary Python value, built and checked when this module is imported, so a
mistake (a missing priority, a zero target) stops the application at start-up, never at 3 a.m.
Staff read it with ``custrel policy describe``; a change is tried on last quarter's cases with
``custrel sla simulate``:

    custrel policy describe examples/policies.py:BOOK
    custrel sla simulate examples/policies.py:PROPOSED examples/cases.csv \
        --against examples/policies.py:BOOK

Run as a program, it prints the book and evaluates one complaint.
"""

from __future__ import annotations

from datetime import date, timedelta

import pendulum

from custrel.calendars import BusinessCalendar, BusinessDays
from custrel.cases import Case, CaseKind, CaseStatus, Priority
from custrel.sla import CaseFilter, Escalation, PolicyBook, SlaPolicy, Targets

OFFICE = BusinessCalendar(
    timezone="Europe/Oslo",
    week={
        day: [("08:00", "11:30"), ("12:00", "16:00")] for day in ("mon", "tue", "wed", "thu", "fri")
    },
    holidays={date(2026, 12, 24): "Christmas Eve", date(2026, 12, 25): "Christmas Day"},
)
"""The customer service desk: weekdays 08:00-16:00 with a half-hour lunch, Oslo time."""

AROUND_THE_CLOCK = BusinessCalendar.always(timezone="Europe/Oslo")
"""The on-call rota, for urgent cases."""

URGENT = Targets(
    first_response=timedelta(hours=1), resolution=timedelta(hours=4), calendar=AROUND_THE_CLOCK
)

COMPLAINTS = SlaPolicy(
    "Complaints",
    OFFICE,
    {
        Priority.URGENT: URGENT,
        Priority.HIGH: Targets(
            first_response=timedelta(hours=2),
            next_response=timedelta(hours=4),
            resolution=BusinessDays(2),
            periodic_update=BusinessDays(1),
        ),
        Priority.NORMAL: Targets(
            first_response=timedelta(hours=4),
            next_response=timedelta(hours=8),
            resolution=BusinessDays(5),
            periodic_update=BusinessDays(2),
        ),
        Priority.LOW: Targets(
            first_response=BusinessDays(1),
            next_response=BusinessDays(1),
            resolution=BusinessDays(10),
        ),
    },
    applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
    escalations=[
        Escalation(name="warn-owner", metric="first_response", at=0.75, notify="owner"),
        Escalation(name="warn-owner", metric="resolution", at=0.75, notify="owner"),
        Escalation(name="team-lead", metric="resolution", at=1, notify="team_lead"),
        Escalation(
            name="head-of-service",
            metric="resolution",
            after=timedelta(hours=8),
            notify=["head_of_service", "team_lead"],
        ),
    ],
)

RETURNS_AND_WARRANTY = SlaPolicy(
    "Returns and warranty",
    OFFICE,
    {
        Priority.URGENT: URGENT,
        **dict.fromkeys(
            (Priority.HIGH, Priority.NORMAL, Priority.LOW),
            Targets(first_response=BusinessDays(1), resolution=BusinessDays(10)),
        ),
    },
    applies_to=CaseFilter(kinds={CaseKind.RETURN, CaseKind.WARRANTY}),
    pause_on=frozenset({CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.ON_HOLD}),
    description="returns and warranty claims (the clocks also stop while a supplier has the item)",
)

STANDARD = SlaPolicy(
    "Standard",
    OFFICE,
    {
        Priority.URGENT: URGENT,
        **dict.fromkeys(
            (Priority.HIGH, Priority.NORMAL, Priority.LOW),
            Targets(first_response=BusinessDays(1), resolution=BusinessDays(5)),
        ),
    },
)

BOOK = PolicyBook([COMPLAINTS, RETURNS_AND_WARRANTY], default=STANDARD)
"""The book in force."""

PROPOSED = PolicyBook(
    [
        SlaPolicy(
            "Complaints",
            OFFICE,
            {
                **COMPLAINTS.targets,
                Priority.NORMAL: Targets(
                    first_response=timedelta(hours=2),
                    next_response=timedelta(hours=4),
                    resolution=BusinessDays(3),
                    periodic_update=BusinessDays(1),
                ),
            },
            applies_to=COMPLAINTS.applies_to,
            escalations=COMPLAINTS.escalations,
        ),
        RETURNS_AND_WARRANTY,
    ],
    default=STANDARD,
)
"""A proposal: normal-priority complaints answered in 2 business hours and solved in 3 days."""


def main() -> None:
    """Print the book, then evaluate a complaint that waited on the customer over a weekend."""
    print(BOOK.describe())
    opened = pendulum.datetime(2026, 3, 6, 14, 0, tz="Europe/Oslo")  # a Friday
    case = (
        Case.open(id="c-1", customer_id="k-1", kind="complaint", priority="normal", at=opened)
        .agent_reply(opened.add(minutes=45), agent="ola")
        .set_status(CaseStatus.WAITING_ON_CUSTOMER, opened.add(hours=1))
        .customer_reply(opened.add(days=3, hours=-4))  # Monday 10:00
    )
    report = BOOK.evaluate(case, opened.add(days=3))
    print(f"policy: {report.policy}")
    if report.resolution is not None:
        print(f"resolution due: {report.resolution.due_at.format('dddd D MMMM HH:mm')}")
        print(f"elapsed: {report.resolution.elapsed.in_words()}")


if __name__ == "__main__":
    main()
