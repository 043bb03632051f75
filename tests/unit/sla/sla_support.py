"""Shared calendars, policies and case builders for the service-level tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum

from custrel.calendars import BusinessCalendar
from custrel.cases import Case, CaseKind, Priority
from custrel.sla import PolicyBook, SlaPolicy, Targets

OSLO = "Europe/Oslo"
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", timezone=OSLO)
ALWAYS = BusinessCalendar.always(timezone=OSLO)
MONDAY = pendulum.datetime(2026, 3, 2, tz=OSLO)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """An instant in Oslo, *day* days after Monday 2 March 2026."""
    return MONDAY.add(days=day).replace(hour=hour, minute=minute)


def hours(count: float) -> timedelta:
    return timedelta(hours=count)


def policy(
    targets: Targets | None = None, *, name: object = "Standard", **options: Any
) -> SlaPolicy:
    chosen = targets or Targets(first_response=hours(1), resolution=hours(8))
    return SlaPolicy(name, OFFICE, chosen, **options)


def book(targets: Targets | None = None, **options: Any) -> PolicyBook:
    return PolicyBook([], default=policy(targets, **options))


def complaint(opened: pendulum.DateTime, priority: Priority = Priority.HIGH) -> Case:
    return Case.open(
        id="c-1", customer_id="k-1", kind=CaseKind.COMPLAINT, priority=priority, at=opened
    )
