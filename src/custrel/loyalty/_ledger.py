"""The entries of a member's points ledger: append-only facts with their effects spelled out.

Every entry that takes points away records exactly which awards it took them from
(`Allocation`), so balances at any instant are sums over the ledger, and a program changed
later cannot change what was earned, redeemed or reversed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias, TypeVar

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.ids import check_id
from custrel.loyalty._points_checks import non_negative_points, positive_points, text
from custrel.money import Money

__all__ = [
    "ENTRY_KINDS",
    "Allocation",
    "AwardLine",
    "DebtSettled",
    "LedgerClosed",
    "LedgerEntry",
    "PointsAwarded",
    "PointsRedeemed",
    "PointsReversed",
    "ReturnedLine",
    "TierChanged",
    "TierGranted",
    "ledger_entry_from_dict",
]

T = TypeVar("T")


def _key(value: object) -> str:
    return check_id(value, "key")


def _instant(value: object, field: str) -> pendulum.DateTime:
    return _time.instant(value, field)


def _optional_instant(value: object, field: str) -> pendulum.DateTime | None:
    return _time.optional_instant(value, field)


def _whole_points(value: object, field: str) -> int:
    return non_negative_points(value, field)


def _positive(value: object, field: str) -> int:
    return positive_points(value, field)


def _points(value: object) -> int:
    return _positive(value, "points")


def _note(value: object) -> str:
    return text(value, "note")


def _money(value: object, field: str) -> Money:
    if not isinstance(value, Money) or value.amount < 0:
        raise ValidationError("expected Money, zero or more", field=field, value=value)
    return value


def _tuple_of(value: object, kind: type[T], field: str) -> tuple[T, ...]:
    if not isinstance(value, (tuple, list)) or not all(isinstance(item, kind) for item in value):
        raise ValidationError(f"expected a tuple of {kind.__name__}", field=field, value=value)
    return tuple(value)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError("expected a Decimal", field="multiplier", value=value)
    return Decimal(value)


def _tier_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError("expected a tier name", field=field, value=value)
    return value


def _optional_tier_name(value: object) -> str | None:
    return None if value is None else _tier_name(value, "previous")


def _award(value: object) -> str:
    return check_id(value, "award")


def _line_id(value: object) -> str:
    return check_id(value, "line_id")


def _category(value: object) -> str:
    return check_id(value, "category")


def _amount(value: object) -> Money:
    return _money(value, "amount")


def _awardline_points(value: object) -> int:
    return _whole_points(value, "points")


def _qualifying(value: object) -> int:
    return _whole_points(value, "qualifying")


def _at(value: object) -> pendulum.DateTime:
    return _instant(value, "at")


def _placed_at(value: object) -> pendulum.DateTime:
    return _instant(value, "placed_at")


def _available_at(value: object) -> pendulum.DateTime:
    return _instant(value, "available_at")


def _expires_at(value: object) -> pendulum.DateTime | None:
    return _optional_instant(value, "expires_at")


def _lines(value: object) -> tuple[AwardLine, ...]:
    return _tuple_of(value, AwardLine, "lines")


def _bonus(value: object) -> int:
    return _whole_points(value, "bonus")


def _tier(value: object) -> str:
    return _tier_name(value, "tier")


def _refunded(value: object) -> Money:
    return _money(value, "refunded")


def _returnedline_points(value: object) -> int:
    return _whole_points(value, "points")


def _order_id(value: object) -> str:
    return check_id(value, "order_id")


def _pointsreversed_lines(value: object) -> tuple[ReturnedLine, ...]:
    return _tuple_of(value, ReturnedLine, "lines")


def _expired(value: object) -> int:
    return _whole_points(value, "expired")


def _debt(value: object) -> int:
    return _whole_points(value, "debt")


def _forgiven(value: object) -> int:
    return _whole_points(value, "forgiven")


def _until(value: object) -> pendulum.DateTime:
    return _instant(value, "until")


def _merged_into(value: object) -> str:
    return check_id(value, "merged_into")


@attrs.frozen
class Allocation:
    """Points taken from one award (by a redemption, a return or a debt settlement)."""

    award: str = attrs.field(converter=_award)
    points: int = attrs.field(converter=_points)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"award": self.award, "points": self.points}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:
        """Rebuild an allocation written by `to_dict`."""
        return cls(data["award"], data["points"])


def _allocations(value: object) -> tuple[Allocation, ...]:
    return _tuple_of(value, Allocation, "allocations")


@attrs.frozen(kw_only=True)
class AwardLine:
    """One order line of an award: what it cost and what it earned.

    Attributes:
        line_id: The order line.
        category: Its product category.
        amount: What the customer paid for it.
        points: Points earned, after the tier multiplier, rounded down.
        qualifying: Qualifying points (before the multiplier), rounded down.
        qualifies: Whether its amount counts as qualifying spend (its rate is above zero).
    """

    line_id: str = attrs.field(converter=_line_id)
    category: str = attrs.field(converter=_category)
    amount: Money = attrs.field(converter=_amount)
    points: int = attrs.field(converter=_awardline_points)
    qualifying: int = attrs.field(converter=_qualifying)
    qualifies: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "line_id": self.line_id,
            "category": self.category,
            "amount": self.amount.to_dict(),
            "points": self.points,
            "qualifying": self.qualifying,
            "qualifies": self.qualifies,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AwardLine:
        """Rebuild a line written by `to_dict`."""
        return cls(
            line_id=data["line_id"],
            category=data["category"],
            amount=Money.from_dict(data["amount"]),
            points=data["points"],
            qualifying=data["qualifying"],
            qualifies=bool(data["qualifies"]),
        )


@attrs.frozen(kw_only=True)
class PointsAwarded:
    """Points earned by an order (or granted as a bonus), keyed by their source.

    Attributes:
        key: The source: the order id, or the host's id for a bonus. A source pays once.
        at: When the award was recorded.
        placed_at: When the order was placed (for a bonus: when it was granted).
        available_at: When the points stop being pending and can be redeemed.
        expires_at: When what is left of them expires (None: never).
        lines: The order lines and what each earned (empty for a bonus).
        bonus: Points granted on top of the lines (goodwill, campaigns); never qualifying.
        tier: The tier whose multiplier applied.
        multiplier: That multiplier.
        note: Free text for staff (blanked when the customer is erased).
    """

    kind: ClassVar[str] = "award"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    placed_at: pendulum.DateTime = attrs.field(converter=_placed_at)
    available_at: pendulum.DateTime = attrs.field(converter=_available_at)
    expires_at: pendulum.DateTime | None = attrs.field(default=None, converter=_expires_at)
    lines: tuple[AwardLine, ...] = attrs.field(default=(), converter=_lines)
    bonus: int = attrs.field(default=0, converter=_bonus)
    tier: str = attrs.field(converter=_tier)
    multiplier: Decimal = attrs.field(default=Decimal(1), converter=_decimal)
    note: str = attrs.field(default="", converter=_note)

    @property
    def points(self) -> int:
        """Every point this award paid."""
        return sum(line.points for line in self.lines) + self.bonus

    @property
    def qualifying(self) -> int:
        """Qualifying points (before any return)."""
        return sum(line.qualifying for line in self.lines)

    def line(self, line_id: str) -> AwardLine | None:
        """The award line for *line_id*, or None."""
        return next((line for line in self.lines if line.line_id == line_id), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "placed_at": _time.format_instant(self.placed_at),
            "available_at": _time.format_instant(self.available_at),
            "expires_at": None
            if self.expires_at is None
            else _time.format_instant(self.expires_at),
            "lines": [line.to_dict() for line in self.lines],
            "bonus": self.bonus,
            "tier": self.tier,
            "multiplier": str(self.multiplier),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsAwarded:
        """Rebuild an award written by `to_dict`."""
        expires_at = data.get("expires_at")
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            placed_at=_time.parse_instant(data["placed_at"], "placed_at"),
            available_at=_time.parse_instant(data["available_at"], "available_at"),
            expires_at=None
            if expires_at is None
            else _time.parse_instant(expires_at, "expires_at"),
            lines=[AwardLine.from_dict(line) for line in data.get("lines", ())],
            bonus=data.get("bonus", 0),
            tier=data["tier"],
            multiplier=data.get("multiplier", "1"),
            note=data.get("note", ""),
        )


@attrs.frozen(kw_only=True)
class PointsRedeemed:
    """Points spent by the member, and the awards they were taken from (soonest-expiring first).

    Attributes:
        key: The redemption id (a replay with the same id is not paid twice).
        at: When.
        points: How many.
        allocations: Which awards they came from.
        note: Free text for staff (blanked when the customer is erased).
    """

    kind: ClassVar[str] = "redemption"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    points: int = attrs.field(converter=_points)
    allocations: tuple[Allocation, ...] = attrs.field(converter=_allocations)
    note: str = attrs.field(default="", converter=_note)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "points": self.points,
            "allocations": [allocation.to_dict() for allocation in self.allocations],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsRedeemed:
        """Rebuild a redemption written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            points=data["points"],
            allocations=[Allocation.from_dict(item) for item in data["allocations"]],
            note=data.get("note", ""),
        )


