import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest

from custrel import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PolicyError,
    Relations,
    ValidationError,
)
from custrel.customers import PersonName
from custrel.loyalty import (
    Downgrade,
    Expiry,
    LoyaltyProgram,
    LoyaltyScorer,
    Order,
    OrderLine,
    PointsAccount,
    QualifyingWindow,
    Tier,
)
from custrel.money import Money
from custrel.storage.memory import MemoryStore, MemoryUnitOfWork
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore
from custrel.testing import FixedClock
from custrel.testing._contracts._support import run_threads

START = pendulum.datetime(2026, 3, 2, 10, tz="Europe/Oslo")
PROGRAM = LoyaltyProgram(
    currency="NOK",
    category_rates={"books": 2},
    return_window=14,
    expiry=Expiry.end_of_year(1),
    tiers=[
        Tier("member"),
        Tier("silver", 1000, multiplier=Decimal("1.25"), discount=5),
        Tier("gold", 5000, multiplier=Decimal("1.5"), discount=10),
    ],
    tier_window=QualifyingWindow.calendar_year(),
    downgrade=Downgrade.end_of_period(),
    timezone="Europe/Oslo",
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'points.sqlite'}")
    sql.create_schema()
    yield sql
    sql.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def crm(store: Store, clock: FixedClock) -> Relations:
    crm = Relations(store, clock=clock, loyalty=PROGRAM)
    crm.register("k-1", PersonName("Kari", "Nordmann"), email="kari@example.no")
    return crm


def order(
    order_id: str = "o-1", amount: str = "600", customer_id: str = "k-1", days: int = 0
) -> Order:
    return Order(
        id=order_id,
        customer_id=customer_id,
        placed_at=START.add(days=days),
        lines=[
            OrderLine("1", "books", Money(amount, "NOK")),
            OrderLine("2", "toys", Money("199.90", "NOK")),
        ],
    )


def event_types(store: Store, customer_id: str = "k-1") -> list[str]:
    with store.unit_of_work() as uow:
        return [entry.event.type for entry in uow.outbox.for_customer(customer_id)]


