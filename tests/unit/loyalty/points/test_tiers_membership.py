import datetime as dt
from decimal import Decimal

import attrs
import pendulum
import pytest

from custrel.errors import DuplicateError, InvalidTransitionError, ValidationError
from custrel.loyalty import (
    Downgrade,
    LoyaltyProgram,
    Order,
    OrderLine,
    PointsAccount,
    QualifyingWindow,
    Tier,
    TierBasis,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Europe/Oslo")
TIERS = [
    Tier("member"),
    Tier("silver", 1000, multiplier=Decimal("1.25"), discount=5),
    Tier("gold", 5000, multiplier=Decimal("1.5"), discount=10),
]
ROLLING = LoyaltyProgram(currency="NOK", tiers=TIERS, tier_window=QualifyingWindow.rolling(365))
YEARLY = LoyaltyProgram(
    currency="NOK",
    tiers=TIERS,
    tier_window=QualifyingWindow.calendar_year(),
    downgrade=Downgrade.end_of_period(),
    timezone="Europe/Oslo",
)
GRACE = attrs.evolve(ROLLING, downgrade=Downgrade.after_grace(60))


def order(order_id: str, amount: str, at: pendulum.DateTime, category: str = "toys") -> Order:
    return Order(
        id=order_id,
        customer_id="k-1",
        placed_at=at,
        lines=[OrderLine("1", category, Money(amount, "NOK"))],
    )


def buy(
    account: PointsAccount,
    program: LoyaltyProgram,
    order_id: str,
    amount: str,
    at: pendulum.DateTime,
) -> PointsAccount:
    return account.award(order(order_id, amount, at), program, at=at).value


class TestRollingWindow:
    def test_a_member_moves_up_when_qualifying_points_cross_a_threshold(self) -> None:
        """Reaching 1000 qualifying points in the window makes the member silver at once."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "999", T0)
        assert account.tier(ROLLING, T0).name == "member"
        account = buy(account, ROLLING, "o-2", "1", T0.add(days=1))
        assert account.tier(ROLLING, T0.add(days=1)).name == "silver"

    def test_immediate_downgrade_when_a_purchase_leaves_the_window(self) -> None:
        """365 days after the order it no longer counts and the tier drops."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "1200", T0)
        assert account.tier(ROLLING, T0.add(days=364)).name == "silver"
        assert account.tier(ROLLING, T0.add(days=365)).name == "member"

    def test_redemption_does_not_lower_the_tier(self) -> None:
        """Qualifying points are counted apart from the balance: spending keeps the tier."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "1200", T0)
        account = account.redeem(1200, at=T0.add(days=1)).value
        status = account.status(ROLLING, T0.add(days=1))
        assert (status.balance, status.qualifying_points, status.tier.name) == (0, 1200, "silver")

    def test_a_returned_purchase_never_qualified(self) -> None:
        """A return takes its qualifying points away, so the tier it reached goes too."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "1200", T0)
        account = account.reverse(
            "o-1", ROLLING, at=T0.add(days=5), returned={"1": Money("300", "NOK")}
        ).value
        assert account.status(ROLLING, T0.add(days=5)).qualifying_points == 900
        assert account.tier(ROLLING, T0.add(days=5)).name == "member"


class TestCalendarYearWindow:
    def test_a_tier_reached_in_one_year_is_kept_through_the_next(self) -> None:
        """Silver reached in 2026 holds all 2027 and ends when 2028 begins (Oslo time)."""
        account = buy(PointsAccount.open("k-1"), YEARLY, "o-1", "1500", T0)
        assert (
            account.tier(YEARLY, pendulum.datetime(2027, 12, 31, 23, 59, tz="Europe/Oslo")).name
            == "silver"
        )
        assert (
            account.tier(YEARLY, pendulum.datetime(2028, 1, 1, tz="Europe/Oslo")).name == "member"
        )

    def test_qualifying_points_restart_each_year(self) -> None:
        """The status counts only the current calendar year's purchases."""
        account = buy(PointsAccount.open("k-1"), YEARLY, "o-1", "1500", T0)
        status = account.status(YEARLY, pendulum.datetime(2027, 2, 1, tz="Europe/Oslo"))
        assert status.qualifying_points == 0
        assert (status.tier.name, status.next_tier, status.to_next_tier) == (
            "silver",
            TIERS[2],
            Decimal(5000),
        )

    def test_last_years_order_awarded_this_year_counts_for_last_year(self) -> None:
        """An order placed in December and awarded in January qualifies for December's year."""
        december = pendulum.datetime(2026, 12, 30, tz="Europe/Oslo")
        account = (
            PointsAccount.open("k-1")
            .award(order("o-1", "1500", december), YEARLY, at=december.add(days=5))
            .value
        )
        assert (
            account.tier(YEARLY, pendulum.datetime(2027, 6, 1, tz="Europe/Oslo")).name == "silver"
        )


class TestGracePeriod:
    def test_a_tier_is_kept_for_the_grace_period_after_falling_below(self) -> None:
        """Below the threshold for less than 60 days keeps the tier; 60 days drops it."""
        account = buy(PointsAccount.open("k-1"), GRACE, "o-1", "1200", T0)
        fall = T0 + dt.timedelta(days=365)  # windows and grace periods count 24-hour days
        assert account.tier(GRACE, fall + dt.timedelta(days=60, seconds=-1)).name == "silver"
        assert account.tier(GRACE, fall + dt.timedelta(days=60)).name == "member"

    def test_the_grace_period_only_looks_back(self) -> None:
        """Before anything qualified, the grace period grants nothing."""
        account = buy(PointsAccount.open("k-1"), GRACE, "o-1", "500", T0)
        account = buy(account, GRACE, "o-2", "500", T0.add(days=10))
        assert account.tier(GRACE, T0.add(days=9)).name == "member"
        assert account.tier(GRACE, T0.add(days=10)).name == "silver"


class TestSpendBasis:
    def test_tiers_on_spend_count_the_amount_of_earning_lines(self) -> None:
        """With a spend basis, lines that earn count their amount; zero-rated lines do not."""
        program = attrs.evolve(
            ROLLING,
            tier_basis=TierBasis.SPEND,
            points_per_unit=Decimal("0.1"),
            category_rates={"gift-cards": 0},
        )
        account = (
            PointsAccount.open("k-1")
            .award(
                Order(
                    id="o-1",
                    customer_id="k-1",
                    placed_at=T0,
                    lines=[
                        OrderLine("1", "toys", Money("800", "NOK")),
                        OrderLine("2", "gift-cards", Money("500", "NOK")),
                    ],
                ),
                program,
                at=T0,
            )
            .value
        )
        status = account.status(program, T0)
        assert status.qualifying_spend == Money("800", "NOK")
        assert status.qualifying_points == 80
        assert status.tier.name == "member"
        assert status.to_next_tier == Decimal(200)
        account = buy(account, program, "o-2", "200", T0.add(days=1))
        assert account.tier(program, T0.add(days=1)).name == "silver"
        account = account.reverse("o-2", program, at=T0.add(days=2)).value
        assert account.tier(program, T0.add(days=2)).name == "member"


class TestGrantedTiers:
    def test_a_granted_tier_holds_until_it_ends(self) -> None:
        """A status match gives the tier from now until the end; then the earned tier rules."""
        account, events = PointsAccount.open("k-1").grant_tier(
            "gold", ROLLING, at=T0, until=T0.add(days=90), key="match", note="status match"
        )
        assert account.tier(ROLLING, T0.add(days=89)).name == "gold"
        assert account.tier(ROLLING, T0.add(days=90)).name == "member"
        assert [event.type for event in events] == ["loyalty.tier_granted", "loyalty.tier_changed"]

    def test_the_higher_of_granted_and_earned_tier_wins(self) -> None:
        """A granted silver does not lower an earned gold."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "6000", T0)
        account = account.grant_tier("silver", ROLLING, at=T0, until=T0.add(days=30)).value
        assert account.tier(ROLLING, T0.add(days=1)).name == "gold"

    def test_granting_an_unknown_tier_is_refused(self) -> None:
        """Only the program's tiers can be granted."""
        with pytest.raises(ValidationError, match="unknown tier"):
            PointsAccount.open("k-1").grant_tier("platinum", ROLLING, at=T0, until=T0.add(days=1))

    def test_a_grant_must_end_after_it_starts(self) -> None:
        """A grant ending at or before its start is refused."""
        with pytest.raises(ValidationError, match="until"):
            PointsAccount.open("k-1").grant_tier("gold", ROLLING, at=T0, until=T0)

    def test_a_replayed_grant_is_recorded_once(self) -> None:
        """The same grant id and tier changes nothing; another tier under it is refused."""
        account = (
            PointsAccount.open("k-1")
            .grant_tier("gold", ROLLING, at=T0, until=T0.add(days=9), key="g")
            .value
        )
        assert (
            account.grant_tier("gold", ROLLING, at=T0, until=T0.add(days=9), key="g").value
            is account
        )
        with pytest.raises(DuplicateError, match="g"):
            account.grant_tier("silver", ROLLING, at=T0, until=T0.add(days=9), key="g")

    def test_a_grant_of_a_tier_the_program_dropped_gives_nothing(self) -> None:
        """When the program no longer has the granted tier, the member keeps the earned one."""
        account = (
            PointsAccount.open("k-1").grant_tier("gold", ROLLING, at=T0, until=T0.add(days=9)).value
        )
        smaller = attrs.evolve(ROLLING, tiers=TIERS[:2])
        assert account.tier(smaller, T0.add(days=1)).name == "member"


class TestTierAnnouncements:
    def test_each_change_is_announced_once(self) -> None:
        """sync_tier records a change the member was not told about, and only once."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "1200", T0)
        assert account.announced_tier(ROLLING) == "silver"
        later = T0.add(days=400)
        account, events = account.sync_tier(ROLLING, at=later)
        assert [dict(event.payload) for event in events] == [
            {"tier": "member", "previous": "silver", "direction": "down"}
        ]
        assert account.sync_tier(ROLLING, at=later).events == ()

    def test_a_change_from_a_tier_the_program_dropped_counts_as_up(self) -> None:
        """When the announced tier is unknown to the program now, the change reads as up."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "6000", T0)
        renamed = attrs.evolve(ROLLING, tiers=[Tier("basic"), Tier("plus", 1000)])
        _, events = account.sync_tier(renamed, at=T0)
        assert dict(events[0].payload) == {"tier": "plus", "previous": "gold", "direction": "up"}

    def test_status_reports_tier_benefits(self) -> None:
        """The status carries the tier's member discount and the way to the next tier."""
        account = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "1200", T0)
        status = account.status(ROLLING, T0)
        assert (status.tier.name, status.discount, status.to_next_tier) == (
            "silver",
            Decimal(5),
            Decimal(3800),
        )
        top = buy(account, ROLLING, "o-2", "4000", T0).status(ROLLING, T0)
        assert (top.tier.name, top.next_tier, top.to_next_tier) == ("gold", None, None)