@attrs.frozen(kw_only=True)
class ReturnedLine:
    """The part of an order line a return refunded, and the points that part takes back."""

    line_id: str = attrs.field(converter=_line_id)
    refunded: Money = attrs.field(converter=_refunded)
    points: int = attrs.field(converter=_returnedline_points)
    qualifying: int = attrs.field(converter=_qualifying)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "line_id": self.line_id,
            "refunded": self.refunded.to_dict(),
            "points": self.points,
            "qualifying": self.qualifying,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReturnedLine:
        """Rebuild a line written by `to_dict`."""
        return cls(
            line_id=data["line_id"],
            refunded=Money.from_dict(data["refunded"]),
            points=data["points"],
            qualifying=data["qualifying"],
        )


@attrs.frozen(kw_only=True)
class PointsReversed:
    """Points taken back because (part of) an order was returned.

    The points to take back (``points``) are covered, in this order, by: what is left of the
    order's own award (an allocation on it); its part that had already expired (nothing to take);
    then, for points already redeemed, other awards' points (allocations, soonest-expiring first)
    and a ``debt`` under `Shortfall.RECOVER`, or a write-off (``forgiven``) under
    `Shortfall.FORGIVE`. So ``points == sum(allocations) + expired + debt + forgiven``.

    Attributes:
        key: The return id (a replay with the same id is not reversed twice).
        at: When.
        order_id: The order (award) returned.
        lines: Which lines, how much was refunded, and the points that takes back.
        allocations: Awards points were taken from, the order's own first.
        expired: Points of the order that had expired already.
        debt: Points still owed, paid from the next points earned.
        forgiven: Points written off.
    """

    kind: ClassVar[str] = "reversal"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    order_id: str = attrs.field(converter=_order_id)
    lines: tuple[ReturnedLine, ...] = attrs.field(converter=_pointsreversed_lines)
    allocations: tuple[Allocation, ...] = attrs.field(default=(), converter=_allocations)
    expired: int = attrs.field(default=0, converter=_expired)
    debt: int = attrs.field(default=0, converter=_debt)
    forgiven: int = attrs.field(default=0, converter=_forgiven)

    def __attrs_post_init__(self) -> None:
        covered = sum(item.points for item in self.allocations)
        if covered + self.expired + self.debt + self.forgiven != self.points:
            raise ValidationError(
                "allocations, expired, debt and forgiven must add up to the points reversed",
                field="allocations",
                value=self.key,
            )

    @property
    def points(self) -> int:
        """The points this return takes back."""
        return sum(line.points for line in self.lines)

    @property
    def qualifying(self) -> int:
        """The qualifying points this return takes back."""
        return sum(line.qualifying for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "order_id": self.order_id,
            "lines": [line.to_dict() for line in self.lines],
            "allocations": [allocation.to_dict() for allocation in self.allocations],
            "expired": self.expired,
            "debt": self.debt,
            "forgiven": self.forgiven,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsReversed:
        """Rebuild a reversal written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            order_id=data["order_id"],
            lines=[ReturnedLine.from_dict(line) for line in data["lines"]],
            allocations=[Allocation.from_dict(item) for item in data.get("allocations", ())],
            expired=data.get("expired", 0),
            debt=data.get("debt", 0),
            forgiven=data.get("forgiven", 0),
        )


@attrs.frozen(kw_only=True)
class DebtSettled:
    """Points taken from new points to pay a debt left by a return."""

    kind: ClassVar[str] = "settlement"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    allocations: tuple[Allocation, ...] = attrs.field(converter=_allocations)

    @property
    def points(self) -> int:
        """The points paid towards the debt."""
        return sum(allocation.points for allocation in self.allocations)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "allocations": [allocation.to_dict() for allocation in self.allocations],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DebtSettled:
        """Rebuild a settlement written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            allocations=[Allocation.from_dict(item) for item in data["allocations"]],
        )


