from decimal import Decimal

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import DuplicateError, ValidationError
from custrel.loyalty import LoyaltyProgram, Order, OrderLine, PointsAccount, Tier
from custrel.money import Money

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Europe/Oslo")
PROGRAM = LoyaltyProgram(
    currency="NOK",
    category_rates={"books": 2, "gift-cards": 0},
    return_window=14,
    tiers=[Tier("member"), Tier("silver", 1000, multiplier=Decimal("1.25"), discount=5)],
)


def order(order_id: str = "o-1", *lines: OrderLine, days: int = 0) -> Order:
    return Order(
        id=order_id,
        customer_id="k-1",
        placed_at=T0.add(days=days),
        lines=lines or [OrderLine("1", "toys", Money("199.90", "NOK"))],
    )


def nok(amount: str) -> Money:
    return Money(amount, "NOK")


class TestOrders:
    def test_an_order_totals_its_lines(self) -> None:
        """An order's total is the sum of its lines, in its one currency."""
        placed = order(
            "o-1", OrderLine("1", "books", nok("100")), OrderLine("2", "toys", nok("0.5"))
        )
        assert placed.total == nok("100.5")
        assert placed.currency == "NOK"

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: OrderLine("1", "toys", Money("-5", "NOK")), "amount"),
            (lambda: OrderLine("1", "toys", Decimal(5)), "amount"),
            (lambda: OrderLine(" 1", "toys", Money(5, "NOK")), "line_id"),
            (lambda: OrderLine("1", "", Money(5, "NOK")), "category"),
            (
                lambda: order("o-1", OrderLine("1", "a", nok("1")), OrderLine("1", "b", nok("2"))),
                "lines",
            ),
            (
                lambda: order(
                    "o-1", OrderLine("1", "a", nok("1")), OrderLine("2", "a", Money(1, "EUR"))
                ),
                "lines",
            ),
            (lambda: Order(id="o", customer_id="k", placed_at=T0, lines=[]), "lines"),
            (lambda: Order(id="o", customer_id="k", placed_at=T0, lines="1"), "lines"),
            (lambda: Order(id="o", customer_id="k", placed_at=T0, lines=["1"]), "lines"),
            (
                lambda: Order(
                    id="o",
                    customer_id="k",
                    placed_at=T0.naive(),
                    lines=[OrderLine("1", "a", nok("1"))],
                ),
                "placed_at",
            ),
        ],
    )
    def test_bad_orders_are_refused(self, build: object, field: str) -> None:
        """Negative amounts, mixed currencies, duplicate or no lines, naive times: refused."""
        with pytest.raises(ValidationError) as raised:
            build()  # type: ignore[operator]
        assert raised.value.field == field

    def test_non_finite_amounts_are_refused(self) -> None:
        """An infinite or NaN amount never becomes Money, so it never reaches an order."""
        with pytest.raises(ValidationError, match="finite"):
            Money("Infinity", "NOK")


class TestEarning:
    def test_points_per_unit_and_category_rates(self) -> None:
        """Each line earns its category's rate, or the base rate; zero-rated lines earn nothing."""
        lines = (
            OrderLine("1", "books", nok("450.50")),
            OrderLine("2", "toys", nok("199.90")),
            OrderLine("3", "gift-cards", nok("500")),
        )
        award = PointsAccount.open("k-1").award(order("o-1", *lines), PROGRAM, at=T0)
        earned = award.value.award_for("o-1")
        assert earned is not None
        assert [(line.points, line.qualifying, line.qualifies) for line in earned.lines] == [
            (901, 901, True),
            (199, 199, True),
            (0, 0, False),
        ]
        assert earned.points == 1100

    def test_rounding_is_down_per_line_after_the_tier_multiplier(self) -> None:
        """At x1.25 a 199.90 line earns floor(249.875) = 249 points and 199 qualifying points."""
        account = (
            PointsAccount.open("k-1")
            .award(order("o-1", OrderLine("1", "books", nok("500"))), PROGRAM, at=T0)
            .value
        )  # 1000 qualifying points: silver from now on
        account = account.award(order("o-2", days=1), PROGRAM, at=T0.add(days=1)).value
        second = account.award_for("o-2")
        assert second is not None
        assert (second.tier, second.multiplier) == ("silver", Decimal("1.25"))
        assert (second.points, second.qualifying) == (249, 199)

    def test_the_multiplier_is_the_tier_held_before_the_order(self) -> None:
        """The order that lifts a member into a tier earns at the tier they came from."""
        account = (
            PointsAccount.open("k-1")
            .award(order("o-1", OrderLine("1", "books", nok("600"))), PROGRAM, at=T0)
            .value
        )
        first = account.award_for("o-1")
        assert first is not None
        assert (first.tier, first.points) == ("member", 1200)

    def test_an_award_emits_its_event(self) -> None:
        """loyalty.points_awarded names the order, points, tier and when they can be used."""
        _, events = PointsAccount.open("k-1").award(order(), PROGRAM, at=T0)
        (event,) = events
        assert event.type == "loyalty.points_awarded"
        assert event.customer_id == event.aggregate_id == "k-1"
        assert dict(event.payload) == {
            "order_id": "o-1",
            "points": 199,
            "qualifying": 199,
            "tier": "member",
            "available_at": "2026-03-16T09:00:00.000000+00:00",
            "expires_at": None,
        }

    def test_replaying_an_order_pays_once(self) -> None:
        """Awarding the same order again changes nothing and emits nothing."""
        account = PointsAccount.open("k-1").award(order(), PROGRAM, at=T0).value
        again = account.award(order(), PROGRAM, at=T0.add(hours=1))
        assert again.value is account
        assert again.events == ()

    def test_replaying_an_order_with_other_lines_is_refused(self) -> None:
        """An order id already awarded with different lines raises DuplicateError."""
        account = PointsAccount.open("k-1").award(order(), PROGRAM, at=T0).value
        changed = order("o-1", OrderLine("1", "toys", nok("999")))
        with pytest.raises(DuplicateError, match="o-1"):
            account.award(changed, PROGRAM, at=T0)

    @pytest.mark.parametrize(
        ("bad", "field"),
        [
            (
                Order(
                    id="o-1",
                    customer_id="k-1",
                    placed_at=T0,
                    lines=[OrderLine("1", "toys", Money(10, "EUR"))],
                ),
                "currency",
            ),
            (
                Order(
                    id="o-1",
                    customer_id="k-2",
                    placed_at=T0,
                    lines=[OrderLine("1", "toys", nok("10"))],
                ),
                "customer_id",
            ),
            (order(days=1), "placed_at"),
            ("o-1", "order"),
        ],
    )
    def test_bad_awards_are_refused_and_change_nothing(self, bad: object, field: str) -> None:
        """Another currency, another customer, a future order or a non-order: refused."""
        account = PointsAccount.open("k-1")
        with pytest.raises(ValidationError) as raised:
            account.award(bad, PROGRAM, at=T0)  # type: ignore[arg-type]
        assert raised.value.field == field
        assert account.entries == ()


