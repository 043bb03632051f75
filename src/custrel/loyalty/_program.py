"""The points program, defined in code: earning, pending, expiry, tiers, returns.

A `LoyaltyProgram` is validated when it is built, so a bad program fails at start-up with a
`PolicyError` naming the field, never later while awarding points.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from types import MappingProxyType
from typing import TypeVar

import attrs

from custrel import _time
from custrel._enums import member
from custrel.errors import PolicyError, ValidationError
from custrel.loyalty._expiry import Expiry
from custrel.loyalty._orders import Order
from custrel.loyalty._points_checks import exact_decimal, whole_days
from custrel.loyalty._tiers import Downgrade, DowngradeKind, QualifyingWindow, Tier, TierBasis
from custrel.money import CURRENCIES

__all__ = ["EarnedLine", "LoyaltyProgram", "Shortfall"]

T = TypeVar("T")
N = TypeVar("N", bound=enum.Enum)


class Shortfall(enum.Enum):
    """What a return does when the points it takes back were already redeemed."""

    RECOVER = "recover"
    """Take them from the member's other points (soonest-expiring first); what is still missing
    becomes a debt, paid from the next points the member earns."""
    FORGIVE = "forgive"
    """Take back only what is left of the returned order's own points; write off the rest."""


def _tier_basis(value: object) -> TierBasis:
    return _enum(value, TierBasis, "tier_basis")


def _tier_window(value: object) -> QualifyingWindow:
    return _instance(value, QualifyingWindow, "tier_window")


def _downgrade(value: object) -> Downgrade:
    return _instance(value, Downgrade, "downgrade")


def _shortfall(value: object) -> Shortfall:
    return _enum(value, Shortfall, "shortfall")


@attrs.frozen
class EarnedLine:
    """What one order line earns: points (after the tier multiplier) and qualifying points."""

    line_id: str
    points: int
    qualifying: int
    qualifies: bool


def _currency(value: object) -> str:
    if not isinstance(value, str) or value.upper() not in CURRENCIES:
        raise PolicyError("not an ISO 4217 currency code", field="currency", value=value)
    return value.upper()


def _rate(value: object) -> Decimal:
    return exact_decimal(value, "points_per_unit", error=PolicyError)


def _category_rates(value: object) -> Mapping[str, Decimal]:
    if not isinstance(value, Mapping):
        raise PolicyError(
            "expected a mapping of category to rate", field="category_rates", value=value
        )
    rates = {}
    for category, rate in value.items():
        if not isinstance(category, str) or not category or category != category.strip():
            raise PolicyError(
                "categories are non-empty strings", field="category_rates", value=category
            )
        rates[category] = exact_decimal(rate, f"category_rates[{category!r}]", error=PolicyError)
    return MappingProxyType(rates)


def _window(value: object) -> dt.timedelta:
    return whole_days(value, "return_window", error=PolicyError)


def _warning(value: object) -> dt.timedelta:
    return whole_days(value, "expiry_warning", error=PolicyError)


def _expiry(value: object) -> Expiry:
    if not isinstance(value, Expiry):
        raise PolicyError("expected an Expiry", field="expiry", value=value)
    return value