class TestMerge:
    def test_a_merged_ledger_brings_its_points_and_history(self) -> None:
        """The survivor holds both ledgers' points; colliding keys are renamed."""
        survivor = buy(PointsAccount.open("k-1"), ROLLING, "o-1", "800", T0)
        duplicate = (
            PointsAccount.open("k-9")
            .award(
                Order(
                    id="o-1",
                    customer_id="k-9",
                    placed_at=T0,
                    lines=[OrderLine("1", "toys", Money("300", "NOK"))],
                ),
                ROLLING,
                at=T0,
            )
            .value
        )
        duplicate = duplicate.redeem(100, at=T0.add(days=1)).value
        merged, events = survivor.absorb(duplicate, at=T0.add(days=2))
        kept = merged.survivor
        assert [award.key for award in kept.awards] == ["o-1", "k-9/o-1"]
        assert kept.entries[-1].allocations[0].award == "k-9/o-1"
        assert kept.balance(T0.add(days=2)) == 800 + 200
        assert kept.tier(ROLLING, T0.add(days=2)).name == "silver"
        assert merged.closed.balance(T0.add(days=2)) == 0
        assert merged.closed.balance(T0.add(days=1)) == 200
        assert dict(events[0].payload) == {
            "survivor_id": "k-1",
            "merged_id": "k-9",
            "entries": 2,
            "points": 200,
        }

    def test_a_closed_ledger_refuses_new_work(self) -> None:
        """After a merge the duplicate's ledger takes no awards or redemptions."""
        duplicate = PointsAccount.open("k-9").grant_points("w", 100, ROLLING, at=T0).value
        closed = PointsAccount.open("k-1").absorb(duplicate, at=T0).value.closed
        with pytest.raises(InvalidTransitionError, match="merged into 'k-1'"):
            closed.redeem(10, at=T0)
        with pytest.raises(InvalidTransitionError):
            PointsAccount.open("k-2").absorb(closed, at=T0)
        assert closed.sync_tier(ROLLING, at=T0).value is closed
        assert closed.purchases(T0) == ()
        assert closed.tier(ROLLING, T0).name == "member"

    def test_a_debt_on_one_side_is_paid_from_the_other(self) -> None:
        """Merging a ledger with a debt into one with points settles the debt."""
        duplicate = (
            PointsAccount.open("k-9")
            .award(
                Order(
                    id="o-1",
                    customer_id="k-9",
                    placed_at=T0,
                    lines=[OrderLine("1", "t", Money("100", "NOK"))],
                ),
                ROLLING,
                at=T0,
            )
            .value
        )
        duplicate = duplicate.redeem(100, at=T0).value
        duplicate = duplicate.reverse("o-1", ROLLING, at=T0).value
        assert duplicate.debt(T0) == 100
        survivor = PointsAccount.open("k-1").grant_points("w", 150, ROLLING, at=T0).value
        merged, events = survivor.absorb(duplicate, at=T0)
        assert merged.survivor.debt(T0) == 0
        assert merged.survivor.available(T0) == 50
        assert [event.type for event in events] == ["loyalty.ledger_merged", "loyalty.debt_settled"]

    def test_a_ledger_cannot_absorb_itself(self) -> None:
        """Merging a ledger into itself, or a non-ledger, is refused."""
        account = PointsAccount.open("k-1")
        with pytest.raises(ValidationError, match="itself"):
            account.absorb(PointsAccount.open("k-1"), at=T0)
        with pytest.raises(ValidationError, match="PointsAccount"):
            account.absorb("k-2", at=T0)  # type: ignore[arg-type]

    def test_erasure_blanks_notes_only(self) -> None:
        """redacted() removes free-text notes and keeps points, keys and instants."""
        account = (
            PointsAccount.open("k-1")
            .grant_points("w", 100, ROLLING, at=T0, note="Kari called")
            .value
        )
        account = account.redeem(10, at=T0, note="for Kari's son").value
        account = account.grant_tier(
            "gold", ROLLING, at=T0, until=T0.add(days=1), note="VIP Kari"
        ).value
        redacted = account.redacted()
        assert all(getattr(entry, "note", "") == "" for entry in redacted.entries)
        assert redacted.totals(T0) == account.totals(T0)
        assert [entry.key for entry in redacted.entries] == [entry.key for entry in account.entries]


