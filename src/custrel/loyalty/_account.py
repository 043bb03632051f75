"""A member's points account: an append-only ledger and everything derived from it.

Balances are never stored. At any instant, an award's points left are its points minus the
allocations recorded against it by redemptions, returns and debt settlements up to then; they
are pending before the award's ``available_at``, available until its ``expires_at``, expired
after. The tier is derived from qualifying points (or spend) net of returns, with the
program's window and downgrade policy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypeVar

import attrs
import pendulum

from custrel import _time
from custrel.errors import DuplicateError, InvalidTransitionError, NotFoundError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import MAX_ID_LENGTH, check_id
from custrel.loyalty._ledger import (
    Allocation,
    AwardLine,
    DebtSettled,
    LedgerClosed,
    LedgerEntry,
    PointsAwarded,
    PointsRedeemed,
    PointsReversed,
    ReturnedLine,
    TierChanged,
    TierGranted,
    ledger_entry_from_dict,
)
from custrel.loyalty._orders import Order
from custrel.loyalty._points_checks import positive_points, text
from custrel.loyalty._program import LoyaltyProgram, Shortfall
from custrel.loyalty._tiers import Qualification, Tier, TierBasis, held_tier, window_value
from custrel.money import Money

__all__ = ["MemberStatus", "MergedLedgers", "PointsAccount", "PointsTotals", "Purchase"]

E = TypeVar("E", bound=LedgerEntry)

_ENTRY_TYPES = (
    PointsAwarded,
    PointsRedeemed,
    PointsReversed,
    DebtSettled,
    TierChanged,
    TierGranted,
    LedgerClosed,
)


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _entries(value: object) -> tuple[LedgerEntry, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise ValidationError("expected a tuple of ledger entries", field="entries", value=value)
    entries = tuple(value)
    seen: set[tuple[str, str]] = set()
    awards: set[str] = set()
    for entry in entries:
        if not isinstance(entry, _ENTRY_TYPES):
            raise ValidationError("expected ledger entries", field="entries", value=entry)
        if (entry.kind, entry.key) in seen:
            raise ValidationError(
                f"two {entry.kind} entries share the key {entry.key!r}", field="entries"
            )
        seen.add((entry.kind, entry.key))
        if isinstance(entry, PointsAwarded):
            awards.add(entry.key)
    for entry in entries:
        for allocation in getattr(entry, "allocations", ()):
            if allocation.award not in awards:
                raise ValidationError(
                    f"{entry.kind} {entry.key!r} draws on an award the ledger does not hold",
                    field="entries",
                    value=allocation.award,
                )
    return entries


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _expiry_order(
    award: PointsAwarded,
) -> tuple[bool, pendulum.DateTime, pendulum.DateTime, pendulum.DateTime, str]:
    # Soonest-expiring first; never-expiring last; then the earliest available, oldest, by key.
    expires = award.expires_at if award.expires_at is not None else award.available_at
    return (award.expires_at is None, expires, award.available_at, award.at, award.key)


@attrs.frozen
class Purchase:
    """An order as a purchase: when it was placed and what was kept (the amount net of refunds)."""

    order_id: str
    placed_at: pendulum.DateTime
    kept: Money


@attrs.frozen
class PointsTotals:
    """The ledger's sums at an instant.

    ``available + pending == awarded - redeemed - reversed - settled - expired`` always holds;
    ``debt`` is owed on top, never taken below zero.

    Attributes:
        awarded: Every point awarded.
        redeemed: Points the member spent.
        reversed: Points returns took back (from the order's own award or other awards).
        settled: Points taken from new awards to pay a debt.
        expired: Points that expired before being used.
        forgiven: Points returns could not take back and wrote off.
        debt: Points still owed.
        pending: Points not yet redeemable (in the return window).
        available: Points that can be redeemed now.
    """

    awarded: int
    redeemed: int
    reversed: int
    settled: int
    expired: int
    forgiven: int
    debt: int
    pending: int
    available: int

    @property
    def balance(self) -> int:
        """Points held: available plus pending."""
        return self.available + self.pending


@attrs.frozen
class MemberStatus:
    """Where a member stands at an instant: points, expiries, qualification and tier.

    Attributes:
        customer_id: The member.
        at: The instant described.
        available: Points that can be redeemed.
        pending: Points still in the return window.
        debt: Points owed after returns of orders whose points were already redeemed.
        expiring: Future expiries of the points held, as (instant, points), soonest first.
        expiring_soon: Points that expire within the program's ``expiry_warning``.
        qualifying_points: Qualifying points counted in the current window.
        qualifying_spend: Qualifying spend counted in the current window.
        tier: The tier held (with its benefits).
        next_tier: The next tier up, or None at the top.
        to_next_tier: What is still missing to reach it in the current window (points, or
            currency units for a spend basis), or None at the top.
    """

    customer_id: str
    at: pendulum.DateTime
    available: int
    pending: int
    debt: int
    expiring: tuple[tuple[pendulum.DateTime, int], ...]
    expiring_soon: int
    qualifying_points: int
    qualifying_spend: Money
    tier: Tier
    next_tier: Tier | None
    to_next_tier: Decimal | None

    @property
    def balance(self) -> int:
        """Points held: available plus pending."""
        return self.available + self.pending

    @property
    def discount(self) -> Decimal:
        """The member discount of the tier held, in percent."""
        return self.tier.discount


@attrs.frozen
class MergedLedgers:
    """The two ledgers a merge leaves: the survivor's, holding both, and the closed duplicate's."""

    survivor: PointsAccount
    closed: PointsAccount


@attrs.frozen
class _Book:
    """The ledger's state at one instant (internal)."""

    awards: dict[str, PointsAwarded]
    remaining: dict[str, int]
    debt: int
    at: pendulum.DateTime

    def live(self) -> list[PointsAwarded]:
        """Awards with points left that have not expired, soonest-expiring first."""
        found = [
            award
            for key, award in self.awards.items()
            if self.remaining[key] > 0 and (award.expires_at is None or self.at < award.expires_at)
        ]
        return sorted(found, key=_expiry_order)

    def available(self) -> list[PointsAwarded]:
        """Live awards past their return window, soonest-expiring first."""
        return [award for award in self.live() if award.available_at <= self.at]

    def expired(self, award: PointsAwarded) -> bool:
        """Whether *award* has expired."""
        return award.expires_at is not None and award.expires_at <= self.at

    def draw(self, awards: Iterable[PointsAwarded], points: int) -> tuple[Allocation, ...]:
        """Allocate up to *points* from *awards* in order."""
        allocations = []
        for award in awards:
            if points == 0:
                break
            taken = min(points, self.remaining[award.key])
            if taken:
                allocations.append(Allocation(award.key, taken))
                points -= taken
        return tuple(allocations)


@attrs.frozen(kw_only=True)
class PointsAccount:
    """One member's points ledger: an append-only tuple of entries, and a storage version.

    Operations (`award`, `redeem`, `reverse`, `grant_tier`, `sync_tier`, `absorb`) return a
    `Change` with a new account and the domain events to publish; queries (`status`,
    `totals`, `tier`, ...) derive everything from the entries at the instant asked. An entry
    is never dated before the ledger's latest entry: an earlier instant (a skewed clock) is
    moved up to it, so the ledger always reads in time order.
    """

    customer_id: str = attrs.field(converter=_customer_id)
    entries: tuple[LedgerEntry, ...] = attrs.field(default=(), converter=_entries)
    version: int = attrs.field(default=0, converter=_version, eq=False)

    @classmethod
    def open(cls, customer_id: str) -> PointsAccount:
        """A new, empty account for *customer_id* (not stored yet: version 0)."""
        return cls(customer_id=customer_id)

    # -- reading the ledger --------------------------------------------------------------

    def _of(self, kind: type[E]) -> list[E]:
        return [entry for entry in self.entries if isinstance(entry, kind)]

    @property
    def latest_at(self) -> pendulum.DateTime | None:
        """The instant of the latest entry, or None for an empty ledger."""
        return max((entry.at for entry in self.entries), default=None)

    @property
    def closed(self) -> LedgerClosed | None:
        """The closing entry, when the ledger was merged into another."""
        found = self._of(LedgerClosed)
        return found[0] if found else None

    @property
    def awards(self) -> tuple[PointsAwarded, ...]:
        """Every award, in ledger order."""
        return tuple(self._of(PointsAwarded))

    def award_for(self, order_id: str) -> PointsAwarded | None:
        """The award for *order_id* (or a bonus with that source), or None."""
        return next((award for award in self._of(PointsAwarded) if award.key == order_id), None)

    def _book(self, at: pendulum.DateTime) -> _Book:
        closed = self.closed
        if closed is not None and closed.at <= at:
            return _Book({}, {}, 0, at)
        awards = {entry.key: entry for entry in self._of(PointsAwarded) if entry.at <= at}
        remaining = {key: award.points for key, award in awards.items()}
        debt = 0
        for entry in self.entries:
            if entry.at > at:
                continue
            for allocation in getattr(entry, "allocations", ()):
                remaining[allocation.award] -= allocation.points
            if isinstance(entry, PointsReversed):
                debt += entry.debt
            elif isinstance(entry, DebtSettled):
                debt -= entry.points
        return _Book(awards, remaining, debt, at)

    def totals(self, at: pendulum.DateTime) -> PointsTotals:
        """The ledger's sums at *at* (see `PointsTotals`)."""
        at = _time.instant(at, "at")
        book = self._book(at)
        if not book.awards:
            return PointsTotals(0, 0, 0, 0, 0, 0, 0, 0, 0)
        sums = {"redemption": 0, "reversal": 0, "settlement": 0}
        forgiven = 0
        for entry in self.entries:
            if entry.at <= at and entry.kind in sums:
                sums[entry.kind] += sum(item.points for item in getattr(entry, "allocations", ()))
            if entry.at <= at and isinstance(entry, PointsReversed):
                forgiven += entry.forgiven
        pending = available = expired = 0
        for key, award in book.awards.items():
            left = book.remaining[key]
            if book.expired(award):
                expired += left
            elif award.available_at > at:
                pending += left
            else:
                available += left
        return PointsTotals(
            awarded=sum(award.points for award in book.awards.values()),
            redeemed=sums["redemption"],
            reversed=sums["reversal"],
            settled=sums["settlement"],
            expired=expired,
            forgiven=forgiven,
            debt=book.debt,
            pending=pending,
            available=available,
        )

    def available(self, at: pendulum.DateTime) -> int:
        """Points that can be redeemed at *at*."""
        return self.totals(at).available

    def pending(self, at: pendulum.DateTime) -> int:
        """Points still in the return window at *at*."""
        return self.totals(at).pending

    def balance(self, at: pendulum.DateTime) -> int:
        """Points held at *at*: available plus pending."""
        return self.totals(at).balance

    def debt(self, at: pendulum.DateTime) -> int:
        """Points owed at *at*."""
        return self._book(_time.instant(at, "at")).debt

    def expiring(self, at: pendulum.DateTime) -> tuple[tuple[pendulum.DateTime, int], ...]:
        """Future expiries of the points held at *at*: (instant, points), soonest first."""
        book = self._book(_time.instant(at, "at"))
        schedule: dict[pendulum.DateTime, int] = {}
        for award in book.live():
            if award.expires_at is not None:
                schedule[award.expires_at] = (
                    schedule.get(award.expires_at, 0) + book.remaining[award.key]
                )
        return tuple(sorted(schedule.items()))

    def purchases(self, at: pendulum.DateTime) -> tuple[Purchase, ...]:
        """Orders awarded by *at* and not returned in full, with the amount kept, by time placed."""
        at = _time.instant(at, "at")
        closed = self.closed
        if closed is not None and closed.at <= at:
            return ()
        refunded: dict[str, Money] = {}
        for reversal in self._of(PointsReversed):
            if reversal.at <= at:
                for returned in reversal.lines:
                    key = reversal.order_id
                    zero = Money.zero(returned.refunded.currency)
                    refunded[key] = refunded.get(key, zero) + returned.refunded
        found = []
        for award in self._of(PointsAwarded):
            if award.at > at or not award.lines:
                continue
            total = Money.zero(award.lines[0].amount.currency)
            for line in award.lines:
                total += line.amount
            kept = total - refunded.get(award.key, Money.zero(total.currency))
            if kept.amount > 0 or total.amount == 0:
                found.append(Purchase(award.key, award.placed_at, kept))
        return tuple(sorted(found, key=lambda purchase: purchase.placed_at))

    # -- tiers ---------------------------------------------------------------------------

    def _qualifications(
        self, program: LoyaltyProgram, at: pendulum.DateTime, basis: TierBasis | None = None
    ) -> list[Qualification]:
        # What each award contributes to tier qualification as known at *at*: a return counts
        # against its order from the start, so a returned purchase never qualified.
        basis = program.tier_basis if basis is None else basis
        closed = self.closed
        if closed is not None and closed.at <= at:
            return []
        awards = {award.key: award for award in self._of(PointsAwarded) if award.at <= at}
        taken: dict[str, Decimal] = {}
        for reversal in self._of(PointsReversed):
            award = awards.get(reversal.order_id)
            if reversal.at > at or award is None:
                continue
            if basis is TierBasis.POINTS:
                value = Decimal(reversal.qualifying)
            else:
                counted = {line.line_id for line in award.lines if line.qualifies}
                value = sum(
                    (line.refunded.amount for line in reversal.lines if line.line_id in counted),
                    Decimal(0),
                )
            taken[award.key] = taken.get(award.key, Decimal(0)) + value
        found = []
        for award in awards.values():
            if not award.lines:
                continue
            if basis is TierBasis.POINTS:
                value = Decimal(award.qualifying)
            else:
                value = sum(
                    (line.amount.amount for line in award.lines if line.qualifies), Decimal(0)
                )
            value -= taken.get(award.key, Decimal(0))
            found.append(Qualification(award.at, award.placed_at, value))
        return found

    def _tier_index(self, program: LoyaltyProgram, at: pendulum.DateTime) -> int:
        closed = self.closed
        if closed is not None and closed.at <= at:
            return 0
        index = held_tier(
            program.tiers,
            program.tier_window,
            program.downgrade,
            self._qualifications(program, at),
            at=at,
            timezone=program.timezone,
        )
        names = [tier.name for tier in program.tiers]
        for grant in self._of(TierGranted):
            # A grant of a tier the program no longer has gives nothing.
            if grant.at <= at < grant.until and grant.tier in names:
                index = max(index, names.index(grant.tier))
        return index

    def tier(self, program: LoyaltyProgram, at: pendulum.DateTime) -> Tier:
        """The tier held at *at* under *program* (the higher of qualified and granted)."""
        return program.tiers[self._tier_index(program, _time.instant(at, "at"))]

    def status(self, program: LoyaltyProgram, at: pendulum.DateTime) -> MemberStatus:
        """Where the member stands at *at* (see `MemberStatus`)."""
        at = _time.instant(at, "at")
        totals = self.totals(at)
        expiring = self.expiring(at)
        soon = at + program.expiry_warning
        window, zone = program.tier_window, program.timezone
        qualifying = {
            basis: window_value(window, self._qualifications(program, at, basis), at, zone)
            for basis in TierBasis
        }
        index = self._tier_index(program, at)
        next_tier = program.tiers[index + 1] if index + 1 < len(program.tiers) else None
        current = qualifying[program.tier_basis]
        return MemberStatus(
            customer_id=self.customer_id,
            at=at,
            available=totals.available,
            pending=totals.pending,
            debt=totals.debt,
            expiring=expiring,
            expiring_soon=sum(points for instant, points in expiring if instant <= soon),
            qualifying_points=int(qualifying[TierBasis.POINTS]),
            qualifying_spend=Money(qualifying[TierBasis.SPEND], program.currency),
            tier=program.tiers[index],
            next_tier=next_tier,
            to_next_tier=None
            if next_tier is None
            else max(Decimal(0), next_tier.threshold - current),
        )

    # -- operations ----------------------------------------------------------------------

    def _when(self, at: object) -> pendulum.DateTime:
        at = _time.instant(at, "at")
        latest = self.latest_at
        return at if latest is None or at >= latest else latest

    def _require_open(self, operation: str) -> None:
        closed = self.closed
        if closed is not None:
            raise InvalidTransitionError(
                f"cannot {operation}: the points of {self.customer_id!r} were merged into "
                f"{closed.merged_into!r}"
            )

    def _append(self, *entries: LedgerEntry) -> PointsAccount:
        return attrs.evolve(self, entries=(*self.entries, *entries))

    def _event(self, type_: str, at: pendulum.DateTime, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_,
            occurred_at=at,
            customer_id=self.customer_id,
            aggregate_id=self.customer_id,
            payload=payload,
        )

    def _next_key(self, prefix: str, kind: str) -> str:
        taken = {entry.key for entry in self.entries if entry.kind == kind}
        number = sum(1 for entry in self.entries if entry.kind == kind) + 1
        while f"{prefix}-{number}" in taken:
            number += 1
        return f"{prefix}-{number}"

    def _entry(self, kind: type[E], key: str) -> E | None:
        return next((entry for entry in self._of(kind) if entry.key == key), None)

    def award(
        self, order: Order, program: LoyaltyProgram, *, at: pendulum.DateTime
    ) -> Change[PointsAccount]:
        """Award the points *order* earns (see `LoyaltyProgram` for the rules).

        The order id is the award's key: awarding the same order again changes nothing and
        emits nothing. Points are pending until the program's return window after the order
        was placed (or from now, if that is later), then expire by the program's rule. A debt
        left by earlier returns is paid from the new points first.

        Raises:
            ValidationError: The order is for another customer, in another currency, or placed
                after *at*.
            DuplicateError: An award for this order id holds different lines or another time.
            InvalidTransitionError: The ledger was merged into another.
        """
        if not isinstance(order, Order):
            raise ValidationError("expected an Order", field="order", value=order)
        requested = _time.instant(at, "at")
        if order.customer_id != self.customer_id:
            raise ValidationError(
                f"the order is for {order.customer_id!r}, not {self.customer_id!r}",
                field="customer_id",
                value=order.customer_id,
            )
        existing = self.award_for(order.id)
        if existing is not None:
            if _same_order(existing, order):
                return Change(self)
            raise DuplicateError(
                f"order {order.id!r} was already awarded with other lines or another time; "
                "change it with a return instead"
            )
        self._require_open("award points")
        program.check_currency(order.currency, "currency")
        if order.placed_at > requested:
            raise ValidationError(
                "an order cannot earn points before it is placed",
                field="placed_at",
                value=order.placed_at,
            )
        at = self._when(requested)
        tier = self.tier(program, at)
        earned = program.earn(order, tier)
        available_at = max(order.placed_at + program.return_window, at)
        award = PointsAwarded(
            key=order.id,
            at=at,
            placed_at=order.placed_at,
            available_at=available_at,
            expires_at=program.expiry.expires_at(available_at, program.timezone),
            lines=[
                AwardLine(
                    line_id=line.line_id,
                    category=line.category,
                    amount=line.amount,
                    points=result.points,
                    qualifying=result.qualifying,
                    qualifies=result.qualifies,
                )
                for line, result in zip(order.lines, earned, strict=True)
            ],
            tier=tier.name,
            multiplier=tier.multiplier,
        )
        event = self._event(
            "loyalty.points_awarded",
            at,
            order_id=order.id,
            points=award.points,
            qualifying=award.qualifying,
            tier=tier.name,
            available_at=_time.format_instant(available_at),
            expires_at=None if award.expires_at is None else _time.format_instant(award.expires_at),
        )
        return self._append(award)._after_earning(  # noqa: SLF001 - the same class
            program, at, (event,)
        )

    def grant_points(
        self,
        source: str,
        points: int,
        program: LoyaltyProgram,
        *,
        at: pendulum.DateTime,
        note: str = "",
    ) -> Change[PointsAccount]:
        """Grant bonus points (goodwill after a complaint, a campaign), keyed by *source*.

        Bonus points are available at once, expire by the program's rule, and never qualify
        for a tier. Granting the same source again with the same points changes nothing.

        Raises:
            ValidationError: *points* is not a whole number above zero.
            DuplicateError: *source* was already used for other points.
            InvalidTransitionError: The ledger was merged into another.
        """
        source = check_id(source, "source")
        points = positive_points(points, "points")
        note = text(note, "note")
        requested = _time.instant(at, "at")
        existing = self.award_for(source)
        if existing is not None:
            if not existing.lines and existing.bonus == points:
                return Change(self)
            raise DuplicateError(f"source {source!r} already paid other points")
        self._require_open("grant points")
        at = self._when(requested)
        award = PointsAwarded(
            key=source,
            at=at,
            placed_at=at,
            available_at=at,
            expires_at=program.expiry.expires_at(at, program.timezone),
            bonus=points,
            tier=self.tier(program, at).name,
            note=note,
        )
        event = self._event("loyalty.points_granted", at, source=source, points=points)
        return self._append(award)._after_earning(  # noqa: SLF001 - the same class
            program, at, (event,)
        )

    def _after_earning(
        self, program: LoyaltyProgram, at: pendulum.DateTime, events: tuple[DomainEvent, ...]
    ) -> Change[PointsAccount]:
        account, settled = self._settle(at)
        account, changed = account.sync_tier(program, at=at)
        return Change(account, (*events, *settled, *changed))

    def _settle(self, at: pendulum.DateTime) -> tuple[PointsAccount, tuple[DomainEvent, ...]]:
        book = self._book(at)
        if book.debt == 0:
            return self, ()
        allocations = book.draw(book.live(), book.debt)
        if not allocations:
            return self, ()
        settlement = DebtSettled(
            key=self._next_key("settlement", "settlement"), at=at, allocations=allocations
        )
        event = self._event(
            "loyalty.debt_settled",
            at,
            points=settlement.points,
            debt_left=book.debt - settlement.points,
        )
        return self._append(settlement), (event,)

    def redeem(
        self,
        points: int,
        *,
        at: pendulum.DateTime,
        key: str | None = None,
        note: str = "",
    ) -> Change[PointsAccount]:
        """Spend *points* of the available balance, soonest-expiring points first.

        The redemption records which awards it drew from. With *key* (the host's redemption
        id), replaying the same redemption changes nothing; without one, a key is made up
        (``redemption-N``) and every call redeems.

        Raises:
            ValidationError: *points* is not a whole number above zero, or more than available.
            DuplicateError: *key* was already used for another number of points.
            InvalidTransitionError: The ledger was merged into another.
        """
        points = positive_points(points, "points")
        note = text(note, "note")
        requested = _time.instant(at, "at")
        if key is not None:
            key = check_id(key, "key")
            existing = self._entry(PointsRedeemed, key)
            if existing is not None:
                if existing.points == points:
                    return Change(self)
                raise DuplicateError(
                    f"redemption {key!r} was already recorded for {existing.points} points"
                )
        self._require_open("redeem points")
        at = self._when(requested)
        book = self._book(at)
        available = book.available()
        total = sum(book.remaining[award.key] for award in available)
        if points > total:
            raise ValidationError(
                f"only {total} points are available", field="points", value=points
            )
        allocations = book.draw(available, points)
        redemption = PointsRedeemed(
            key=key if key is not None else self._next_key("redemption", "redemption"),
            at=at,
            points=points,
            allocations=allocations,
            note=note,
        )
        event = self._event(
            "loyalty.points_redeemed",
            at,
            redemption_id=redemption.key,
            points=points,
            allocations=[allocation.to_dict() for allocation in allocations],
            available=total - points,
        )
        return Change(self._append(redemption), (event,))

    def reverse(
        self,
        order_id: str,
        program: LoyaltyProgram,
        *,
        at: pendulum.DateTime,
        returned: Mapping[str, Money] | None = None,
        key: str | None = None,
    ) -> Change[PointsAccount]:
        """Take back the points of a returned order, in proportion to what was refunded.

        *returned* maps line ids to the amount refunded for each; None returns everything not
        returned yet. Per line, the member keeps ``floor(points x kept / amount)`` of its points
        (and the same of its qualifying points), counted over all returns of the line, so
        several partial returns take back exactly what one return of the same total would, and
        a full return takes back every point the line earned.

        The points to take back come first from what is left of the order's own award, then
        from its part that already expired (nothing to take). The rest was redeemed: under
        `Shortfall.RECOVER` it is taken from the member's other points, soonest-expiring first,
        and what is still missing becomes a debt, paid from the next points earned; under
        `Shortfall.FORGIVE` it is written off. Redeemed points are never charged twice, and the
        balance never goes below zero.

        With *key* (an RMA number) a replayed return changes nothing; without one, a key is made
        up and every call returns more.

        Raises:
            NotFoundError: No award for *order_id* in this ledger.
            ValidationError: An unknown line, a refund that is not positive, in another
                currency, or larger than what is left of the line.
            InvalidTransitionError: Nothing is left to return (for a full return).
            DuplicateError: *key* was already used for another return.
        """
        order_id = check_id(order_id, "order_id")
        requested = _time.instant(at, "at")
        award = self.award_for(order_id)
        if award is None or not award.lines:
            raise NotFoundError(
                f"no points were awarded for order {order_id!r} to {self.customer_id!r}"
            )
        if key is not None:
            key = check_id(key, "key")
            existing = self._entry(PointsReversed, key)
            if existing is not None:
                if existing.order_id == order_id and (
                    returned is None or _same_refunds(existing, returned)
                ):
                    return Change(self)
                raise DuplicateError(f"return {key!r} was already recorded for other lines")
        refunded_before, points_before, qualifying_before = self._returned_so_far(award)
        refunds = _refunds(award, returned, refunded_before)
        self._require_open("reverse points")
        if not refunds:
            raise InvalidTransitionError(f"order {order_id!r} was already returned in full")
        at = self._when(requested)
        lines = []
        for line in award.lines:
            if line.line_id not in refunds:
                continue
            refund = refunds[line.line_id]
            kept = line.amount.amount - refunded_before[line.line_id] - refund.amount
            kept_points = _floor(line.points * kept / line.amount.amount)
            kept_qualifying = _floor(line.qualifying * kept / line.amount.amount)
            lines.append(
                ReturnedLine(
                    line_id=line.line_id,
                    refunded=refund,
                    points=line.points - kept_points - points_before[line.line_id],
                    qualifying=line.qualifying - kept_qualifying - qualifying_before[line.line_id],
                )
            )
        reversal = self._cover(award, tuple(lines), program, at, key)
        event = self._event(
            "loyalty.points_reversed",
            at,
            return_id=reversal.key,
            order_id=order_id,
            points=reversal.points,
            qualifying=reversal.qualifying,
            expired=reversal.expired,
            debt=reversal.debt,
            forgiven=reversal.forgiven,
        )
        account, changed = self._append(reversal).sync_tier(program, at=at)
        return Change(account, (event, *changed))

    def _returned_so_far(
        self, award: PointsAwarded
    ) -> tuple[dict[str, Decimal], dict[str, int], dict[str, int]]:
        refunded = {line.line_id: Decimal(0) for line in award.lines}
        points = dict.fromkeys(refunded, 0)
        qualifying = dict.fromkeys(refunded, 0)
        for reversal in self._of(PointsReversed):
            if reversal.order_id != award.key:
                continue
            for line in reversal.lines:
                refunded[line.line_id] += line.refunded.amount
                points[line.line_id] += line.points
                qualifying[line.line_id] += line.qualifying
        return refunded, points, qualifying

    def _cover(
        self,
        award: PointsAwarded,
        lines: tuple[ReturnedLine, ...],
        program: LoyaltyProgram,
        at: pendulum.DateTime,
        key: str | None,
    ) -> PointsReversed:
        book = self._book(at)
        wanted = sum(line.points for line in lines)
        allocations: list[Allocation] = []
        expired = 0
        if book.expired(award):
            already = sum(
                reversal.expired
                for reversal in self._of(PointsReversed)
                if reversal.order_id == award.key
            )
            expired = min(wanted, book.remaining[award.key] - already)
        else:
            allocations.extend(book.draw([award], wanted))
        missing = wanted - expired - sum(allocation.points for allocation in allocations)
        debt = forgiven = 0
        if missing and program.shortfall is Shortfall.RECOVER:
            others = [other for other in book.live() if other.key != award.key]
            recovered = book.draw(others, missing)
            allocations.extend(recovered)
            debt = missing - sum(allocation.points for allocation in recovered)
        else:
            forgiven = missing
        return PointsReversed(
            key=key if key is not None else self._next_key(f"{award.key}/return", "reversal"),
            at=at,
            order_id=award.key,
            lines=lines,
            allocations=allocations,
            expired=expired,
            debt=debt,
            forgiven=forgiven,
        )

    def grant_tier(
        self,
        tier: str,
        program: LoyaltyProgram,
        *,
        at: pendulum.DateTime,
        until: pendulum.DateTime,
        key: str | None = None,
        note: str = "",
    ) -> Change[PointsAccount]:
        """Give the member *tier* from *at* until *until* (a status match, staff status).

        The member holds the higher of the granted tier and the one they qualify for.

        Raises:
            ValidationError: The program has no such tier, or *until* is not after *at*.
            DuplicateError: *key* was already used for another grant.
            InvalidTransitionError: The ledger was merged into another.
        """
        program.tier(tier)
        requested = _time.instant(at, "at")
        until = _time.instant(until, "until")
        note = text(note, "note")
        if key is not None:
            key = check_id(key, "key")
            existing = self._entry(TierGranted, key)
            if existing is not None:
                if (existing.tier, existing.until) == (tier, until):
                    return Change(self)
                raise DuplicateError(f"tier grant {key!r} was already recorded for another tier")
        self._require_open("grant a tier")
        at = self._when(requested)
        grant = TierGranted(
            key=key if key is not None else self._next_key("grant", "tier_grant"),
            at=at,
            tier=tier,
            until=until,
            note=note,
        )
        event = self._event(
            "loyalty.tier_granted", at, tier=tier, until=_time.format_instant(grant.until)
        )
        account, changed = self._append(grant).sync_tier(program, at=at)
        return Change(account, (event, *changed))

    def announced_tier(self, program: LoyaltyProgram) -> str:
        """The tier last announced with a ``loyalty.tier_changed`` event (at first, the lowest)."""
        changes = self._of(TierChanged)
        if not changes:
            return program.tiers[0].name
        latest = max(range(len(changes)), key=lambda index: (changes[index].at, index))
        return changes[latest].tier

    def sync_tier(self, program: LoyaltyProgram, *, at: pendulum.DateTime) -> Change[PointsAccount]:
        """Record and announce a tier change the member has not been told about yet.

        Tiers also change with time alone (a purchase leaving the window, a grace period or a
        granted tier ending); a nightly job calls this so those changes are announced too.
        Changes nothing when the tier held is the one announced last.
        """
        at = self._when(at)
        if self.closed is not None:
            return Change(self)
        held = self.tier(program, at).name
        announced = self.announced_tier(program)
        if held == announced:
            return Change(self)
        names = [tier.name for tier in program.tiers]
        direction = (
            "up" if announced not in names or names.index(held) > names.index(announced) else "down"
        )
        change = TierChanged(
            key=self._next_key("tier", "tier_change"), at=at, tier=held, previous=announced
        )
        event = self._event(
            "loyalty.tier_changed", at, tier=held, previous=announced, direction=direction
        )
        return Change(self._append(change), (event,))

    def absorb(self, duplicate: PointsAccount, *, at: pendulum.DateTime) -> Change[MergedLedgers]:
        """Move *duplicate*'s ledger into this one (a customer merge).

        The duplicate's entries (awards, redemptions, returns, settlements, tier grants) are
        appended here with their own instants, so both histories keep their meaning; a key
        this ledger already uses is renamed ``"<duplicate id>/<key>"`` (references to it
        follow). The duplicate's ledger is closed: it holds nothing from *at* on. A debt on one
        side is then paid from the points on the other. Call `sync_tier` afterwards to
        announce a tier change.

        Raises:
            ValidationError: *duplicate* is this account.
            InvalidTransitionError: Either ledger was already merged into another.
        """
        if not isinstance(duplicate, PointsAccount):
            raise ValidationError("expected a PointsAccount", field="duplicate", value=duplicate)
        if duplicate.customer_id == self.customer_id:
            raise ValidationError(
                "cannot merge a ledger into itself", field="duplicate", value=duplicate.customer_id
            )
        self._require_open("merge into this ledger")
        duplicate._require_open("merge this ledger")
        at = self._when(at)
        latest = duplicate.latest_at
        if latest is not None and latest > at:
            at = latest
        taken = {(entry.kind, entry.key) for entry in self.entries}
        renamed = {
            entry.key: _renamed(duplicate.customer_id, entry.key)
            for entry in duplicate.entries
            if isinstance(entry, PointsAwarded) and (entry.kind, entry.key) in taken
        }
        moved = [
            _moved(entry, renamed, duplicate.customer_id, taken)
            for entry in duplicate.entries
            if not isinstance(entry, TierChanged)
        ]
        survivor, settled = self._append(*moved)._settle(at)  # noqa: SLF001 - the same class
        closed = duplicate._append(LedgerClosed(key="closed", at=at, merged_into=self.customer_id))
        event = self._event(
            "loyalty.ledger_merged",
            at,
            survivor_id=self.customer_id,
            merged_id=duplicate.customer_id,
            entries=len(moved),
            points=duplicate.balance(at),
        )
        return Change(MergedLedgers(survivor, closed), (event, *settled))

    def redacted(self) -> PointsAccount:
        """This ledger with every free-text note blanked (GDPR erasure); points stay as they are."""
        return attrs.evolve(
            self,
            entries=tuple(
                attrs.evolve(entry, note="")
                if isinstance(entry, (PointsAwarded, PointsRedeemed, TierGranted)) and entry.note
                else entry
                for entry in self.entries
            ),
        )

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The ledger as a JSON-safe dict (`from_dict` reads it back)."""
        return {
            "customer_id": self.customer_id,
            "entries": [entry.to_dict() for entry in self.entries],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsAccount:
        """Rebuild a ledger written by `to_dict`; malformed data raises `ValidationError`."""
        if not isinstance(data, Mapping) or not isinstance(data.get("entries", ()), (list, tuple)):
            raise ValidationError("expected a points account dict", field="account", value=data)
        return cls(
            customer_id=data.get("customer_id"),
            entries=[ledger_entry_from_dict(entry) for entry in data.get("entries", ())],
            version=data.get("version", 0),
        )


def _same_order(award: PointsAwarded, order: Order) -> bool:
    return award.placed_at == order.placed_at and [
        (line.line_id, line.category, line.amount) for line in award.lines
    ] == [(line.line_id, line.category, line.amount) for line in order.lines]


def _refunds(
    award: PointsAwarded, returned: Mapping[str, Money] | None, before: Mapping[str, Decimal]
) -> dict[str, Money]:
    currency = award.lines[0].amount.currency
    if returned is None:
        return {
            line.line_id: Money(line.amount.amount - before[line.line_id], currency)
            for line in award.lines
            if line.amount.amount > before[line.line_id]
        }
    if not isinstance(returned, Mapping) or not returned:
        raise ValidationError(
            "expected a mapping of line id to the amount refunded", field="returned", value=returned
        )
    refunds = {}
    for line_id, refund in returned.items():
        line = award.line(line_id) if isinstance(line_id, str) else None
        if line is None:
            raise ValidationError(
                f"order {award.key!r} has no such line", field="returned", value=line_id
            )
        if not isinstance(refund, Money) or refund.amount <= 0:
            raise ValidationError(
                "a refund is Money above zero", field=f"returned[{line_id!r}]", value=refund
            )
        if refund.currency != currency:
            raise ValidationError(
                f"the order was paid in {currency}",
                field=f"returned[{line_id!r}]",
                value=str(refund),
            )
        left = line.amount.amount - before[line_id]
        if refund.amount > left:
            raise ValidationError(
                f"only {left} {currency} of the line is left to refund",
                field=f"returned[{line_id!r}]",
                value=str(refund),
            )
        refunds[line_id] = refund
    return refunds


def _same_refunds(reversal: PointsReversed, returned: Mapping[str, Money]) -> bool:
    return {line.line_id: line.refunded for line in reversal.lines} == dict(returned)


def _renamed(owner: str, key: str) -> str:
    name = f"{owner}/{key}"
    if len(name) <= MAX_ID_LENGTH:
        return name
    return "merged/" + hashlib.sha256(name.encode()).hexdigest()


def _moved(
    entry: LedgerEntry, renamed: Mapping[str, str], owner: str, taken: set[tuple[str, str]]
) -> LedgerEntry:
    changes: dict[str, Any] = {}
    if isinstance(entry, PointsAwarded):
        if entry.key in renamed:
            changes["key"] = renamed[entry.key]
    elif (entry.kind, entry.key) in taken:
        changes["key"] = _renamed(owner, entry.key)
    allocations = getattr(entry, "allocations", None)
    if allocations:
        changes["allocations"] = tuple(
            Allocation(renamed.get(item.award, item.award), item.points) for item in allocations
        )
    if isinstance(entry, PointsReversed) and entry.order_id in renamed:
        changes["order_id"] = renamed[entry.order_id]
    return attrs.evolve(entry, **changes) if changes else entry
