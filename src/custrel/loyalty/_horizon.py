"""Spans of time with their unit spelt out, and discount rates per an explicit period.

A model fitted on weekly summaries measures time in weeks; a horizon of ``Horizon(12,
"months")`` is converted to that unit (12 * 30.4375 / 7 weeks), never read as 12 of the model's
units. A month is a twelfth of a Julian year (365.25 / 12 = 30.4375 days), a year 365.25 days.
"""

from __future__ import annotations

import math
from typing import Literal, cast

import attrs

from custrel.errors import ValidationError
from custrel.loyalty._summary import DAYS_PER_UNIT, TimeUnit

__all__ = ["DAYS_PER_PERIOD", "DiscountRate", "Horizon", "HorizonUnit", "in_model_units"]

HorizonUnit = Literal["days", "weeks", "months", "years"]
"""A calendar period for horizons and discount rates."""

DAYS_PER_PERIOD: dict[str, float] = {
    "days": 1.0,
    "weeks": 7.0,
    "months": 365.25 / 12,
    "years": 365.25,
}
"""Days in each `HorizonUnit`: a month is 30.4375 days, a year 365.25 days."""

_SINGULAR = {"day": "days", "week": "weeks", "month": "months", "year": "years"}


def _period(value: object, field: str) -> HorizonUnit:
    period = _SINGULAR.get(value, value) if isinstance(value, str) else value
    if period not in DAYS_PER_PERIOD:
        raise ValidationError(
            "unknown period; expected days, weeks, months or years", field=field, value=value
        )
    return cast("HorizonUnit", period)


def _unit(value: object) -> HorizonUnit:
    return _period(value, "unit")


def _per(value: object) -> HorizonUnit:
    return _period(value, "per")


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError("expected a positive int", field="amount", value=value)
    return value


@attrs.frozen(cache_hash=True)
class Horizon:
    """A span of whole calendar periods: ``Horizon(12, "months")``, ``Horizon(52, "weeks")``.

    Attributes:
        amount: How many periods (a positive int).
        unit: ``"days"``, ``"weeks"``, ``"months"`` or ``"years"`` (the singular is accepted).
    """

    amount: int = attrs.field(converter=_positive_int)
    unit: HorizonUnit = attrs.field(converter=_unit)

    @property
    def days(self) -> float:
        """The horizon's length in days."""
        return self.amount * DAYS_PER_PERIOD[self.unit]

    def in_units(self, unit: TimeUnit) -> float:
        """The horizon's length in a model's time unit (``"day"`` or ``"week"``)."""
        return self.days / DAYS_PER_UNIT[unit]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("expected a number", field="rate", value=value)
    if not math.isfinite(value) or value < 0:
        raise ValidationError("expected a finite rate >= 0", field="rate", value=value)
    return float(value)


@attrs.frozen(cache_hash=True)
class DiscountRate:
    """A discount rate per an explicit period: ``DiscountRate(0.01, per="months")``.

    Money one period from now is worth ``1 / (1 + rate)`` today; over a fraction or a multiple
    of the period the factor is compounded: ``(1 + rate) ** -(days / days_per_period)``.

    Attributes:
        rate: The rate per period (0.01 is 1 %); 0 discounts nothing.
        per: ``"days"``, ``"weeks"``, ``"months"`` or ``"years"`` (the singular is accepted).
    """

    rate: float = attrs.field(converter=_rate)
    per: HorizonUnit = attrs.field(converter=_per)

    def factor(self, days: float) -> float:
        """The present value of 1 received *days* from now."""
        return float((1 + self.rate) ** -(days / DAYS_PER_PERIOD[self.per]))

    def __str__(self) -> str:
        return f"{self.rate:g} per {self.per.removesuffix('s')}"


def in_model_units(t: object, unit: TimeUnit, field: str = "t") -> float:
    """Return a time span in the model's *unit*: a `Horizon` converted, a number taken as is."""
    if isinstance(t, Horizon):
        return t.in_units(unit)
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise ValidationError(f"expected a Horizon or a number of {unit}s", field=field, value=t)
    if not math.isfinite(t) or t < 0:
        raise ValidationError("expected a finite time >= 0", field=field, value=t)
    return float(t)
