"""The storage contract for ``uow.loyalty``: the append-only points ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest

from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.events import Change
from custrel.loyalty import (
    Downgrade,
    Expiry,
    LoyaltyProgram,
    Order,
    OrderLine,
    PointsAccount,
    QualifyingWindow,
    Tier,
)
from custrel.money import Money
from custrel.storage.protocols import Store
from custrel.testing._contracts._support import T0, StoreFixture, run_threads

__all__ = ["LoyaltyRepositoryContract"]

PROGRAM = LoyaltyProgram(
    currency="NOK",
    category_rates={"books": 2, "gift-cards": 0},
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


def _order(order_id: str, customer_id: str = "k-1", amount: str = "600", days: int = 0) -> Order:
    return Order(
        id=order_id,
        customer_id=customer_id,
        placed_at=T0.add(days=days),
        lines=[
            OrderLine("1", "books", Money(amount, "NOK")),
            OrderLine("2", "toys", Money("199.90", "NOK")),
        ],
    )


def _rich_account() -> PointsAccount:
    """A ledger with every kind of entry: awards, bonus, redemption, return, debt, tiers."""
    account = PointsAccount.open("k-1")
    account = account.award(_order("o-1"), PROGRAM, at=T0).value
    account = account.grant_points("goodwill-c1", 50, PROGRAM, at=T0, note="sorry, Åse").value
    later = T0.add(days=20)
    account = account.redeem(1000, at=later, key="r-1", note="gavekort").value
    account = account.reverse("o-1", PROGRAM, at=later.add(hours=1), key="rma-1").value
    account = account.grant_tier(
        "gold", PROGRAM, at=later.add(hours=2), until=later.add(days=30), key="match"
    ).value
    return account.award(_order("o-2", days=21), PROGRAM, at=later.add(days=1)).value


def _write(
    store: Store,
    customer_id: str,
    operation: Callable[[PointsAccount], Change[PointsAccount]],
    *,
    attempts: int = 50,
) -> PointsAccount:
    """Load (locking), change and store a ledger, retrying when another writer came first."""
    for _ in range(attempts):
        try:
            with store.unit_of_work() as uow:
                try:
                    account = uow.loyalty.get(customer_id, for_update=True)
                except NotFoundError:
                    account = PointsAccount.open(customer_id)
                change = operation(account)
                if not change.events:
                    return change.value
                stored = (
                    uow.loyalty.save(change.value)
                    if account.version
                    else uow.loyalty.add(change.value)
                )
                uow.outbox.add(change.events)
                uow.commit()
                return stored
        except (ConflictError, DuplicateError):  # noqa: PERF203 - retrying is the point
            continue
    raise AssertionError("no attempt succeeded")


class LoyaltyRepositoryContract(StoreFixture):
    """``uow.loyalty``: get, add, save (append-only), rewrite, paging, concurrency."""

    def test_points_round_trip_keeps_every_entry(self, store: Store) -> None:
        """A ledger with every kind of entry reads back equal, entry by entry, at version 1."""
        original = _rich_account()
        with store.unit_of_work() as uow:
            added = uow.loyalty.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.get("k-1")
        assert added.version == 1
        assert loaded.version == 1
        assert loaded == original
        assert json.loads(json.dumps(loaded.to_dict())) == original.to_dict() | {"version": 1}
        at = T0.add(days=40)
        assert loaded.status(PROGRAM, at) == original.status(PROGRAM, at)

    def test_points_get_unknown_raises_not_found(self, store: Store) -> None:
        """A customer without a ledger raises NotFoundError naming the id."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="nobody"):
            uow.loyalty.get("nobody")

    def test_points_adding_a_second_ledger_raises_duplicate(self, store: Store) -> None:
        """A customer has one ledger; a second add is refused and the first stays."""
        with store.unit_of_work() as uow:
            uow.loyalty.add(PointsAccount.open("k-1").award(_order("o-1"), PROGRAM, at=T0).value)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="k-1"):
            uow.loyalty.add(PointsAccount.open("k-1"))
        with store.unit_of_work() as uow:
            assert [entry.kind for entry in uow.loyalty.get("k-1").entries] == [
                "award",
                "tier_change",
            ]

    def test_points_save_appends_and_bumps_the_version(self, store: Store) -> None:
        """Saving stores the new entries after the old ones, at version + 1."""
        with store.unit_of_work() as uow:
            account = uow.loyalty.add(PointsAccount.open("k-1"))
            account = account.award(_order("o-1"), PROGRAM, at=T0).value
            saved = uow.loyalty.save(account)
            uow.commit()
        assert saved.version == 2
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.get("k-1")
            order = _order("o-2", days=1)
            again = uow.loyalty.save(loaded.award(order, PROGRAM, at=T0.add(days=1)).value)
            uow.commit()
        with store.unit_of_work() as uow:
            final = uow.loyalty.get("k-1")
        assert again.version == final.version == 3
        assert [award.key for award in final.awards] == ["o-1", "o-2"]

    def test_points_saving_a_stale_version_raises_conflict(self, store: Store) -> None:
        """A save based on an old version is refused; the newer ledger stays."""
        with store.unit_of_work() as uow:
            stale = uow.loyalty.add(PointsAccount.open("k-1"))
            uow.loyalty.save(stale.award(_order("o-1"), PROGRAM, at=T0).value)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError, match="version"):
            uow.loyalty.save(stale.award(_order("o-2"), PROGRAM, at=T0).value)
        with store.unit_of_work() as uow:
            assert [award.key for award in uow.loyalty.get("k-1").awards] == ["o-1"]

    def test_points_saving_an_unknown_ledger_raises_not_found(self, store: Store) -> None:
        """Save is for stored ledgers; a new one must be added."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="k-9"):
            uow.loyalty.save(PointsAccount.open("k-9"))

    def test_points_saving_fewer_entries_than_stored_is_refused(self, store: Store) -> None:
        """The ledger is append-only: an account missing stored entries is not saved."""
        with store.unit_of_work() as uow:
            uow.loyalty.add(_rich_account())
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.get("k-1")
            shorter = attrs.evolve(loaded, entries=loaded.entries[:2])
            with pytest.raises(ValidationError, match="append-only"):
                uow.loyalty.save(shorter)
        with store.unit_of_work() as uow:
            assert uow.loyalty.get("k-1") == _rich_account()

    def test_points_rewrite_replaces_notes_in_place(self, store: Store) -> None:
        """A rewrite (erasure) stores the same entries with new content at version + 1."""
        with store.unit_of_work() as uow:
            uow.loyalty.add(_rich_account())
            uow.commit()
        with store.unit_of_work() as uow:
            redacted = uow.loyalty.get("k-1").redacted()
            stored = uow.loyalty.rewrite(redacted)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.get("k-1")
        assert stored.version == loaded.version == 2
        assert loaded == redacted
        assert "Åse" not in json.dumps(loaded.to_dict(), ensure_ascii=False)

    def test_points_rewrite_refuses_other_entries(self, store: Store) -> None:
        """A rewrite may not add, drop or reorder entries; nothing changes when it is refused."""
        with store.unit_of_work() as uow:
            uow.loyalty.add(_rich_account())
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.get("k-1")
            longer = loaded.award(_order("o-3", days=30), PROGRAM, at=T0.add(days=30)).value
            with pytest.raises(ValidationError, match="kind and key"):
                uow.loyalty.rewrite(longer)
        with store.unit_of_work() as uow:
            assert uow.loyalty.get("k-1").version == 1

    def test_points_customer_ids_page_through_every_ledger(self, store: Store) -> None:
        """Paging by id with ``after`` visits each ledger once, in id order."""
        ids = [f"k-{number:02d}" for number in range(13)]
        with store.unit_of_work() as uow:
            for customer_id in reversed(ids):
                uow.loyalty.add(PointsAccount.open(customer_id))
            uow.commit()
        found: list[str] = []
        after = None
        with store.unit_of_work() as uow:
            while page := uow.loyalty.customer_ids(after=after, limit=5):
                found.extend(page)
                after = page[-1]
        assert found == ids

    def test_points_uncommitted_work_leaves_nothing(self, store: Store) -> None:
        """A ledger added or changed without commit is not stored."""
        with store.unit_of_work() as uow:
            uow.loyalty.add(PointsAccount.open("k-1").award(_order("o-1"), PROGRAM, at=T0).value)
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.loyalty.get("k-1")

    def test_points_two_writers_from_one_version_one_wins(self, store: Store) -> None:
        """Two threads saving the same ledger from one version: one succeeds, one conflicts."""
        with store.unit_of_work() as uow:
            loaded = uow.loyalty.add(PointsAccount.open("k-1"))
            uow.commit()

        def write(index: int) -> None:
            with store.unit_of_work() as uow:
                order = _order(f"o-{index}")
                uow.loyalty.save(loaded.award(order, PROGRAM, at=T0).value)
                uow.commit()

        errors = run_threads(2, write)
        assert len(errors) == 1
        assert isinstance(errors[0], ConflictError)
        with store.unit_of_work() as uow:
            final = uow.loyalty.get("k-1")
        assert final.version == 2
        assert len(final.awards) == 1

    def test_points_eight_threads_awarding_one_order_pay_once(self, store: Store) -> None:
        """8 threads awarding the same order to a new member leave exactly one award."""
        order = _order("o-1")

        def award(_index: int) -> None:
            _write(store, "k-1", lambda account: account.award(order, PROGRAM, at=T0))

        assert run_threads(8, award) == []
        with store.unit_of_work() as uow:
            account = uow.loyalty.get("k-1")
            events = uow.outbox.for_customer("k-1")
        assert [award.key for award in account.awards] == ["o-1"]
        assert account.balance(T0) == 1399
        assert [entry.event.type for entry in events].count("loyalty.points_awarded") == 1

    def test_points_concurrent_redemptions_never_overdraw(self, store: Store) -> None:
        """8 threads redeeming 300 of 1000 points: 3 succeed, the rest are refused, none lost."""
        _write(store, "k-1", lambda account: account.grant_points("welcome", 1000, PROGRAM, at=T0))
        refused: list[BaseException] = []

        def redeem(index: int) -> None:
            try:
                _write(
                    store,
                    "k-1",
                    lambda account: account.redeem(300, at=T0.add(minutes=1), key=f"r-{index}"),
                )
            except ValidationError as error:
                refused.append(error)

        assert run_threads(8, redeem) == []
        with store.unit_of_work() as uow:
            account = uow.loyalty.get("k-1")
        totals = account.totals(T0.add(minutes=2))
        assert len(refused) == 5
        assert all("available" in str(error) for error in refused)
        assert totals.redeemed == 3 * 300
        assert totals.available == 100