@attrs.frozen(kw_only=True)
class TierChanged:
    """The tier the member was told about changed (the record behind ``loyalty.tier_changed``).

    Tiers are derived from the ledger; these entries only remember which change was announced,
    so each change is announced once.
    """

    kind: ClassVar[str] = "tier_change"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    tier: str = attrs.field(converter=_tier)
    previous: str | None = attrs.field(default=None, converter=_optional_tier_name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "tier": self.tier,
            "previous": self.previous,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierChanged:
        """Rebuild a tier change written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            tier=data["tier"],
            previous=data.get("previous"),
        )


@attrs.frozen(kw_only=True)
class TierGranted:
    """A tier given by hand (a status match, staff status) from ``at`` until ``until``.

    The member holds the higher of this tier and the one they qualify for.
    """

    kind: ClassVar[str] = "tier_grant"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    tier: str = attrs.field(converter=_tier)
    until: pendulum.DateTime = attrs.field(converter=_until)
    note: str = attrs.field(default="", converter=_note)

    def __attrs_post_init__(self) -> None:
        if self.until <= self.at:
            raise ValidationError(
                "a granted tier must last beyond the moment it is granted",
                field="until",
                value=self.until,
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "tier": self.tier,
            "until": _time.format_instant(self.until),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierGranted:
        """Rebuild a grant written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            tier=data["tier"],
            until=_time.parse_instant(data["until"], "until"),
            note=data.get("note", ""),
        )


