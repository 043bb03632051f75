"""Use cases for loyalty points, tiers and scores."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import pendulum

from custrel._use_cases._base import UseCases
from custrel._use_cases.customers import survivor
from custrel.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    PolicyError,
    ValidationError,
)
from custrel.events import Change, DomainEvent
from custrel.loyalty import (
    LoyaltyProgram,
    LoyaltyScore,
    LoyaltyScorer,
    LoyaltySignals,
    MemberStatus,
    Order,
    PointsAccount,
    PointsAwarded,
    PointsRedeemed,
    PointsReversed,
)
from custrel.money import Money
from custrel.storage.protocols import UnitOfWork

__all__ = ["LoyaltyUseCases", "program_setting", "scorer_setting"]

_SECONDS_PER_DAY = 86_400


def program_setting(value: object) -> LoyaltyProgram | None:
    """Check the ``loyalty`` setting of `custrel.Relations`: a `LoyaltyProgram` or None."""
    if value is not None and not isinstance(value, LoyaltyProgram):
        raise ValidationError("expected a LoyaltyProgram or None", field="loyalty", value=value)
    return value


def scorer_setting(value: object) -> LoyaltyScorer:
    """Check the ``scorer`` setting of `custrel.Relations`; None gives the default scorer."""
    if value is None:
        return LoyaltyScorer()
    if not isinstance(value, LoyaltyScorer):
        raise ValidationError("expected a LoyaltyScorer or None", field="scorer", value=value)
    return value


def _load(uow: UnitOfWork, customer_id: str, *, for_update: bool) -> PointsAccount:
    try:
        return uow.loyalty.get(customer_id, for_update=for_update)
    except NotFoundError:
        return PointsAccount.open(customer_id)


def _store(uow: UnitOfWork, account: PointsAccount) -> PointsAccount:
    if account.version:
        return uow.loyalty.save(account)
    try:
        return uow.loyalty.add(account)
    except DuplicateError:
        # Another unit of work opened this member's ledger first; run again on it.
        raise ConflictError(
            f"the points account of {account.customer_id!r} was opened concurrently: retry"
        ) from None


class LoyaltyUseCases(UseCases):
    """The `Relations` use cases for loyalty points, tiers and scores.

    Every points use case works on the ledger of the customer the id names, following merges
    to the survivor; an unknown customer raises `NotFoundError`. Writes lock the ledger for
    their unit of work (see `LoyaltyRepository.get`), so concurrent awards and redemptions for
    one member queue rather than conflict.
    """

    loyalty: LoyaltyProgram | None
    scorer: LoyaltyScorer

    def _program(self) -> LoyaltyProgram:
        if self.loyalty is None:
            raise PolicyError(
                "this Relations has no loyalty program; pass loyalty=LoyaltyProgram(...)",
                field="loyalty",
            )
        return self.loyalty

    def _change_points(
        self,
        customer_id: str,
        operation: Callable[[PointsAccount, pendulum.DateTime], Change[PointsAccount]],
    ) -> PointsAccount:
        at = self.clock.now()

        def work(uow: UnitOfWork) -> PointsAccount:
            member = survivor(uow, customer_id).id
            change = operation(_load(uow, member, for_update=True), at)
            if not change.events:
                return change.value
            stored = _store(uow, change.value)
            uow.outbox.add(change.events)
            return stored

        return self._run(work)

    def award_points(self, order: Order) -> PointsAwarded:
        """Award the points *order* earns to its customer, and return the award.

        The order id is the idempotency key: awarding an order again returns the first award
        and writes nothing. See `PointsAccount.award` and `LoyaltyProgram` for the rules.

        Raises:
            NotFoundError: The order's customer is unknown.
            ValidationError: The order is in another currency than the program, or placed
                in the future.
            DuplicateError: The order id was awarded with other lines.
            PolicyError: No loyalty program was configured.
        """
        if not isinstance(order, Order):
            raise ValidationError("expected an Order", field="order", value=order)
        program = self._program()

        def award(account: PointsAccount, at: pendulum.DateTime) -> Change[PointsAccount]:
            own = Order(
                id=order.id,
                customer_id=account.customer_id,  # the survivor, when the id was merged
                placed_at=order.placed_at,
                lines=order.lines,
            )
            return account.award(own, program, at=at)

        account = self._change_points(order.customer_id, award)
        found = account.award_for(order.id)
        assert found is not None  # noqa: S101 - award() has just recorded it
        return found

    def grant_points(
        self, customer_id: str, source: str, points: int, *, note: str = ""
    ) -> PointsAwarded:
        """Grant bonus points keyed by *source* (goodwill, a campaign); see `grant_points`.

        Raises:
            NotFoundError: The customer is unknown.
            ValidationError: *points* is not a whole number above zero.
            DuplicateError: *source* already paid other points.
            PolicyError: No loyalty program was configured.
        """
        program = self._program()
        account = self._change_points(
            customer_id,
            lambda account, at: account.grant_points(source, points, program, at=at, note=note),
        )
        found = account.award_for(source)
        assert found is not None  # noqa: S101 - grant_points() has just recorded it
        return found

    def redeem_points(
        self,
        customer_id: str,
        points: int,
        *,
        redemption_id: str | None = None,
        note: str = "",
    ) -> PointsRedeemed:
        """Spend *points* of the customer's available balance, soonest-expiring first.

        Pass *redemption_id* (the host's id for the reward or the order paid with points) to
        make a retried call safe: the same id redeems once.

        Raises:
            NotFoundError: The customer is unknown.
            ValidationError: *points* is not a whole number above zero, or exceeds what is
                available.
            DuplicateError: *redemption_id* was used for another number of points.
        """

        def redeem(account: PointsAccount, at: pendulum.DateTime) -> Change[PointsAccount]:
            return account.redeem(points, at=at, key=redemption_id, note=note)

        account = self._change_points(customer_id, redeem)
        redemptions = [entry for entry in account.entries if isinstance(entry, PointsRedeemed)]
        if redemption_id is None:
            return redemptions[-1]
        return next(entry for entry in redemptions if entry.key == redemption_id)

    def reverse_points(
        self,
        customer_id: str,
        order_id: str,
        returned: Mapping[str, Money] | None = None,
        *,
        return_id: str | None = None,
    ) -> PointsReversed:
        """Take back the points of a returned order, in full or in part (see `reverse`).

        *returned* maps line ids to the amount refunded; None returns what is left of the
        whole order. Pass *return_id* (an RMA number) to make a retried call safe.

        Raises:
            NotFoundError: The customer is unknown, or no points were awarded for the order
                (nothing is written).
            ValidationError: An unknown line, or a refund that is not positive, in another
                currency, or larger than what is left of the line.
            InvalidTransitionError: The order was already returned in full.
            DuplicateError: *return_id* was used for another return.
            PolicyError: No loyalty program was configured.
        """
        program = self._program()

        def reverse(account: PointsAccount, at: pendulum.DateTime) -> Change[PointsAccount]:
            return account.reverse(order_id, program, at=at, returned=returned, key=return_id)

        account = self._change_points(customer_id, reverse)
        reversals = [
            entry
            for entry in account.entries
            if isinstance(entry, PointsReversed) and entry.order_id == order_id
        ]
        if return_id is None:
            return reversals[-1]
        return next(entry for entry in reversals if entry.key == return_id)

    def grant_tier(
        self,
        customer_id: str,
        tier: str,
        *,
        until: pendulum.DateTime,
        grant_id: str | None = None,
        note: str = "",
    ) -> MemberStatus:
        """Give the customer *tier* until *until* (a status match); return their status.

        Raises:
            NotFoundError: The customer is unknown.
            ValidationError: The program has no such tier, or *until* is not in the future.
            PolicyError: No loyalty program was configured.
        """
        program = self._program()
        account = self._change_points(
            customer_id,
            lambda account, at: account.grant_tier(
                tier, program, at=at, until=until, key=grant_id, note=note
            ),
        )
        return account.status(program, self.clock.now())

    def review_tier(self, customer_id: str) -> MemberStatus:
        """Announce a tier change that time alone brought about; return the customer's status.

        A purchase leaving the qualifying window, a period or grace period ending, or a granted
        tier running out changes the tier without any use case running; a nightly job calls
        this for every member (see `LoyaltyRepository.customer_ids`) so each change is recorded
        and a ``loyalty.tier_changed`` event published, once.

        Raises:
            NotFoundError: The customer is unknown.
            PolicyError: No loyalty program was configured.
        """
        program = self._program()
        account = self._change_points(
            customer_id, lambda account, at: account.sync_tier(program, at=at)
        )
        return account.status(program, self.clock.now())

    def points_status(self, customer_id: str) -> MemberStatus:
        """The customer's points, expiries, qualification and tier now.

        Raises:
            NotFoundError: The customer is unknown.
            PolicyError: No loyalty program was configured.
        """
        program = self._program()
        return self.points_account(customer_id).status(program, self.clock.now())

    def points_account(self, customer_id: str) -> PointsAccount:
        """The customer's points ledger (empty, at version 0, before the first award).

        Raises:
            NotFoundError: The customer is unknown.
        """
        with self.store.unit_of_work() as uow:
            return _load(uow, survivor(uow, customer_id).id, for_update=False)

    def loyalty_score(
        self, customer_id: str, *, signals: Mapping[str, Any] | None = None
    ) -> LoyaltyScore:
        """Score the customer's loyalty from what every area knows about them.

        Signals are gathered from the customer's records in each area (purchases and tenure
        from the points ledger, complaints from cases, contacts from the contact log, ...);
        *signals* adds or overrides some by name (say ``p_alive`` from a nightly BG/NBD fit).
        The scorer is the ``scorer`` given to `Relations` (the default weights otherwise).

        Raises:
            NotFoundError: The customer is unknown.
            ValidationError: A signal is malformed or unknown, or nothing is known to score.
        """
        at = self.clock.now()
        with self.store.unit_of_work() as uow:
            member = survivor(uow, customer_id).id
            gathered = self._loyalty_signals(uow, member, at)
        gathered.update(signals or {})
        return self.scorer.score(LoyaltySignals.from_mapping(gathered))

    # -- hooks: the points ledger follows the customer -----------------------------------------

    def _customer_merged(
        self, uow: UnitOfWork, survivor_id: str, duplicate_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_merged(uow, survivor_id, duplicate_id, at)
        # Lock both ledgers in id order so two opposite merges cannot deadlock.
        accounts = {
            customer_id: _load(uow, customer_id, for_update=True)
            for customer_id in sorted((survivor_id, duplicate_id))
        }
        duplicate = accounts[duplicate_id]
        if not duplicate.entries or duplicate.closed is not None:
            return events
        change = accounts[survivor_id].absorb(duplicate, at=at)
        merged_events = list(change.events)
        kept = change.value.survivor
        if self.loyalty is not None:
            kept, announced = kept.sync_tier(self.loyalty, at=at)
            merged_events.extend(announced)
        _store(uow, kept)
        uow.loyalty.save(change.value.closed)
        return [*events, *merged_events]

    def _customer_exported(self, uow: UnitOfWork, customer_ids: Iterable[str]) -> dict[str, Any]:
        ids = list(dict.fromkeys(customer_ids))
        exported = super()._customer_exported(uow, ids)
        ledgers = []
        for customer_id in ids:
            account = _load(uow, customer_id, for_update=False)
            if account.entries:
                ledgers.append(account.to_dict())
        exported["points_ledgers"] = ledgers
        return exported

    def _customer_erased(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        events = super()._customer_erased(uow, customer_id, at)
        account = _load(uow, customer_id, for_update=True)
        redacted = account.redacted()
        # Points, keys and instants are book-keeping, not personal data; only notes go.
        if account.version and redacted.entries != account.entries:
            uow.loyalty.rewrite(redacted)
        return events

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        signals = super()._loyalty_signals(uow, customer_id, at)
        zone = "UTC" if self.loyalty is None else self.loyalty.timezone
        purchases = _load(uow, customer_id, for_update=False).purchases(at)
        started = [uow.customers.get(customer_id).created_at]
        if purchases:
            # The BTYD convention: purchases on the same (local) day are one purchase.
            by_day: dict[object, Decimal] = {}
            for purchase in purchases:
                day = purchase.placed_at.in_timezone(zone).date()
                by_day[day] = by_day.get(day, Decimal(0)) + purchase.kept.amount
            last = purchases[-1].placed_at
            signals.setdefault(
                "recency_days", max(0.0, (at - last).total_seconds()) / _SECONDS_PER_DAY
            )
            signals.setdefault("frequency", len(by_day) - 1)
            signals.setdefault("monetary", sum(by_day.values(), Decimal(0)) / len(by_day))
            started.append(purchases[0].placed_at)
        first = min(started)
        if first <= at:
            signals.setdefault("tenure_days", (at - first).total_seconds() / _SECONDS_PER_DAY)
        return signals
