"""Promise-keeping rates: who, and which product, promises what cannot be delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

from custrel.errors import ValidationError
from custrel.lifecycle._assessment import (
    BusinessTime,
    PromiseAssessment,
    PromiseOutcome,
    assess_journey,
)
from custrel.lifecycle._journey import Journey
from custrel.lifecycle._promises import OtifTolerance

__all__ = [
    "KeepingRate",
    "keeping_rate",
    "rates_by_customer",
    "rates_by_product",
    "rates_by_staff",
]


@attrs.frozen
class KeepingRate:
    """How many promises were made, and what became of them.

    ``rate`` is kept / decided: pending promises do not count either way.
    """

    made: int = 0
    kept: int = 0
    early: int = 0
    late: int = 0
    partial: int = 0
    broken: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        """Promises whose outcome is known."""
        return self.made - self.pending

    @property
    def rate(self) -> float | None:
        """The share of decided promises that were kept (None if none is decided)."""
        return None if self.decided == 0 else self.kept / self.decided

    def __add__(self, other: KeepingRate) -> KeepingRate:
        if not isinstance(other, KeepingRate):
            return NotImplemented
        return KeepingRate(
            *(
                getattr(self, name) + getattr(other, name)
                for name in ("made", "kept", "early", "late", "partial", "broken", "pending")
            )
        )


_COUNTERS = {
    PromiseOutcome.KEPT: "kept",
    PromiseOutcome.EARLY: "early",
    PromiseOutcome.LATE: "late",
    PromiseOutcome.PARTIAL: "partial",
    PromiseOutcome.BROKEN: "broken",
    PromiseOutcome.PENDING: "pending",
}


def keeping_rate(assessments: Iterable[PromiseAssessment]) -> KeepingRate:
    """Count *assessments* by outcome."""
    counts = dict.fromkeys(_COUNTERS.values(), 0)
    made = 0
    for assessment in assessments:
        if not isinstance(assessment, PromiseAssessment):
            raise ValidationError(
                "expected a PromiseAssessment", field="assessments", value=assessment
            )
        made += 1
        counts[_COUNTERS[assessment.outcome]] += 1
    return KeepingRate(made=made, **counts)


def _grouped(
    journeys: Iterable[Journey],
    now: dt.datetime,
    key: Callable[[PromiseAssessment], str | None],
    tolerance: OtifTolerance | None,
    calendar: BusinessTime | None,
) -> dict[str, KeepingRate]:
    groups: dict[str, list[PromiseAssessment]] = {}
    for journey in journeys:
        if not isinstance(journey, Journey):
            raise ValidationError("expected a Journey", field="journeys", value=journey)
        for assessment in assess_journey(journey, now, tolerance=tolerance, calendar=calendar):
            name = key(assessment)
            if name is not None:
                groups.setdefault(name, []).append(assessment)
    return {name: keeping_rate(groups[name]) for name in sorted(groups)}


def rates_by_staff(
    journeys: Iterable[Journey],
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> dict[str, KeepingRate]:
    """Promise keeping per staff member who made the promises, in id order.

    The overselling view: a seller with a low rate promises what cannot be delivered.
    """
    return _grouped(journeys, now, lambda found: found.promise.made_by, tolerance, calendar)


def rates_by_product(
    journeys: Iterable[Journey],
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> dict[str, KeepingRate]:
    """Promise keeping per product, over promises made about one product (order lines)."""
    return _grouped(journeys, now, lambda found: found.promise.product, tolerance, calendar)


def rates_by_customer(
    journeys: Iterable[Journey],
    now: dt.datetime,
    *,
    tolerance: OtifTolerance | None = None,
    calendar: BusinessTime | None = None,
) -> dict[str, KeepingRate]:
    """Promise keeping per customer the promises were made to."""
    return _grouped(journeys, now, lambda found: found.customer_id, tolerance, calendar)
