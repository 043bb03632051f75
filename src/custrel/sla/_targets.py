"""`Targets`: how much business time each metric may take, for one priority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from custrel.calendars import BusinessCalendar, BusinessDays
from custrel.errors import PolicyError
from custrel.sla._metrics import Metric, format_duration, metric

__all__ = ["Target", "Targets", "calendar_of", "target"]

Target = dt.timedelta | BusinessDays
"""A target: business time (a positive `timedelta`) or a number of `BusinessDays` (one or more)."""

_ONE_US = dt.timedelta(microseconds=1)


def target(value: object, field: str) -> Target | None:
    """Check one target: None, a positive `timedelta`, or `BusinessDays` of one or more."""
    if value is None:
        return None
    if isinstance(value, BusinessDays):
        if value.days < 1:
            raise PolicyError(
                "a target must be at least one business day", field=field, value=value
            )
        return value
    if not isinstance(value, dt.timedelta):
        raise PolicyError(
            "expected a timedelta of business time or BusinessDays", field=field, value=value
        )
    if getattr(value, "years", 0) or getattr(value, "months", 0):
        raise PolicyError(
            "business time is counted in hours and minutes, not months or years",
            field=field,
            value=value,
        )
    if value // _ONE_US <= 0:
        raise PolicyError("a target must be longer than zero", field=field, value=value)
    return value


def _first_response(value: object) -> Target | None:
    return target(value, "first_response")


def _next_response(value: object) -> Target | None:
    return target(value, "next_response")


def _resolution(value: object) -> Target | None:
    return target(value, "resolution")


def _periodic_update(value: object) -> Target | None:
    return target(value, "periodic_update")


def calendar_of(value: object, field: str) -> BusinessCalendar:
    """Return *value* if it is a `BusinessCalendar`, else raise `PolicyError`."""
    if not isinstance(value, BusinessCalendar):
        raise PolicyError("expected a BusinessCalendar", field=field, value=value)
    return value


def _calendar(value: object) -> BusinessCalendar | None:
    return None if value is None else calendar_of(value, "calendar")


def _calendars(value: object) -> Mapping[Metric, BusinessCalendar]:
    if not isinstance(value, Mapping):
        raise PolicyError(
            "expected a mapping of metric to BusinessCalendar", field="calendars", value=value
        )
    checked = {
        metric(key, "calendars"): calendar_of(item, f"calendars[{key!r}]")
        for key, item in value.items()
    }
    return MappingProxyType(checked)


@attrs.frozen(kw_only=True)
class Targets:
    """The business time each metric may take, for the cases of one priority.

    ```python
    Targets(first_response=timedelta(hours=1), resolution=BusinessDays(2))
    ```

    Every target is optional, but at least one is required; a metric without a target is not
    measured. A `timedelta` is business time on the policy's calendar; `BusinessDays` counts
    business days the way `BusinessCalendar.add_business_days` does (see the service-levels
    page for how that meets pauses).

    Attributes:
        first_response: From opening to the first agent reply.
        next_response: From a customer message to the agent reply that answers it.
        resolution: From opening to resolution, less the paused time.
        periodic_update: The longest the customer waits for news while the case is open.
        calendar: The calendar for these targets instead of the policy's (24x7 for urgent
            cases, say); None keeps the policy's.
        calendars: A calendar per metric, overriding ``calendar`` and the policy's for that
            metric only (``{"first_response": always}``).
    """

    first_response: Target | None = attrs.field(default=None, converter=_first_response)
    next_response: Target | None = attrs.field(default=None, converter=_next_response)
    resolution: Target | None = attrs.field(default=None, converter=_resolution)
    periodic_update: Target | None = attrs.field(default=None, converter=_periodic_update)
    calendar: BusinessCalendar | None = attrs.field(default=None, converter=_calendar)
    calendars: Mapping[Metric, BusinessCalendar] = attrs.field(
        factory=dict, converter=_calendars, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if not self.items():
            raise PolicyError(
                "give at least one target (first_response, next_response, resolution or "
                "periodic_update)",
                field="targets",
            )
        for name in self.calendars:
            if self.get(name) is None:
                raise PolicyError(
                    f"there is no {name.label} target to measure on it",
                    field=f"calendars[{name.value!r}]",
                )

    def get(self, name: Metric | str) -> Target | None:
        """Return the target for a metric, or None when it is not measured."""
        value: Target | None = getattr(self, metric(name, "metric").value)
        return value

    def items(self) -> tuple[tuple[Metric, Target], ...]:
        """Return (metric, target) for each metric with a target, in `Metric` order."""
        pairs = ((name, getattr(self, name.value)) for name in Metric)
        return tuple((name, value) for name, value in pairs if value is not None)

    def calendar_for(self, name: Metric, default: BusinessCalendar) -> BusinessCalendar:
        """Return a metric's calendar: its own, else these targets', else *default*."""
        return self.calendars.get(name) or self.calendar or default

    def describe(self, name: Metric) -> str:
        """Return one target in words (``"8 business hours"``), or ``"-"`` when not measured."""
        value = self.get(name)
        return "-" if value is None else format_duration(value)
