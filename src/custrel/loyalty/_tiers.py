"""Membership tiers: thresholds and benefits, the qualifying window, and the downgrade policy.

A member's tier is derived, never stored: from the qualifying points (or spend) of their
awards, net of returns, counted in a window (rolling or the calendar year), with a downgrade
policy that says how long a tier is kept once the qualifying value falls below its threshold.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
import pendulum

from custrel.errors import PolicyError
from custrel.loyalty._points_checks import exact_decimal, whole_days

__all__ = [
    "Downgrade",
    "DowngradeKind",
    "Qualification",
    "QualifyingWindow",
    "Tier",
    "TierBasis",
    "held_tier",
    "window_value",
]

_HUNDRED = Decimal(100)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise PolicyError(
            "expected a non-empty name without surrounding spaces", field="name", value=value
        )
    return value


def _threshold(value: object) -> Decimal:
    return exact_decimal(value, "threshold", error=PolicyError)


def _multiplier(value: object) -> Decimal:
    multiplier = exact_decimal(value, "multiplier", error=PolicyError)
    if multiplier == 0:
        raise PolicyError("a tier multiplier must be above zero", field="multiplier", value=value)
    return multiplier


def _discount(value: object) -> Decimal:
    discount = exact_decimal(value, "discount", error=PolicyError)
    if discount >= _HUNDRED:
        raise PolicyError(
            "a member discount is a percentage below 100", field="discount", value=value
        )
    return discount


@attrs.frozen
class Tier:
    """A membership tier and its benefits.

    Attributes:
        name: Unique within the program (``"silver"``).
        threshold: The qualifying points, or the qualifying spend in the program's currency,
            needed to reach the tier within the qualifying window. The lowest tier's is 0.
        multiplier: Points earned at this tier are multiplied by this (``Decimal("1.25")``).
        discount: The member discount, in percent of the price (``Decimal("5")`` is 5 %).
    """

    name: str = attrs.field(converter=_name)
    threshold: Decimal = attrs.field(default=Decimal(0), converter=_threshold)
    multiplier: Decimal = attrs.field(default=Decimal(1), converter=_multiplier)
    discount: Decimal = attrs.field(default=Decimal(0), converter=_discount)

    def describe(self) -> str:
        """The tier in plain language."""
        benefits = []
        if self.multiplier != 1:
            benefits.append(f"x{self.multiplier} points")
        if self.discount:
            benefits.append(f"{self.discount}% member discount")
        extra = f" ({', '.join(benefits)})" if benefits else ""
        return f"{self.name} from {self.threshold}{extra}"


class TierBasis(enum.Enum):
    """What tiers are earned on."""

    POINTS = "points"
    """Qualifying points: the points an order earned before the tier multiplier."""
    SPEND = "spend"
    """Qualifying spend: the amount of the order lines that earn points."""


class WindowKind(enum.Enum):
    """The kinds of qualifying window."""

    ROLLING = "rolling"
    CALENDAR_YEAR = "calendar_year"


def _window_kind(value: object) -> WindowKind:
    try:
        return WindowKind(value)
    except ValueError:
        raise PolicyError(
            f"expected one of {[kind.value for kind in WindowKind]}", field="kind", value=value
        ) from None


def _window_length(value: object) -> dt.timedelta:
    return whole_days(value, "length", error=PolicyError)


@attrs.frozen
class QualifyingWindow:
    """Which purchases count towards a tier: those of the last N days, or of the calendar year.

    Build one with `QualifyingWindow.rolling` or `QualifyingWindow.calendar_year`. A purchase
    belongs to the window by the instant its order was placed (the calendar year in the
    program's time zone), and counts from the moment its award was recorded.
    """

    kind: WindowKind = attrs.field(converter=_window_kind)
    length: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_window_length)

    def __attrs_post_init__(self) -> None:
        if self.kind is WindowKind.ROLLING and self.length <= dt.timedelta(0):
            raise PolicyError(
                "a rolling window needs a length above zero", field="length", value=self.length
            )

    @classmethod
    def rolling(cls, days: int = 365) -> QualifyingWindow:
        """Purchases placed within the last *days* days (of 24 hours) count."""
        return cls(WindowKind.ROLLING, dt.timedelta(days=days))

    @classmethod
    def calendar_year(cls) -> QualifyingWindow:
        """Purchases placed in the current calendar year count (an anchored window)."""
        return cls(WindowKind.CALENDAR_YEAR)

    @property
    def anchored(self) -> bool:
        """True for a window tied to the calendar (periods with a start and an end)."""
        return self.kind is WindowKind.CALENDAR_YEAR

    def end_for(self, placed_at: pendulum.DateTime, timezone: str) -> pendulum.DateTime:
        """The first instant a purchase placed at *placed_at* no longer counts."""
        if self.kind is WindowKind.ROLLING:
            return placed_at + self.length
        return pendulum.datetime(placed_at.in_timezone(timezone).year + 1, 1, 1, tz=timezone)

    def describe(self) -> str:
        """The window in plain language."""
        if self.kind is WindowKind.ROLLING:
            return f"the last {self.length.days} days"
        return "the calendar year"


class DowngradeKind(enum.Enum):
    """The kinds of downgrade policy."""

    IMMEDIATE = "immediate"
    END_OF_PERIOD = "end_of_period"
    GRACE = "grace"


def _downgrade_kind(value: object) -> DowngradeKind:
    try:
        return DowngradeKind(value)
    except ValueError:
        raise PolicyError(
            f"expected one of {[kind.value for kind in DowngradeKind]}", field="kind", value=value
        ) from None


def _grace(value: object) -> dt.timedelta:
    return whole_days(value, "grace", error=PolicyError)


@attrs.frozen
class Downgrade:
    """How long a member keeps a tier once the qualifying value falls below its threshold.

    Build one with `Downgrade.immediate`, `Downgrade.end_of_period` or `Downgrade.after_grace`.
    Upgrades always take effect at once.
    """

    kind: DowngradeKind = attrs.field(converter=_downgrade_kind)
    grace: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_grace)

    def __attrs_post_init__(self) -> None:
        if self.kind is DowngradeKind.GRACE and self.grace <= dt.timedelta(0):
            raise PolicyError("a grace period must be above zero", field="grace", value=self.grace)

    @classmethod
    def immediate(cls) -> Downgrade:
        """The tier follows the qualifying value at every instant."""
        return cls(DowngradeKind.IMMEDIATE)

    @classmethod
    def end_of_period(cls) -> Downgrade:
        """A tier reached in one calendar year is kept to the end of the next (anchored windows)."""
        return cls(DowngradeKind.END_OF_PERIOD)

    @classmethod
    def after_grace(cls, days: int) -> Downgrade:
        """A tier is kept until the qualifying value has been below it for *days* 24-hour days."""
        return cls(DowngradeKind.GRACE, dt.timedelta(days=days))

    def describe(self) -> str:
        """The policy in plain language."""
        if self.kind is DowngradeKind.IMMEDIATE:
            return "A member moves down as soon as they fall below a tier."
        if self.kind is DowngradeKind.END_OF_PERIOD:
            return "A tier reached in a calendar year is kept until the end of the next year."
        return (
            f"A member moves down once they have been below their tier for {self.grace.days} days."
        )


@attrs.frozen
class Qualification:
    """What one award contributes to tier qualification (net of the returns known so far)."""

    recorded_at: pendulum.DateTime
    placed_at: pendulum.DateTime
    value: Decimal


def _earned(tiers: Sequence[Tier], value: Decimal) -> int:
    index = 0
    for position, tier in enumerate(tiers):
        if tier.threshold <= value:
            index = position
    return index


def window_value(
    window: QualifyingWindow,
    items: Iterable[Qualification],
    at: pendulum.DateTime,
    timezone: str,
) -> Decimal:
    """The qualifying value counted in the window at *at* (awards recorded by then)."""
    total = Decimal(0)
    for item in items:
        if item.recorded_at <= at < window.end_for(item.placed_at, timezone):
            total += item.value
    return total


def _year_total(
    items: Iterable[Qualification], year: int, at: pendulum.DateTime, timezone: str
) -> Decimal:
    return sum(
        (
            item.value
            for item in items
            if item.recorded_at <= at and item.placed_at.in_timezone(timezone).year == year
        ),
        Decimal(0),
    )


def _highest_over(
    window: QualifyingWindow,
    items: Sequence[Qualification],
    start: pendulum.DateTime,
    end: pendulum.DateTime,
    timezone: str,
) -> Decimal:
    # The window value is a step function: each award adds its value from its recording to the
    # end of its window. Sweep the steps once instead of re-summing at every breakpoint.
    steps: list[tuple[pendulum.DateTime, Decimal]] = []
    for item in items:
        until = window.end_for(item.placed_at, timezone)
        if item.value and item.recorded_at < until:
            steps.append((item.recorded_at, item.value))
            steps.append((until, -item.value))
    steps.sort(key=lambda step: step[0])
    running = Decimal(0)
    index = 0
    while index < len(steps) and steps[index][0] <= start:
        running += steps[index][1]
        index += 1
    highest = running
    while index < len(steps) and steps[index][0] <= end:
        instant = steps[index][0]
        while index < len(steps) and steps[index][0] == instant:
            running += steps[index][1]
            index += 1
        highest = max(highest, running)
    return highest


def held_tier(
    tiers: Sequence[Tier],
    window: QualifyingWindow,
    downgrade: Downgrade,
    items: Sequence[Qualification],
    *,
    at: pendulum.DateTime,
    timezone: str,
) -> int:
    """The index in *tiers* (ascending) of the tier held at *at* under *downgrade*."""
    if downgrade.kind is DowngradeKind.END_OF_PERIOD:
        year = at.in_timezone(timezone).year
        current = _year_total(items, year, at, timezone)
        previous = _year_total(items, year - 1, at, timezone)
        return max(_earned(tiers, current), _earned(tiers, previous))
    if downgrade.kind is DowngradeKind.GRACE:
        return _earned(tiers, _highest_over(window, items, at - downgrade.grace, at, timezone))
    return _earned(tiers, window_value(window, items, at, timezone))
