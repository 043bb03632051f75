import contextlib
from decimal import Decimal
from typing import Any

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import InvalidTransitionError, ValidationError
from custrel.loyalty import (
    Expiry,
    LoyaltyProgram,
    Order,
    OrderLine,
    PointsAccount,
    PointsReversed,
    Shortfall,
    Tier,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 1, 5, 9, tz="Europe/Oslo")

programs = st.builds(
    LoyaltyProgram,
    currency=st.just("NOK"),
    points_per_unit=st.sampled_from([Decimal(1), Decimal("0.1"), Decimal("2.5")]),
    return_window=st.integers(min_value=0, max_value=30),
    expiry=st.sampled_from(
        [Expiry.never(), Expiry.after_days(60), Expiry.end_of_month(1), Expiry.end_of_year(0)]
    ),
    tiers=st.just([Tier("member"), Tier("silver", 500, multiplier=Decimal("1.5"))]),
    shortfall=st.sampled_from(list(Shortfall)),
    timezone=st.just("Europe/Oslo"),
)

line_amounts = st.lists(st.decimals(min_value=0, max_value=2000, places=2), min_size=1, max_size=3)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("award"), line_amounts),
        st.tuples(st.just("bonus"), st.integers(min_value=1, max_value=500)),
        st.tuples(st.just("redeem"), st.integers(min_value=1, max_value=1500)),
        st.tuples(st.just("return"), st.integers(min_value=0, max_value=20), st.booleans()),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=90)),
        st.tuples(st.just("replay"), st.integers(min_value=0, max_value=20)),
    ),
    max_size=25,
)


def _order(number: int, amounts: list[Decimal], at: pendulum.DateTime) -> Order:
    return Order(
        id=f"o-{number}",
        customer_id="k-1",
        placed_at=at,
        lines=[
            OrderLine(str(index), "toys", Money(amount, "NOK"))
            for index, amount in enumerate(amounts)
        ],
    )


def _check(account: PointsAccount, at: pendulum.DateTime) -> None:
    totals = account.totals(at)
    assert totals.available >= 0
    assert totals.pending >= 0
    assert totals.debt >= 0
    assert totals.available + totals.pending == (
        totals.awarded - totals.redeemed - totals.reversed - totals.settled - totals.expired
    )
    asked_back = sum(
        entry.points
        for entry in account.entries
        if isinstance(entry, PointsReversed) and entry.at <= at
    )
    # What the member got or still holds, less what they owe, never exceeds what they earned
    # and kept (plus what a forgiving program wrote off).
    assert totals.balance + totals.redeemed - totals.debt <= (
        totals.awarded - asked_back + totals.forgiven
    )


def _redeem(account: PointsAccount, points: int, at: pendulum.DateTime) -> PointsAccount:
    try:
        after = account.redeem(points, at=at).value
    except ValidationError:
        assert points > account.available(at)
        return account
    assert after.available(at) == account.available(at) - points
    return after


def _return(
    account: PointsAccount,
    program: LoyaltyProgram,
    placed: Order,
    full: bool,
    at: pendulum.DateTime,
) -> PointsAccount:
    line = placed.lines[0]
    returned = None if full else {line.line_id: Money(line.amount.amount / 2, "NOK")}
    try:
        return account.reverse(placed.id, program, at=at, returned=returned).value
    except (ValidationError, InvalidTransitionError):
        return account  # nothing left to return, or a zero refund: refused, nothing changed


def _run(
    program: LoyaltyProgram, steps: list[tuple[Any, ...]]
) -> tuple[PointsAccount, pendulum.DateTime]:
    account = PointsAccount.open("k-1")
    at = T0
    orders: list[Order] = []
    for kind, *args in steps:
        if kind == "wait":
            at = at.add(days=args[0])
        elif kind == "award":
            orders.append(_order(len(orders), args[0], at))
            account = account.award(orders[-1], program, at=at).value
        elif kind == "bonus":
            source = f"b-{len(account.entries)}"
            account = account.grant_points(source, args[0], program, at=at).value
        elif kind == "redeem":
            account = _redeem(account, args[0], at)
        elif orders and kind == "replay":
            replayed = orders[args[0] % len(orders)]
            assert account.award(replayed, program, at=at).value is account
        elif orders:
            account = _return(account, program, orders[args[0] % len(orders)], args[1], at)
        _check(account, at)
    return account, at


class TestLedgerProperties:
    @settings(deadline=None, max_examples=150)
    @given(programs, operations)
    def test_every_history_keeps_the_books_balanced(
        self, program: LoyaltyProgram, steps: list[tuple[Any, ...]]
    ) -> None:
        """Balance never negative; available = awards - redemptions - reversals - expiries."""
        account, at = _run(program, steps)
        for later in (at.add(days=1), at.add(days=100), at.add(days=800)):
            _check(account, later)

    @settings(deadline=None, max_examples=100)
    @given(programs, operations)
    def test_returning_everything_never_leaves_more_than_was_earned(
        self, program: LoyaltyProgram, steps: list[tuple[Any, ...]]
    ) -> None:
        """Once every order is returned, points held or spent never exceed bonuses + write-offs."""
        account, at = _run(program, steps)
        at = at.add(days=1)
        for award in account.awards:
            if award.lines:
                with contextlib.suppress(InvalidTransitionError):  # returned in full already
                    account = account.reverse(award.key, program, at=at).value
        totals = account.totals(at)
        bonuses = sum(award.bonus for award in account.awards)
        assert totals.balance + totals.redeemed - totals.debt <= bonuses + totals.forgiven
        if program.shortfall is Shortfall.RECOVER:
            assert totals.forgiven == 0

    @settings(deadline=None, max_examples=100)
    @given(
        st.lists(line_amounts, min_size=1, max_size=6),
        st.randoms(use_true_random=False),
        st.integers(min_value=0, max_value=400),
    )
    def test_awards_for_different_sources_in_any_order_give_the_same_balance(
        self, baskets: list[list[Decimal]], shuffler: object, days: int
    ) -> None:
        """Recording the same orders in any order gives the same balance at any instant."""
        program = LoyaltyProgram(
            currency="NOK", return_window=14, expiry=Expiry.after_days(90), tiers=[Tier("member")]
        )
        orders = [
            _order(number, amounts, T0.add(days=number)) for number, amounts in enumerate(baskets)
        ]
        shuffled = list(orders)
        shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
        at = T0.add(days=10)

        def record(sequence: list[Order]) -> PointsAccount:
            account = PointsAccount.open("k-1")
            for placed in sequence:
                account = account.award(placed, program, at=at).value
            return account

        instant = T0.add(days=days)
        assert record(orders).totals(instant) == record(shuffled).totals(instant)

    @settings(deadline=None, max_examples=100)
    @given(line_amounts, st.integers(min_value=1, max_value=5))
    def test_replaying_an_award_is_a_no_op(self, amounts: list[Decimal], replays: int) -> None:
        """However often an order is replayed, it pays once and emits one event."""
        program = LoyaltyProgram(currency="NOK", tiers=[Tier("member")])
        account, events = PointsAccount.open("k-1").award(_order(0, amounts, T0), program, at=T0)
        for count in range(replays):
            replay = account.award(_order(0, amounts, T0), program, at=T0.add(hours=count))
            assert replay.value is account
            assert replay.events == ()
        assert len(events) == 1
