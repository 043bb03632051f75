"""The demo shop's policies, in code: opening hours, service levels, team, points program."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from custrel.calendars import BusinessCalendar, BusinessDays, country_holidays
from custrel.cases import AssignmentPolicy, CaseKind, Priority, Role, Route, Strategy, Team
from custrel.cases import TeamMember as Member
from custrel.interactions import EarlyWarning
from custrel.lifecycle import LifecyclePolicy
from custrel.loyalty import Downgrade, Expiry, LoyaltyProgram, QualifyingWindow, Tier
from custrel.sla import CaseFilter, Escalation, PolicyBook, SlaPolicy, Targets

__all__ = ["ASSIGNMENT", "BOOK", "OFFICE", "PROGRAM", "lifecycle_policy", "warnings"]

OFFICE = BusinessCalendar.weekdays(
    "08:00",
    "16:00",
    timezone="Europe/Oslo",
    holidays=country_holidays("NO", years=[2026, 2027]),
)
"""Customer service: weekdays 08:00-16:00 in Oslo, closed on Norwegian public holidays."""

_HOUR = dt.timedelta(hours=1)

BOOK = PolicyBook(
    [
        SlaPolicy(
            "Complaints",
            OFFICE,
            {
                Priority.URGENT: Targets(first_response=_HOUR, resolution=4 * _HOUR),
                Priority.HIGH: Targets(first_response=2 * _HOUR, resolution=BusinessDays(1)),
                Priority.NORMAL: Targets(first_response=4 * _HOUR, resolution=BusinessDays(3)),
                Priority.LOW: Targets(first_response=BusinessDays(1), resolution=BusinessDays(5)),
            },
            applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
            escalations=[
                Escalation(name="warn-owner", metric="first_response", at=0.75, notify="owner"),
                Escalation(name="team-lead", metric="first_response", at=1, notify="team_lead"),
            ],
        )
    ],
    default=SlaPolicy(
        "Standard",
        OFFICE,
        {
            priority: Targets(first_response=BusinessDays(1), resolution=BusinessDays(5))
            for priority in Priority
        },
    ),
)
"""An answer to every complaint within hours, and a resolution within days."""

ASSIGNMENT = AssignmentPolicy(
    Team(
        [
            Member("staff:ola", [Role.ACCOUNT_MANAGER, Role.CUSTOMER_SERVICE]),
            Member("staff:mona", [Role.CUSTOMER_SERVICE, Role.HELP_DESK]),
            Member("staff:per", [Role.HELP_DESK]),
        ]
    ),
    routes={CaseKind.COMPLAINT: Route([Role.CUSTOMER_SERVICE], Strategy.LEAST_LOADED)},
    default=Route([Role.HELP_DESK]),
)
"""The customer's dedicated owner first; otherwise complaints to the least loaded."""

PROGRAM = LoyaltyProgram(
    name="Fjordklubben",
    currency="NOK",
    points_per_unit=1,
    return_window=14,
    expiry=Expiry.end_of_year(1),
    tiers=[
        Tier("member"),
        Tier("silver", 5000, multiplier=Decimal("1.25"), discount=5),
        Tier("gold", 20000, multiplier=Decimal("1.5"), discount=10),
    ],
    tier_window=QualifyingWindow.calendar_year(),
    downgrade=Downgrade.end_of_period(),
    timezone="Europe/Oslo",
)
"""One point per krone, pending for the 14-day return window; silver from 5,000 points."""


def lifecycle_policy() -> LifecyclePolicy:
    """The default ladder and rules, with lateness counted in the office's business time."""
    return LifecyclePolicy(calendar=OFFICE)


def warnings() -> EarlyWarning:
    """The default early-warning rules on the office's opening hours."""
    return EarlyWarning.default(OFFICE)