@attrs.frozen(kw_only=True)
class LedgerClosed:
    """The ledger was merged into another customer's: it holds nothing from ``at`` on."""

    kind: ClassVar[str] = "closed"

    key: str = attrs.field(converter=_key)
    at: pendulum.DateTime = attrs.field(converter=_at)
    merged_into: str = attrs.field(converter=_merged_into)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (`ledger_entry_from_dict` reads it back)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "at": _time.format_instant(self.at),
            "merged_into": self.merged_into,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerClosed:
        """Rebuild a closing entry written by `to_dict`."""
        return cls(
            key=data["key"],
            at=_time.parse_instant(data["at"], "at"),
            merged_into=data["merged_into"],
        )


LedgerEntry: TypeAlias = (
    PointsAwarded
    | PointsRedeemed
    | PointsReversed
    | DebtSettled
    | TierChanged
    | TierGranted
    | LedgerClosed
)
"""One entry of a points ledger."""

_KINDS: dict[str, Any] = {
    kind.kind: kind
    for kind in (
        PointsAwarded,
        PointsRedeemed,
        PointsReversed,
        DebtSettled,
        TierChanged,
        TierGranted,
        LedgerClosed,
    )
}

ENTRY_KINDS: frozenset[str] = frozenset(_KINDS)
"""The ``kind`` names of ledger entries, as written by ``to_dict``."""


def ledger_entry_from_dict(data: Mapping[str, Any]) -> LedgerEntry:
    """Rebuild any ledger entry written by its ``to_dict``.

    Raises:
        ValidationError: The data is not a ledger entry.
    """
    if not isinstance(data, Mapping) or data.get("kind") not in _KINDS:
        raise ValidationError(
            f"expected a ledger entry with a kind in {sorted(_KINDS)}", field="entry", value=data
        )
    try:
        entry: LedgerEntry = _KINDS[data["kind"]].from_dict(data)
    except (KeyError, TypeError, AttributeError):
        raise ValidationError("malformed ledger entry", field="entry", value=data) from None
    return entry
