import json

import attrs
import pendulum
import pytest

from custrel.errors import DuplicateError, InvalidTransitionError, NotFoundError, ValidationError
from custrel.loyalty import (
    Allocation,
    AwardLine,
    Expiry,
    LoyaltyProgram,
    Order,
    OrderLine,
    PointsAccount,
    PointsAwarded,
    PointsRedeemed,
    PointsReversed,
    Shortfall,
    Tier,
    ledger_entry_from_dict,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Europe/Oslo")
PROGRAM = LoyaltyProgram(
    currency="NOK",
    return_window=14,
    expiry=Expiry.after_days(365),
    tiers=[Tier("member"), Tier("silver", 1000)],
)
FORGIVING = attrs.evolve(PROGRAM, shortfall=Shortfall.FORGIVE)


def nok(amount: str) -> Money:
    return Money(amount, "NOK")


def order(order_id: str, *amounts: str, days: int = 0) -> Order:
    return Order(
        id=order_id,
        customer_id="k-1",
        placed_at=T0.add(days=days),
        lines=[
            OrderLine(str(index + 1), "toys", nok(amount)) for index, amount in enumerate(amounts)
        ],
    )


def awarded(*orders: Order, program: LoyaltyProgram = PROGRAM) -> PointsAccount:
    account = PointsAccount.open("k-1")
    for placed in orders:
        account = account.award(placed, program, at=placed.placed_at).value
    return account


class TestPendingAndExpiry:
    def test_points_are_pending_for_the_return_window(self) -> None:
        """Points are pending until 14 days after the order, then available."""
        account = awarded(order("o-1", "300"))
        assert (account.pending(T0.add(days=13)), account.available(T0.add(days=13))) == (300, 0)
        assert (account.pending(T0.add(days=14)), account.available(T0.add(days=14))) == (0, 300)
        assert account.balance(T0.add(days=13)) == account.balance(T0.add(days=14)) == 300

    def test_an_award_recorded_after_the_window_is_available_at_once(self) -> None:
        """An order awarded late (a batch job) is not locked again from the award on."""
        late = PointsAccount.open("k-1").award(order("o-1", "300"), PROGRAM, at=T0.add(days=20))
        assert late.value.available(T0.add(days=20)) == 300

    def test_points_expire_counting_from_when_they_became_available(self) -> None:
        """365 days after availability the points left are expired and leave the balance."""
        account = awarded(order("o-1", "300"))
        expiry = T0.add(days=14).add(days=365)
        assert account.available(expiry.subtract(seconds=1)) == 300
        totals = account.totals(expiry)
        assert (totals.available, totals.expired, totals.balance) == (0, 300, 0)

    def test_the_expiry_schedule_lists_points_soonest_first(self) -> None:
        """expiring() gives each future expiry instant with the points that go then."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=10))
        account = account.redeem(50, at=T0.add(days=30)).value
        assert account.expiring(T0.add(days=30)) == (
            (T0.add(days=379), 250),
            (T0.add(days=389), 100),
        )

    def test_status_counts_points_expiring_soon(self) -> None:
        """Points expiring within the program's warning period are expiring soon."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=10))
        status = account.status(PROGRAM, T0.add(days=379 - 30))
        assert status.expiring_soon == 300
        assert status.balance == 400


class TestRedemption:
    def test_redemption_takes_the_soonest_expiring_points_and_records_them(self) -> None:
        """Points that expire first are used first; the redemption names its awards."""
        account = awarded(order("o-2", "100", days=10), order("o-1", "300"))
        account, events = account.redeem(350, at=T0.add(days=30), key="r-1", note="voucher")
        (redemption,) = [entry for entry in account.entries if isinstance(entry, PointsRedeemed)]
        assert redemption.allocations == (Allocation("o-1", 300), Allocation("o-2", 50))
        assert account.available(T0.add(days=30)) == 50
        assert events[0].type == "loyalty.points_redeemed"
        assert events[0].payload["available"] == 50
        assert events[0].payload["allocations"] == [
            {"award": "o-1", "points": 300},
            {"award": "o-2", "points": 50},
        ]

    def test_never_expiring_points_are_used_last(self) -> None:
        """Points without an expiry are kept for last."""
        program = attrs.evolve(PROGRAM, expiry=Expiry.never())
        account = PointsAccount.open("k-1").award(order("o-1", "100"), program, at=T0).value
        account = account.award(order("o-2", "100", days=1), PROGRAM, at=T0.add(days=1)).value
        account = account.redeem(150, at=T0.add(days=20)).value
        redemption = account.entries[-1]
        assert isinstance(redemption, PointsRedeemed)
        assert redemption.allocations == (Allocation("o-2", 100), Allocation("o-1", 50))

    def test_pending_points_cannot_be_redeemed(self) -> None:
        """Redeeming more than the available (not pending) points is refused, naming them."""
        account = awarded(order("o-1", "300"))
        with pytest.raises(ValidationError, match="only 0 points are available"):
            account.redeem(1, at=T0.add(days=1))

    def test_redeeming_more_than_available_changes_nothing(self) -> None:
        """An overdraft raises ValidationError and the ledger is untouched."""
        account = awarded(order("o-1", "300"))
        with pytest.raises(ValidationError) as raised:
            account.redeem(301, at=T0.add(days=20))
        assert raised.value.field == "points"
        assert len(account.entries) == 1

    @pytest.mark.parametrize("points", [0, -1, 2.5, True, None])
    def test_redemptions_are_whole_positive_points(self, points: object) -> None:
        """Zero, negative, fractional, bool or missing points are refused."""
        with pytest.raises(ValidationError, match="points"):
            awarded(order("o-1", "300")).redeem(points, at=T0.add(days=20))  # type: ignore[arg-type]

    def test_a_replayed_redemption_spends_once(self) -> None:
        """The same redemption id redeems once; another amount under it is refused."""
        account = awarded(order("o-1", "300")).redeem(100, at=T0.add(days=20), key="r-1").value
        again = account.redeem(100, at=T0.add(days=21), key="r-1")
        assert again.value is account
        assert again.events == ()
        with pytest.raises(DuplicateError, match="r-1"):
            account.redeem(50, at=T0.add(days=21), key="r-1")

    def test_redemptions_without_an_id_get_numbered_keys(self) -> None:
        """Each call without an id redeems, under redemption-1, redemption-2, ..."""
        account = awarded(order("o-1", "300"))
        for _ in range(2):
            account = account.redeem(10, at=T0.add(days=20)).value
        assert [entry.key for entry in account.entries[1:]] == ["redemption-1", "redemption-2"]

    def test_an_entry_is_never_dated_before_the_ledger_latest(self) -> None:
        """An operation with an earlier clock reading is recorded at the latest entry's instant."""
        account = awarded(order("o-1", "300")).redeem(10, at=T0.add(days=20)).value
        account = account.redeem(10, at=T0.add(days=19)).value
        assert account.entries[-1].at == T0.add(days=20)


class TestReturns:
    def test_a_full_return_takes_back_every_point(self) -> None:
        """Returning the whole order reverses its points and qualifying points."""
        account = awarded(order("o-1", "600", "500"))
        assert account.tier(PROGRAM, T0).name == "silver"
        account, events = account.reverse("o-1", PROGRAM, at=T0.add(days=2))
        assert account.balance(T0.add(days=2)) == 0
        assert account.tier(PROGRAM, T0.add(days=2)).name == "member"
        assert [event.type for event in events] == [
            "loyalty.points_reversed",
            "loyalty.tier_changed",
        ]
        assert events[0].payload["points"] == 1100

    def test_a_partial_return_keeps_the_points_of_what_was_kept_rounded_down(self) -> None:
        """Refunding 1/3 of a 100-point line keeps floor(100 x 2/3) = 66 points."""
        account = awarded(order("o-1", "99", "200"))  # 99 and 200 points
        account = account.reverse(
            "o-1", PROGRAM, at=T0.add(days=1), returned={"1": nok("33")}
        ).value
        reversal = account.entries[-1]
        assert isinstance(reversal, PointsReversed)
        assert reversal.points == 33
        assert account.balance(T0.add(days=1)) == 66 + 200

    def test_partial_returns_add_up_to_one_return_of_the_total(self) -> None:
        """Three refunds of a line take back what one refund of their sum would."""
        one = awarded(order("o-1", "100")).reverse(
            "o-1", PROGRAM, at=T0.add(days=1), returned={"1": nok("30")}
        )
        several = awarded(order("o-1", "100"))
        for amount in ("10", "15", "5"):
            several = several.reverse(
                "o-1", PROGRAM, at=T0.add(days=1), returned={"1": nok(amount)}
            ).value
        assert several.balance(T0.add(days=1)) == one.value.balance(T0.add(days=1)) == 70
        rest = several.reverse("o-1", PROGRAM, at=T0.add(days=1)).value
        assert rest.balance(T0.add(days=1)) == 0

    def test_returning_an_order_twice_in_full_is_refused(self) -> None:
        """Nothing is left to return after a full return."""
        account = awarded(order("o-1", "100")).reverse("o-1", PROGRAM, at=T0).value
        with pytest.raises(InvalidTransitionError, match="already returned in full"):
            account.reverse("o-1", PROGRAM, at=T0)

    def test_a_replayed_return_reverses_once(self) -> None:
        """The same return id reverses once; the same id for other lines is refused."""
        account = awarded(order("o-1", "100", "50"))
        account = account.reverse("o-1", PROGRAM, at=T0, returned={"1": nok("50")}, key="rma").value
        again = account.reverse("o-1", PROGRAM, at=T0, returned={"1": nok("50")}, key="rma")
        assert again.value is account
        assert account.reverse("o-1", PROGRAM, at=T0, key="rma").value is account
        with pytest.raises(DuplicateError, match="rma"):
            account.reverse("o-1", PROGRAM, at=T0, returned={"2": nok("50")}, key="rma")

    def test_a_return_for_an_unknown_order_raises_not_found(self) -> None:
        """No award for the order: NotFoundError, nothing changes."""
        account = awarded(order("o-1", "100"))
        with pytest.raises(NotFoundError, match="o-9"):
            account.reverse("o-9", PROGRAM, at=T0)
        bonus = account.grant_points("c-1", 10, PROGRAM, at=T0).value
        with pytest.raises(NotFoundError, match="c-1"):
            bonus.reverse("c-1", PROGRAM, at=T0)

    @pytest.mark.parametrize(
        ("returned", "message"),
        [
            ({"9": Money("10", "NOK")}, "no such line"),
            ({"1": Money("0", "NOK")}, "above zero"),
            ({"1": Money("10", "EUR")}, "paid in NOK"),
            ({"1": Money("100.01", "NOK")}, "only 100"),
            ({"1": "10"}, "above zero"),
            ({}, "mapping"),
        ],
    )
    def test_bad_refunds_are_refused(self, returned: dict[str, object], message: str) -> None:
        """Unknown lines, non-positive, foreign or excessive refunds raise ValidationError."""
        account = awarded(order("o-1", "100"))
        with pytest.raises(ValidationError, match=message):
            account.reverse("o-1", PROGRAM, at=T0, returned=returned)  # type: ignore[arg-type]

    def test_redeemed_points_are_recovered_from_other_points_then_owed(self) -> None:
        """Under RECOVER, a return of spent points takes other points, then leaves a debt."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=1))
        account = account.redeem(250, at=T0.add(days=20)).value  # all from o-1
        account = account.reverse("o-1", PROGRAM, at=T0.add(days=21)).value
        reversal = account.entries[-1]
        assert isinstance(reversal, PointsReversed)
        assert reversal.allocations == (Allocation("o-1", 50), Allocation("o-2", 100))
        assert (reversal.debt, reversal.forgiven) == (150, 0)
        totals = account.totals(T0.add(days=21))
        assert (totals.balance, totals.debt, totals.redeemed) == (0, 150, 250)

    def test_a_debt_is_paid_from_the_next_points_earned(self) -> None:
        """New points pay the debt first; the rest is the member's."""
        account = awarded(order("o-1", "300"))
        account = account.redeem(300, at=T0.add(days=20)).value
        account = account.reverse("o-1", PROGRAM, at=T0.add(days=21)).value
        account, events = account.award(order("o-2", "500", days=22), PROGRAM, at=T0.add(days=22))
        assert [event.type for event in events] == [
            "loyalty.points_awarded",
            "loyalty.debt_settled",
        ]
        assert events[1].payload == {"points": 300, "debt_left": 0}
        totals = account.totals(T0.add(days=40))
        assert (totals.available, totals.debt, totals.settled) == (200, 0, 300)

    def test_forgive_writes_off_what_was_already_redeemed(self) -> None:
        """Under FORGIVE only what is left of the order's own points is taken back."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=1), program=FORGIVING)
        account = account.redeem(250, at=T0.add(days=20)).value
        account = account.reverse("o-1", FORGIVING, at=T0.add(days=21)).value
        reversal = account.entries[-1]
        assert isinstance(reversal, PointsReversed)
        assert (reversal.allocations, reversal.forgiven, reversal.debt) == (
            (Allocation("o-1", 50),),
            250,
            0,
        )
        assert account.available(T0.add(days=21)) == 100

    def test_expired_points_of_a_returned_order_are_not_charged(self) -> None:
        """Returning an order whose points expired unused takes nothing and owes nothing."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=200))
        later = T0.add(days=400)
        account = account.reverse("o-1", PROGRAM, at=later).value
        reversal = account.entries[-1]
        assert isinstance(reversal, PointsReversed)
        assert (reversal.expired, reversal.debt, reversal.allocations) == (300, 0, ())
        assert account.available(later) == 100


class TestSerialisation:
    def test_a_ledger_round_trips_through_json(self) -> None:
        """to_dict / from_dict keep every entry, through JSON."""
        account = awarded(order("o-1", "300"), order("o-2", "100", days=1))
        account = account.redeem(300, at=T0.add(days=20), note="Kåre's voucher").value
        account = account.reverse("o-1", PROGRAM, at=T0.add(days=21), key="rma-1").value
        account = account.grant_tier(
            "silver", PROGRAM, at=T0.add(days=21), until=T0.add(days=60)
        ).value
        restored = PointsAccount.from_dict(json.loads(json.dumps(account.to_dict())))
        assert restored == account
        assert restored.to_dict() == account.to_dict()

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "gift"},
            {"kind": "award", "key": "o-1"},
            "award",
            {"kind": "redemption", "key": "r", "at": "2026-01-01T00:00:00+00:00", "points": 1},
        ],
    )
    def test_malformed_entries_are_refused(self, data: object) -> None:
        """An unknown kind or missing fields raise ValidationError."""
        with pytest.raises(ValidationError):
            ledger_entry_from_dict(data)  # type: ignore[arg-type]

    def test_malformed_accounts_are_refused(self) -> None:
        """Account data that is not a dict with a list of entries is refused."""
        with pytest.raises(ValidationError, match="account"):
            PointsAccount.from_dict({"customer_id": "k-1", "entries": "none"})

    def test_an_account_refuses_repeated_keys_and_dangling_allocations(self) -> None:
        """Two entries of one kind with one key, or an allocation on no award, are refused."""
        award = awarded(order("o-1", "300")).entries[0]
        with pytest.raises(ValidationError, match="share the key"):
            PointsAccount(customer_id="k-1", entries=(award, award))
        redemption = PointsRedeemed(key="r", at=T0, points=5, allocations=(Allocation("o-9", 5),))
        with pytest.raises(ValidationError, match="does not hold"):
            PointsAccount(customer_id="k-1", entries=(award, redemption))
        with pytest.raises(ValidationError, match="entries"):
            PointsAccount(customer_id="k-1", entries=("award",))

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (
                lambda: AwardLine(
                    line_id="1", category="t", amount=nok("1"), points=-1, qualifying=0
                ),
                "points",
            ),
            (
                lambda: AwardLine(
                    line_id="1", category="t", amount=Money(1, "NOK"), points=1, qualifying=0.5
                ),
                "qualifying",
            ),
            (lambda: PointsRedeemed(key="r", at=T0, points=1, allocations=(), note=5), "note"),
            (lambda: PointsRedeemed(key="r", at=T0, points=1, allocations=["x"]), "allocations"),
        ],
    )
    def test_entries_validate_their_fields(self, build: object, field: str) -> None:
        """Ledger entries refuse negative or fractional points and non-text notes."""
        with pytest.raises(ValidationError) as raised:
            build()  # type: ignore[operator]
        assert raised.value.field == field

    def test_a_reversal_must_account_for_every_point(self) -> None:
        """Allocations, expired, debt and forgiven must add up to the points reversed."""
        award = awarded(order("o-1", "300")).entries[0]
        assert isinstance(award, PointsAwarded)
        reversed_ = awarded(order("o-1", "300")).reverse("o-1", PROGRAM, at=T0).value.entries[-1]
        assert isinstance(reversed_, PointsReversed)
        with pytest.raises(ValidationError, match="add up"):
            attrs.evolve(reversed_, debt=1)