def customer_order(customer_id: str, order_id: str, amount: str, at: pendulum.DateTime) -> Order:
    return Order(
        id=order_id,
        customer_id=customer_id,
        placed_at=at,
        lines=[OrderLine("1", "toys", Money(amount, "NOK"))],
    )


class TestMergeDetails:
    def test_colliding_redemptions_and_returns_are_renamed_with_their_references(self) -> None:
        """Every colliding key is renamed, and returns follow their renamed order."""
        survivor = (
            PointsAccount.open("k-1")
            .award(customer_order("k-1", "o-1", "100", T0), ROLLING, at=T0)
            .value
        )
        survivor = survivor.redeem(10, at=T0).value
        survivor = survivor.reverse("o-1", ROLLING, at=T0).value
        duplicate = (
            PointsAccount.open("k-9")
            .award(customer_order("k-9", "o-1", "300", T0), ROLLING, at=T0)
            .value
        )
        duplicate = duplicate.redeem(10, at=T0).value
        duplicate = duplicate.reverse(
            "o-1", ROLLING, at=T0, returned={"1": Money("30", "NOK")}
        ).value
        kept = survivor.absorb(duplicate, at=T0).value.survivor
        keys = [(entry.kind, entry.key) for entry in kept.entries if entry.kind != "tier_change"]
        assert keys == [
            ("award", "o-1"),
            ("redemption", "redemption-1"),
            ("reversal", "o-1/return-1"),
            ("award", "k-9/o-1"),
            ("redemption", "k-9/redemption-1"),
            ("reversal", "k-9/o-1/return-1"),
            ("settlement", "settlement-1"),  # the survivor's debt of 10, paid from k-9's points
        ]
        moved_return = kept.entries[-2]
        assert moved_return.order_id == "k-9/o-1"  # type: ignore[union-attr]
        assert kept.balance(T0) == 300 - 10 - 30 - 10

    def test_too_long_renamed_keys_are_hashed(self) -> None:
        """A renamed key that would exceed the id length becomes a stable hash."""
        long_id = "k" * 200
        survivor = PointsAccount.open("k-1").grant_points("w", 1, ROLLING, at=T0).value
        duplicate = PointsAccount.open(long_id).grant_points("w", 2, ROLLING, at=T0).value
        kept = survivor.absorb(duplicate, at=T0).value.survivor
        renamed = kept.awards[-1].key
        assert renamed.startswith("merged/")
        assert len(renamed) <= 200

    def test_the_merge_is_dated_no_earlier_than_either_ledger(self) -> None:
        """A merge recorded with an old clock reading is dated at the later ledger's last entry."""
        survivor = PointsAccount.open("k-1")
        duplicate = PointsAccount.open("k-9").grant_points("w", 2, ROLLING, at=T0.add(days=3)).value
        closed = survivor.absorb(duplicate, at=T0).value.closed
        assert closed.closed is not None
        assert closed.closed.at == T0.add(days=3)