class TestAwarding:
    def test_awarding_an_order_stores_points_and_events(self, crm: Relations, store: Store) -> None:
        """An award is stored in the member's ledger with its events in the outbox."""
        award = crm.award_points(order())
        assert (award.key, award.points) == ("o-1", 1399)
        status = crm.points_status("k-1")
        assert (status.pending, status.available, status.tier.name) == (1399, 0, "silver")
        assert event_types(store)[-2:] == ["loyalty.points_awarded", "loyalty.tier_changed"]

    def test_a_replayed_order_pays_once_and_writes_nothing(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Awarding the same order again returns the first award and adds no event."""
        first = crm.award_points(order())
        before = event_types(store)
        clock.advance(hours=1)
        assert crm.award_points(order()) == first
        assert event_types(store) == before
        assert crm.points_account("k-1").version == 1

    def test_an_unknown_customer_is_refused(self, crm: Relations) -> None:
        """Points go to registered customers only."""
        with pytest.raises(NotFoundError, match="k-9"):
            crm.award_points(order(customer_id="k-9"))
        with pytest.raises(NotFoundError):
            crm.points_status("k-9")

    def test_bad_orders_write_nothing(self, crm: Relations, store: Store) -> None:
        """Another currency or a non-order raises a clear error and stores nothing."""
        euro = Order(
            id="o-1",
            customer_id="k-1",
            placed_at=START,
            lines=[OrderLine("1", "toys", Money(10, "EUR"))],
        )
        with pytest.raises(ValidationError, match="NOK"):
            crm.award_points(euro)
        with pytest.raises(ValidationError, match="Order"):
            crm.award_points("o-1")  # type: ignore[arg-type]
        assert crm.points_account("k-1").version == 0
        assert "loyalty.points_awarded" not in event_types(store)

    def test_points_use_cases_need_a_program(self, store: Store) -> None:
        """Without a loyalty program the points use cases raise PolicyError."""
        bare = Relations(store, clock=FixedClock(START))
        bare.register("k-1", PersonName("Kari"))
        with pytest.raises(PolicyError, match="loyalty program"):
            bare.award_points(order())
        with pytest.raises(ValidationError, match="LoyaltyProgram"):
            Relations(store, loyalty="gold")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="LoyaltyScorer"):
            Relations(store, scorer={"p_alive": 1})  # type: ignore[arg-type]

    def test_bonus_points(self, crm: Relations) -> None:
        """Goodwill points are available at once and keyed by their source."""
        crm.grant_points("k-1", "complaint-c1", 200, note="sorry")
        assert crm.grant_points("k-1", "complaint-c1", 200).bonus == 200
        assert crm.points_status("k-1").available == 200


class TestRedeemAndReturn:
    def test_redeem_after_the_return_window(self, crm: Relations, clock: FixedClock) -> None:
        """Points become redeemable after the window; a redemption spends them."""
        crm.award_points(order())
        with pytest.raises(ValidationError, match="only 0 points are available"):
            crm.redeem_points("k-1", 100)
        clock.advance(days=14)
        redemption = crm.redeem_points("k-1", 1000, redemption_id="r-1", note="voucher")
        assert (redemption.key, redemption.points) == ("r-1", 1000)
        assert crm.redeem_points("k-1", 1000, redemption_id="r-1") == redemption
        assert crm.redeem_points("k-1", 10).key == "redemption-2"
        assert crm.points_status("k-1").available == 389

    def test_an_overdraft_writes_nothing(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Redeeming more than available raises ValidationError; version and outbox stay."""
        crm.award_points(order())
        clock.advance(days=14)
        before = (crm.points_account("k-1").version, event_types(store))
        with pytest.raises(ValidationError, match="only 1399"):
            crm.redeem_points("k-1", 1400)
        assert (crm.points_account("k-1").version, event_types(store)) == before

    def test_a_return_for_an_unknown_order_writes_nothing(
        self, crm: Relations, store: Store
    ) -> None:
        """Returning an order that earned nothing raises NotFoundError and stores nothing."""
        with pytest.raises(NotFoundError, match="o-9"):
            crm.reverse_points("k-1", "o-9")
        crm.award_points(order())
        with pytest.raises(NotFoundError, match="o-9"):
            crm.reverse_points("k-1", "o-9")
        assert crm.points_account("k-1").version == 1
        assert "loyalty.points_reversed" not in event_types(store)

    def test_partial_and_full_returns(self, crm: Relations) -> None:
        """A partial return takes back its share; the rest of the order can follow later."""
        crm.award_points(order())
        partial = crm.reverse_points("k-1", "o-1", {"1": Money("300", "NOK")}, return_id="rma-1")
        assert partial.points == 600
        assert (
            crm.reverse_points("k-1", "o-1", {"1": Money("300", "NOK")}, return_id="rma-1")
            == partial
        )
        rest = crm.reverse_points("k-1", "o-1")
        assert rest.points == 799
        with pytest.raises(InvalidTransitionError):
            crm.reverse_points("k-1", "o-1")
        status = crm.points_status("k-1")
        assert (status.balance, status.qualifying_points, status.tier.name) == (0, 0, "member")

    def test_returning_redeemed_points_leaves_a_debt_paid_by_the_next_order(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Spent points of a returned order are owed, then paid from the next award."""
        crm.award_points(order())
        clock.advance(days=14)
        crm.redeem_points("k-1", 1399)
        crm.reverse_points("k-1", "o-1")
        assert crm.points_status("k-1").debt == 1399
        crm.award_points(order("o-2", amount="1000", days=14))
        status = crm.points_status("k-1")
        assert (status.debt, status.balance) == (0, 2199 - 1399)


class TestTiers:
    def test_grant_and_review_tier(self, crm: Relations, store: Store, clock: FixedClock) -> None:
        """A granted tier ends by itself; review_tier announces that change once."""
        status = crm.grant_tier("k-1", "gold", until=START.add(days=30), grant_id="match")
        assert status.tier.name == "gold"
        with pytest.raises(ValidationError, match="unknown tier"):
            crm.grant_tier("k-1", "platinum", until=START.add(days=30))
        clock.advance(days=31)
        assert crm.review_tier("k-1").tier.name == "member"
        crm.review_tier("k-1")
        assert event_types(store).count("loyalty.tier_changed") == 2


class TestFollowingTheCustomer:
    def test_a_merge_moves_the_duplicates_points(self, crm: Relations, store: Store) -> None:
        """After a merge the survivor holds both ledgers; the duplicate's id finds them."""
        crm.register("k-9", PersonName("Kari"), email="kari.dup@example.no")
        crm.award_points(order())
        crm.award_points(order("o-7", amount="100", customer_id="k-9"))
        crm.merge("k-1", "k-9")
        status = crm.points_status("k-9")
        assert status.customer_id == "k-1"
        assert status.balance == 1399 + 399
        assert "loyalty.ledger_merged" in event_types(store)
        # A replay of the duplicate's order pays nothing again.
        crm.award_points(order("o-7", amount="100", customer_id="k-9"))
        assert crm.points_status("k-1").balance == 1399 + 399

    def test_a_merge_without_points_changes_no_ledger(self, crm: Relations, store: Store) -> None:
        """Merging a customer without a ledger writes no points events."""
        crm.register("k-9", PersonName("Kari"), email="kari.dup@example.no")
        crm.merge("k-1", "k-9")
        assert "loyalty.ledger_merged" not in event_types(store)

    def test_export_and_erase(self, crm: Relations) -> None:
        """The export holds the ledger; erasure blanks its notes and keeps the points."""
        crm.grant_points("k-1", "c-1", 100, note="Kari was upset")
        exported = crm.export("k-1")
        assert exported["points_ledgers"][0]["entries"][0]["note"] == "Kari was upset"
        crm.erase("k-1")
        after = crm.export("k-1")
        assert "Kari" not in json.dumps(after["points_ledgers"])
        assert crm.points_status("k-1").available == 100


class TestLoyaltyScore:
    def test_the_score_uses_what_the_ledger_knows(self, crm: Relations, clock: FixedClock) -> None:
        """Purchases give recency, frequency and spend; registration gives tenure."""
        crm.award_points(order())
        clock.advance(days=10)
        crm.award_points(order("o-2", amount="400", days=10))
        crm.award_points(order("o-3", amount="100", days=10))  # same day: one purchase
        clock.advance(days=5)
        result = crm.loyalty_score("k-1")
        explained = {item.component: item.explanation for item in result.contributions}
        assert explained["recency"].startswith("last purchase 5 days ago")
        assert explained["frequency"].startswith("1 repeat purchase ")
        assert explained["monetary"].startswith("mean spend 849.85 per purchase")
        assert explained["tenure"].startswith("customer for 15 days")

    def test_host_signals_are_added(self, crm: Relations) -> None:
        """Signals the host passes (P(alive) from a model) join or override gathered ones."""
        result = crm.loyalty_score("k-1", signals={"p_alive": 0.2})
        assert result.contribution("p_alive") is not None
        assert "P(alive) 0.20 is below 0.5" in result.churn_reasons
        with pytest.raises(ValidationError, match="unknown signal"):
            crm.loyalty_score("k-1", signals={"vibes": 1})

    def test_the_configured_scorer_is_used(self, store: Store, clock: FixedClock) -> None:
        """Relations(scorer=...) weighs the signals."""
        crm = Relations(store, clock=clock, scorer=LoyaltyScorer(weights={"tenure": 1}))
        crm.register("k-1", PersonName("Kari"))
        clock.advance(days=365)
        result = crm.loyalty_score("k-1")
        assert result.score == pytest.approx(50)
        with pytest.raises(NotFoundError):
            crm.loyalty_score("k-9")


class TestConcurrency:
    def test_eight_threads_awarding_one_order_pay_once(self, crm: Relations, store: Store) -> None:
        """Concurrent awards of one order through the facade leave one award."""

        def award(_index: int) -> None:
            crm.award_points(order())

        assert run_threads(8, award) == []
        assert [award.key for award in crm.points_account("k-1").awards] == ["o-1"]
        assert event_types(store).count("loyalty.points_awarded") == 1

    @pytest.mark.parametrize(("retries", "raises"), [(0, True), (1, False)])
    def test_a_ledger_opened_concurrently_is_retried(self, retries: int, raises: bool) -> None:
        """Losing the race to open a ledger is a conflict: retried, or raised without retries."""
        store = RacingStore()
        crm = Relations(store, clock=FixedClock(START), loyalty=PROGRAM, conflict_retries=retries)
        crm.register("k-1", PersonName("Kari"))
        if raises:
            with pytest.raises(ConflictError, match="opened concurrently"):
                crm.award_points(order())
            assert crm.points_account("k-1").awards[0].key == "rival"
        else:
            crm.award_points(order())
            assert [award.key for award in crm.points_account("k-1").awards] == ["rival", "o-1"]


class RacingStore:
    """A memory store where another writer opens the ledger just after the first lookup."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.raced = False

    def unit_of_work(self) -> MemoryUnitOfWork:
        uow = self.inner.unit_of_work()
        original = uow.loyalty.get

        def get(customer_id: str, *, for_update: bool = False) -> PointsAccount:
            try:
                return original(customer_id, for_update=for_update)
            except NotFoundError:
                if not self.raced:
                    self.raced = True
                    rival = PointsAccount.open(customer_id).grant_points(
                        "rival", 5, PROGRAM, at=START
                    )
                    with self.inner.unit_of_work() as other:  # the lock is re-entrant
                        other.loyalty.add(rival.value)
                        other.commit()
                raise

        setattr(uow.loyalty, "get", get)  # noqa: B010 - patching one instance
        return uow