class TestBonusPoints:
    def test_bonus_points_are_available_at_once_and_never_qualify(self) -> None:
        """Goodwill points can be spent at once and do not count towards a tier."""
        account, events = PointsAccount.open("k-1").grant_points(
            "complaint-c1", 2000, PROGRAM, at=T0, note="sorry"
        )
        assert account.available(T0) == 2000
        assert account.tier(PROGRAM, T0).name == "member"
        assert [event.type for event in events] == ["loyalty.points_granted"]

    def test_granting_a_source_again_pays_once(self) -> None:
        """The same source and points changes nothing; other points for it are refused."""
        account = PointsAccount.open("k-1").grant_points("c1", 50, PROGRAM, at=T0).value
        assert account.grant_points("c1", 50, PROGRAM, at=T0).value is account
        with pytest.raises(DuplicateError, match="c1"):
            account.grant_points("c1", 60, PROGRAM, at=T0)

    @pytest.mark.parametrize("points", [0, -5, 1.5, True, "50"])
    def test_bonus_points_must_be_whole_and_positive(self, points: object) -> None:
        """Zero, negative, fractional or non-number bonus points are refused."""
        with pytest.raises(ValidationError, match="points"):
            PointsAccount.open("k-1").grant_points("c1", points, PROGRAM, at=T0)  # type: ignore[arg-type]


amounts = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)


class TestEarningProperties:
    @settings(deadline=None, max_examples=200)
    @given(
        amount=amounts,
        rate=st.decimals(min_value=0, max_value=10, places=3),
        multiplier=st.decimals(min_value=Decimal("0.5"), max_value=3, places=2),
    )
    def test_a_line_earns_its_exact_points_rounded_down(
        self, amount: Decimal, rate: Decimal, multiplier: Decimal
    ) -> None:
        """Line points are the exact product rounded down: never more, less by under one."""
        program = LoyaltyProgram(
            currency="NOK",
            points_per_unit=rate,
            tiers=[Tier("member", multiplier=multiplier)],
        )
        (line,) = program.earn(
            order("o-1", OrderLine("1", "x", nok(str(amount)))), program.tiers[0]
        )
        exact = amount * rate * multiplier
        assert line.points <= exact < line.points + 1
        assert line.qualifying <= amount * rate < line.qualifying + 1

    @settings(deadline=None, max_examples=100)
    @given(st.lists(amounts, min_size=1, max_size=8))
    def test_per_line_rounding_never_pays_more_than_the_order_total_would(
        self, line_amounts: list[Decimal]
    ) -> None:
        """Per-line rounding pays at most the order total, and under one point less per line."""
        lines = [
            OrderLine(str(index), "toys", nok(str(amount)))
            for index, amount in enumerate(line_amounts)
        ]
        earned = PROGRAM.earn(order("o-1", *lines), PROGRAM.tiers[0])
        total = sum(line_amounts)
        paid = sum(line.points for line in earned)
        assert paid <= total
        assert total - paid < len(lines)