def _tiers(value: object) -> tuple[Tier, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise PolicyError("expected a list of Tier", field="tiers", value=value)
    tiers = tuple(value)
    if not tiers:
        raise PolicyError("a program needs at least one tier", field="tiers", value=value)
    for tier in tiers:
        if not isinstance(tier, Tier):
            raise PolicyError("expected Tier items", field="tiers", value=tier)
    if tiers[0].threshold != 0:
        raise PolicyError(
            "the lowest tier starts at 0, so every member has a tier",
            field="tiers",
            value=tiers[0].name,
        )
    names: set[str] = set()
    for lower, upper in itertools.pairwise(tiers):
        if upper.threshold <= lower.threshold:
            raise PolicyError(
                f"tiers must be listed with strictly rising thresholds ({lower.name} "
                f"{lower.threshold}, {upper.name} {upper.threshold})",
                field="tiers",
                value=upper.name,
            )
    for tier in tiers:
        if tier.name in names:
            raise PolicyError("tier names must be unique", field="tiers", value=tier.name)
        names.add(tier.name)
    return tiers


def _enum(value: object, kind: type[N], field: str) -> N:
    return member(kind, value, field, error=PolicyError)


def _instance(value: object, kind: type[T], field: str) -> T:
    if not isinstance(value, kind):
        raise PolicyError(f"expected a {kind.__name__}", field=field, value=value)
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError("expected a non-empty name", field="name", value=value)
    return value


def _zone(value: object) -> str:
    try:
        return _time.timezone_name(value)
    except ValidationError as error:
        raise PolicyError(str(error).split(": ", 1)[-1], field="timezone", value=value) from None


@attrs.frozen(kw_only=True)
class LoyaltyProgram:
    """A points and membership program, defined in code and validated when built.

    **Earning.** An order line earns ``amount x rate x tier multiplier`` points, where the rate is
    the line category's entry in *category_rates* or else *points_per_unit*, and the multiplier is
    that of the tier the member holds when the award is recorded. Each line is **rounded down
    after the multiplier**: points are whole, no point is paid for money not spent, and a line
    returned later takes back exactly its own points (an order-level rounding would leave a
    remainder that belongs to no line). Applying the multiplier before rounding keeps a tier's
    bonus from being lost to a second rounding. The price is that many tiny lines can earn a
    little less than their sum would.

    **Qualifying.** Qualifying points are the points before the tier multiplier (rounded down per
    line the same way), so a tier's own bonus does not help keep the tier; qualifying spend is
    the amount of the lines whose rate is above zero. A category rated 0 (gift cards, deposits)
    neither earns nor qualifies.

    **Pending and expiry.** Points stay pending (not redeemable) until *return_window* after
    the order was placed, then become available; *expiry* runs from that moment.

    Args:
        currency: The one currency orders must be in (ISO 4217).
        points_per_unit: Points per currency unit (``Decimal("0.1")``: one point per 10 units).
        category_rates: Points per currency unit for given categories, overriding the base rate.
        return_window: How long points stay pending after the order (timedelta or days).
        expiry: When available points expire (`Expiry`); never by default.
        tiers: The tiers, lowest first, with strictly rising thresholds; the first starts at 0.
        tier_basis: Whether tiers are earned on qualifying points or spend (`TierBasis`).
        tier_window: Which purchases count towards a tier (`QualifyingWindow`).
        downgrade: How long a tier is kept once the member falls below it (`Downgrade`).
        shortfall: What a return does with points already redeemed (`Shortfall`).
        expiry_warning: How far ahead "expiring soon" looks (timedelta or days).
        timezone: The IANA zone of month, year and calendar-window boundaries.
        name: The program's name, for `describe`.

    Raises:
        PolicyError: A field is invalid or the fields disagree (the message names the field).
    """

    currency: str = attrs.field(converter=_currency)
    points_per_unit: Decimal = attrs.field(default=Decimal(1), converter=_rate)
    category_rates: Mapping[str, Decimal] = attrs.field(
        factory=dict, converter=_category_rates, hash=False
    )
    return_window: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_window)
    expiry: Expiry = attrs.field(factory=Expiry.never, converter=_expiry)
    tiers: tuple[Tier, ...] = attrs.field(default=(Tier("member"),), converter=_tiers)
    tier_basis: TierBasis = attrs.field(default=TierBasis.POINTS, converter=_tier_basis)
    tier_window: QualifyingWindow = attrs.field(
        factory=QualifyingWindow.rolling,
        converter=_tier_window,
    )
    downgrade: Downgrade = attrs.field(
        factory=Downgrade.immediate,
        converter=_downgrade,
    )
    shortfall: Shortfall = attrs.field(default=Shortfall.RECOVER, converter=_shortfall)
    expiry_warning: dt.timedelta = attrs.field(default=dt.timedelta(days=30), converter=_warning)
    timezone: str = attrs.field(default="UTC", converter=_zone)
    name: str = attrs.field(default="Loyalty program", converter=_name)

    def __attrs_post_init__(self) -> None:
        if self.downgrade.kind is DowngradeKind.END_OF_PERIOD and not self.tier_window.anchored:
            raise PolicyError(
                "a downgrade at the end of the period needs an anchored window "
                "(QualifyingWindow.calendar_year())",
                field="downgrade",
                value=self.downgrade.kind.value,
            )

    # -- tiers ---------------------------------------------------------------------------

    def tier(self, name: str) -> Tier:
        """The tier called *name*.

        Raises:
            ValidationError: The program has no such tier (the message lists the known ones).
        """
        for tier in self.tiers:
            if tier.name == name:
                return tier
        raise ValidationError(
            f"unknown tier; the program's tiers are {[tier.name for tier in self.tiers]}",
            field="tier",
            value=name,
        )

    def rank(self, name: str) -> int:
        """The position of tier *name*, lowest first (`ValidationError` if unknown)."""
        return self.tiers.index(self.tier(name))

    # -- earning -------------------------------------------------------------------------

    def rate_for(self, category: str) -> Decimal:
        """Points per currency unit for a line in *category*."""
        return self.category_rates.get(category, self.points_per_unit)

    def check_currency(self, currency: str, field: str) -> None:
        """Refuse an amount in another currency than the program's."""
        if currency != self.currency:
            raise ValidationError(
                f"the program runs in {self.currency}; convert first", field=field, value=currency
            )

    def earn(self, order: Order, tier: Tier) -> tuple[EarnedLine, ...]:
        """What each line of *order* earns for a member holding *tier* (see the class docs).

        Raises:
            ValidationError: The order is not in the program's currency.
        """
        self.check_currency(order.currency, "currency")
        earned = []
        for line in order.lines:
            base = line.amount.amount * self.rate_for(line.category)
            earned.append(
                EarnedLine(
                    line_id=line.line_id,
                    points=_floor(base * tier.multiplier),
                    qualifying=_floor(base),
                    qualifies=self.rate_for(line.category) > 0,
                )
            )
        return tuple(earned)

    # -- describe ------------------------------------------------------------------------

    def describe(self) -> str:
        """The program in plain language, for staff and members."""
        rates = ", ".join(
            f"{category}: {'no points' if rate == 0 else f'{rate} per {self.currency}'}"
            for category, rate in sorted(self.category_rates.items())
        )
        lines = [
            f"{self.name} ({self.currency}).",
            f"Earn {self.points_per_unit} point{'' if self.points_per_unit == 1 else 's'} "
            f"per {self.currency}"
            + (f" ({rates})" if rates else "")
            + ", times the tier multiplier, rounded down per order line.",
        ]
        if self.return_window:
            lines.append(
                f"Points are pending for {_days(self.return_window)} after the order "
                "(the return window), then available."
            )
        lines.append(self.expiry.describe())
        lines.append("Redemptions use the points that expire first.")
        basis = "qualifying points" if self.tier_basis is TierBasis.POINTS else "qualifying spend"
        lines.append(
            f"Tiers on {basis} in {self.tier_window.describe()}: "
            + "; ".join(tier.describe() for tier in self.tiers)
            + "."
        )
        lines.append(self.downgrade.describe())
        if self.shortfall is Shortfall.RECOVER:
            lines.append(
                "A return takes back its points; points already redeemed are taken from other "
                "points, or owed and paid from the next points earned."
            )
        else:
            lines.append(
                "A return takes back what is left of its points; points already redeemed are "
                "written off."
            )
        return "\n".join(lines)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _days(value: dt.timedelta) -> str:
    if value % dt.timedelta(days=1):
        return str(value)
    return f"{value.days} day{'' if value.days == 1 else 's'}"