class TestPurchasesAndDebts:
    def test_purchases_are_orders_net_of_refunds(self) -> None:
        """Orders returned in full are no purchase; a partial refund lowers what was kept."""
        account = PointsAccount.open("k-1")
        for number, amount in enumerate(("100", "200", "0")):
            account = account.award(
                customer_order("k-1", f"o-{number}", amount, T0.add(days=number)),
                ROLLING,
                at=T0.add(days=number),
            ).value
        account = account.grant_points("bonus", 5, ROLLING, at=T0.add(days=3)).value
        account = account.reverse("o-0", ROLLING, at=T0.add(days=4)).value
        account = account.reverse(
            "o-1", ROLLING, at=T0.add(days=4), returned={"1": Money("50", "NOK")}
        ).value
        assert [
            (purchase.order_id, purchase.kept) for purchase in account.purchases(T0.add(days=4))
        ] == [
            ("o-1", Money("150", "NOK")),
            ("o-2", Money("0", "NOK")),
        ]
        assert [purchase.order_id for purchase in account.purchases(T0.add(days=3))] == [
            "o-0",
            "o-1",
            "o-2",
        ]

    def test_an_award_without_points_leaves_a_debt_in_place(self) -> None:
        """A debt waits for points; an order that earns none settles nothing."""
        account = (
            PointsAccount.open("k-1")
            .award(customer_order("k-1", "o-1", "100", T0), ROLLING, at=T0)
            .value
        )
        account = account.redeem(100, at=T0).value
        account = account.reverse("o-1", ROLLING, at=T0).value
        account, events = account.award(customer_order("k-1", "o-2", "0.50", T0), ROLLING, at=T0)
        assert [event.type for event in events] == ["loyalty.points_awarded"]
        assert account.debt(T0) == 100
