"""The storage contract for ``uow.relationships``, ``uow.journeys`` and ``uow.referrals``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from custrel.customers import PersonName
from custrel.errors import ConflictError, DuplicateError, NotFoundError
from custrel.events import Change
from custrel.lifecycle import (
    Journey,
    Promise,
    Referral,
    Relationship,
    SaleLine,
    StageLadder,
)
from custrel.money import Money
from custrel.relations import Relations
from custrel.storage.protocols import Store
from custrel.testing._clocks import FixedClock
from custrel.testing._contracts._support import T0, StoreFixture, run_threads

__all__ = ["LifecycleRepositoryContract"]


def _relationship(customer_id: str = "k-1") -> Relationship:
    """A relationship on a custom ladder with moves forward and back, and a merged history."""
    ladder = StageLadder(["besøkende", "medlem", "stamkunde", "ambassadør"])
    relationship = Relationship.start(customer_id, T0, ladder=ladder, actor="åse", reason="kasse")
    relationship = relationship.advance(
        "stamkunde", T0.add(days=3), reason="tredje kjøp", actor="automatic"
    ).relationship
    relationship = relationship.regress(
        "medlem", T0.add(days=40), reason="klage på levering", actor="bjørn"
    ).relationship
    duplicate = Relationship.start("k-old", T0.subtract(days=9), ladder=ladder)
    return relationship.absorb(duplicate, T0.add(days=41)).value


def _journey(
    journey_id: str = "o-1",
    customer_id: str = "k-1",
    *,
    sold_days: int = 0,
    owner: str | None = "åse",
) -> Journey:
    """A sale with two lines and every kind of promise, but no facts yet."""
    sold = T0.add(days=sold_days)
    return Journey.open(
        journey_id,
        customer_id,
        sold,
        lines=[SaleLine("sofa-ø", 1), SaleLine("pute", "4.5")],
        promises=[
            Promise.delivery(sold.add(days=5), made_by="åse", statement="før helga"),
            Promise.delivery(
                sold.add(days=2),
                earliest=sold.add(days=1),
                made_by="per",
                product="pute",
                quantity=2,
            ),
            Promise.price(Money("12999.90", "NOK"), made_by="åse"),
            Promise.quality("tåler katteklør", made_by="per", product="sofa-ø"),
        ],
        total=Money("12999.90", "NOK"),
        owner=owner,
    )


def _lived_journey() -> Journey:
    """A sale that went through every kind of fact."""
    journey = _journey()
    steps: tuple[Callable[[Journey], Change[Journey]], ...] = (
        lambda j: j.ship(T0.add(days=1)),
        lambda j: j.deliver(T0.add(days=2), {"pute": 2}, final=False),
        lambda j: j.charge(Money("12999.90", "NOK"), T0.add(days=2)),
        lambda j: j.link_interaction("i-1", T0.add(days=2, hours=1)),
        lambda j: j.deliver(T0.add(days=6)),
        lambda j: j.link_case("c-1", T0.add(days=7)),
        lambda j: j.hand_over("bjørn", T0.add(days=7, hours=1), reason="ferie"),
        lambda j: j.resolve_case("c-1", T0.add(days=8)),
        lambda j: j.keep_promise("p4", T0.add(days=8), reason="ingen riper", by="bjørn"),
        lambda j: j.follow_up(T0.add(days=9), by="bjørn", note="fornøyd"),
    )
    for step in steps:
        journey = step(journey).value
    return journey


def _referral(
    referral_id: str = "r-1", referrer: str = "k-1", referred: str = "k-2", days: int = 0
) -> Referral:
    return Referral.record(
        referral_id, referrer, referred, T0.add(days=days), channel="lenke", code="KÅRE10"
    )


class LifecycleRepositoryContract(StoreFixture):
    """``uow.relationships``, ``uow.journeys`` and ``uow.referrals``."""

    # -- relationships ----------------------------------------------------------------------

    def test_lifecycle_relationship_round_trip_keeps_every_field(self, store: Store) -> None:
        """A relationship comes back equal, ladder and histories included, at version 1."""
        original = _relationship()
        with store.unit_of_work() as uow:
            added = uow.relationships.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.relationships.get("k-1")
        assert (added.version, loaded.version) == (1, 1)
        assert loaded == original
        assert json.loads(json.dumps(loaded.to_dict())) == original.to_dict() | {"version": 1}

    def test_lifecycle_relationship_unknown_raises_not_found(self, store: Store) -> None:
        """Getting the relationship of a customer without one raises NotFoundError."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="k-9"):
            uow.relationships.get("k-9")

    def test_lifecycle_relationship_second_add_raises_duplicate(self, store: Store) -> None:
        """A customer has one relationship; adding another is refused."""
        with store.unit_of_work() as uow:
            uow.relationships.add(Relationship.start("k-1", T0))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError):
            uow.relationships.add(Relationship.start("k-1", T0))

    def test_lifecycle_relationship_save_versions_and_conflicts(self, store: Store) -> None:
        """Save bumps the version; a save from a stale version raises ConflictError."""
        with store.unit_of_work() as uow:
            stale = uow.relationships.add(Relationship.start("k-1", T0))
            moved = stale.advance("lead", T0.add(hours=1), reason="tilbud", actor="åse")
            saved = uow.relationships.save(moved.relationship)
            uow.commit()
        assert saved.version == 2
        again = stale.advance("customer", T0.add(hours=2), reason="kjøp", actor="åse")
        with store.unit_of_work() as uow, pytest.raises(ConflictError, match="version"):
            uow.relationships.save(again.relationship)
        with store.unit_of_work() as uow:
            assert uow.relationships.get("k-1").stage == "lead"
            with pytest.raises(NotFoundError):
                uow.relationships.save(Relationship.start("k-9", T0))

    def test_lifecycle_relationship_remove(self, store: Store) -> None:
        """Remove deletes the relationship; a stale or unknown one is refused."""
        with store.unit_of_work() as uow:
            stored = uow.relationships.add(Relationship.start("k-1", T0))
            uow.relationships.save(stored.advance("lead", T0, reason="x", actor="åse").relationship)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.relationships.remove(stored)
        with store.unit_of_work() as uow:
            uow.relationships.remove(uow.relationships.get("k-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.relationships.get("k-1")
            with pytest.raises(NotFoundError):
                uow.relationships.remove(stored)

    def test_lifecycle_relationships_at_stage_page_by_customer(self, store: Store) -> None:
        """``at_stage`` lists relationships at a stage by customer id, page after page."""
        with store.unit_of_work() as uow:
            for number in reversed(range(7)):
                relationship = Relationship.start(f"k-{number}", T0)
                if number % 2:
                    relationship = relationship.advance(
                        "lead", T0, reason="x", actor="åse"
                    ).relationship
                uow.relationships.add(relationship)
            uow.commit()
        with store.unit_of_work() as uow:
            first = uow.relationships.at_stage("prospect", limit=2)
            rest = uow.relationships.at_stage("prospect", after=first[-1].customer_id)
            leads = uow.relationships.at_stage("lead")
        assert [item.customer_id for item in [*first, *rest]] == ["k-0", "k-2", "k-4", "k-6"]
        assert [item.customer_id for item in leads] == ["k-1", "k-3", "k-5"]

    # -- journeys ---------------------------------------------------------------------------

    def test_lifecycle_journey_round_trip_keeps_every_fact(self, store: Store) -> None:
        """A journey with lines, every kind of promise and fact comes back equal, at version 1."""
        original = _lived_journey()
        with store.unit_of_work() as uow:
            added = uow.journeys.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.journeys.get("o-1")
        assert (added.version, loaded.version) == (1, 1)
        assert loaded == original
        assert loaded.phase is original.phase
        assert loaded.owner == "bjørn"
        assert json.loads(json.dumps(loaded.to_dict())) == original.to_dict() | {"version": 1}
        assert str(loaded.promise("p2").quantity) == "2"
        assert str(loaded.lines[1].quantity) == "4.5"

    def test_lifecycle_journey_unknown_raises_not_found(self, store: Store) -> None:
        """Getting a journey nobody stored raises NotFoundError naming the id."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="o-9"):
            uow.journeys.get("o-9")

    def test_lifecycle_journey_second_add_is_refused_and_work_goes_on(self, store: Store) -> None:
        """One journey per order: a second add raises DuplicateError, the unit of work goes on."""
        with store.unit_of_work() as uow:
            uow.journeys.add(_journey())
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(DuplicateError):
                uow.journeys.add(_journey(owner="per"))
            assert uow.journeys.get("o-1").owner == "åse"
            uow.journeys.add(_journey("o-2"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [item.id for item in uow.journeys.for_customer("k-1")] == ["o-2", "o-1"]

    def test_lifecycle_journey_save_versions_and_conflicts(self, store: Store) -> None:
        """Save bumps the version; a stale save raises ConflictError; an unknown one NotFound."""
        with store.unit_of_work() as uow:
            stale = uow.journeys.add(_journey())
            saved = uow.journeys.save(stale.ship(T0.add(days=1)).value)
            uow.commit()
        assert saved.version == 2
        with store.unit_of_work() as uow, pytest.raises(ConflictError, match="version"):
            uow.journeys.save(stale.link_case("c-1", T0.add(days=1)).value)
        with store.unit_of_work() as uow:
            assert uow.journeys.get("o-1").shipped_at == T0.add(days=1)
            assert uow.journeys.get("o-1").case_ids == ()
            with pytest.raises(NotFoundError):
                uow.journeys.save(_journey("o-9"))

    def test_lifecycle_journeys_of_a_customer_newest_first(self, store: Store) -> None:
        """``for_customer`` lists a customer's journeys newest sale first, ties by id, limited."""
        with store.unit_of_work() as uow:
            uow.journeys.add(_journey("o-a", sold_days=1))
            uow.journeys.add(_journey("o-b", sold_days=5))
            uow.journeys.add(_journey("o-c", sold_days=5))
            uow.journeys.add(_journey("o-d", sold_days=3))
            uow.journeys.add(_journey("o-x", "k-2", sold_days=9))
            uow.commit()
        with store.unit_of_work() as uow:
            newest = [item.id for item in uow.journeys.for_customer("k-1")]
            two = [item.id for item in uow.journeys.for_customer("k-1", limit=2)]
            every = uow.journeys.for_customer("k-1", limit=None)
        assert newest == ["o-c", "o-b", "o-d", "o-a"]
        assert two == ["o-c", "o-b"]
        assert len(every) == 4

    def test_lifecycle_open_journeys_by_owner(self, store: Store) -> None:
        """``open_by_owner`` lists the owner's journeys not closed, oldest sale first."""
        handed = _journey("o-2", sold_days=2).hand_over("per", T0.add(days=3), reason="ferie")
        with store.unit_of_work() as uow:
            uow.journeys.add(_lived_journey())  # closed, now owned by bjørn
            uow.journeys.add(handed.value)
            uow.journeys.add(_journey("o-3", sold_days=4))
            uow.journeys.add(_journey("o-4", sold_days=1))
            uow.commit()
        with store.unit_of_work() as uow:
            ase = [item.id for item in uow.journeys.open_by_owner("åse")]
            per = [item.id for item in uow.journeys.open_by_owner("per")]
            bjorn = uow.journeys.open_by_owner("bjørn")
            one = uow.journeys.open_by_owner("åse", limit=1)
        assert ase == ["o-4", "o-3"]
        assert per == ["o-2"]
        assert bjorn == []
        assert [item.id for item in one] == ["o-4"]

    def test_lifecycle_promises_due_before_an_instant_and_unsettled(self, store: Store) -> None:
        """Unsettled delivery promises due strictly before the instant, by due instant."""
        delivered = _journey("o-2", sold_days=1).deliver(T0.add(days=2)).value
        with store.unit_of_work() as uow:
            uow.journeys.add(_journey("o-1"))  # p1 due day 5, p2 due day 2
            uow.journeys.add(delivered)  # settled by the final delivery
            uow.journeys.add(_journey("o-3", "k-2", sold_days=1))  # p1 day 6, p2 day 3
            uow.commit()
        with store.unit_of_work() as uow:
            due = uow.journeys.promises_due(T0.add(days=6))
            upto_day_5 = uow.journeys.promises_due(T0.add(days=5))
            of_k2 = uow.journeys.promises_due(T0.add(days=9), customer_id="k-2")
            first = uow.journeys.promises_due(T0.add(days=9), limit=1)
        assert [(item.journey.id, item.promise.id) for item in due] == [
            ("o-1", "p2"),
            ("o-3", "p2"),
            ("o-1", "p1"),
        ]
        assert due[0].due == T0.add(days=2)
        assert [(item.journey.id, item.promise.id) for item in upto_day_5] == [
            ("o-1", "p2"),
            ("o-3", "p2"),
        ]
        assert [(item.journey.id, item.promise.id) for item in of_k2] == [
            ("o-3", "p2"),
            ("o-3", "p1"),
        ]
        assert [(item.journey.id, item.promise.id) for item in first] == [("o-1", "p2")]

    def test_lifecycle_promises_due_within_a_window_settled_or_not(self, store: Store) -> None:
        """With since and include_settled, every delivery promise due in [since, before)."""
        delivered = _journey("o-2", sold_days=1).deliver(T0.add(days=2)).value
        with store.unit_of_work() as uow:
            uow.journeys.add(_journey("o-1"))  # p1 due day 5, p2 due day 2
            uow.journeys.add(delivered)  # p1 day 6, p2 day 3, both settled
            uow.journeys.add(_journey("o-3", "k-2", sold_days=1))  # p1 day 6, p2 day 3
            uow.commit()
        with store.unit_of_work() as uow:
            window = uow.journeys.promises_due(
                T0.add(days=7), since=T0.add(days=3), include_settled=True
            )
            unsettled = uow.journeys.promises_due(T0.add(days=7), since=T0.add(days=3))
        assert [(item.journey.id, item.promise.id) for item in window] == [
            ("o-2", "p2"),
            ("o-3", "p2"),
            ("o-1", "p1"),
            ("o-2", "p1"),
            ("o-3", "p1"),
        ]
        assert [(item.journey.id, item.promise.id) for item in unsettled] == [
            ("o-3", "p2"),
            ("o-1", "p1"),
            ("o-3", "p1"),
        ]

    def test_lifecycle_promises_due_follow_saved_settlements(self, store: Store) -> None:
        """A promise settled by a later save (a delivery in full) leaves the due list."""
        with store.unit_of_work() as uow:
            stored = uow.journeys.add(_journey("o-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.journeys.save(stored.deliver(T0.add(days=1), {"pute": 2}, final=False).value)
            uow.commit()
        with store.unit_of_work() as uow:
            due = uow.journeys.promises_due(T0.add(days=9))
        assert [item.promise.id for item in due] == ["p1"]

    def test_lifecycle_find_journeys_pages_and_filters_by_sale(self, store: Store) -> None:
        """``find`` visits journeys by id once, within ``[sold_from, sold_until)``."""
        with store.unit_of_work() as uow:
            for number in range(9):
                uow.journeys.add(_journey(f"o-{number}", sold_days=number))
            uow.commit()
        with store.unit_of_work() as uow:
            seen: list[str] = []
            after = None
            while page := uow.journeys.find(after=after, limit=4):
                seen.extend(item.id for item in page)
                after = page[-1].id
            window = uow.journeys.find(sold_from=T0.add(days=2), sold_until=T0.add(days=5))
        assert seen == [f"o-{number}" for number in range(9)]
        assert [item.id for item in window] == ["o-2", "o-3", "o-4"]

    def test_lifecycle_journeys_move_to_another_customer(self, store: Store) -> None:
        """A journey saved under a survivor's id is found, with its promises, under it only."""
        with store.unit_of_work() as uow:
            stored = uow.journeys.add(_journey("o-1", "k-old"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.journeys.save(stored.moved_to("k-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.journeys.for_customer("k-old") == []
            assert [item.id for item in uow.journeys.for_customer("k-1")] == ["o-1"]
            assert uow.journeys.promises_due(T0.add(days=9), customer_id="k-old") == []
            assert len(uow.journeys.promises_due(T0.add(days=9), customer_id="k-1")) == 2

    def test_lifecycle_journey_not_committed_is_not_stored(self, store: Store) -> None:
        """Journeys, relationships and referrals added without commit are rolled back."""
        with store.unit_of_work() as uow:
            uow.journeys.add(_journey())
            uow.relationships.add(Relationship.start("k-1", T0))
            uow.referrals.add(_referral())
        with store.unit_of_work() as uow:
            assert uow.journeys.for_customer("k-1") == []
            assert uow.journeys.promises_due(T0.add(days=9)) == []
            assert uow.referrals.by_referrer("k-1") == []
            with pytest.raises(NotFoundError):
                uow.relationships.get("k-1")

    def test_lifecycle_same_order_from_8_writers_gives_one_journey(self, store: Store) -> None:
        """8 threads recording the same order through Relations leave exactly one journey."""
        crm = Relations(store, clock=FixedClock(T0))
        crm.register("k-1", PersonName("Kåre"))
        recorded: list[str] = []

        def record(index: int) -> None:
            journey = crm.record_order(
                "k-1", "o-1", lines=[SaleLine("pute", 2)], promises=[], at=T0
            )
            recorded.append(f"{index}:{journey.id}:{journey.version}")

        assert run_threads(8, record) == []
        with store.unit_of_work() as uow:
            assert [item.id for item in uow.journeys.for_customer("k-1")] == ["o-1"]
        assert len(recorded) == 8

    def test_lifecycle_orders_of_one_new_customer_from_8_writers(self, store: Store) -> None:
        """8 threads recording different first orders of one customer all land, stages agree."""
        crm = Relations(store, clock=FixedClock(T0.add(hours=1)), conflict_retries=20)
        crm.register("k-1", PersonName("Kåre"))

        def record(index: int) -> None:
            crm.record_order("k-1", f"o-{index}", at=T0.add(minutes=index))

        assert run_threads(8, record) == []
        with store.unit_of_work() as uow:
            assert len(uow.journeys.for_customer("k-1")) == 8
            relationship = uow.relationships.get("k-1")
        assert [row.to_stage for row in relationship.history] == [
            "prospect",
            "customer",
            "repeat customer",
        ]

    # -- referrals --------------------------------------------------------------------------

    def test_lifecycle_referral_round_trip(self, store: Store) -> None:
        """A converted referral comes back equal, at version 1."""
        original = _referral().convert("o-7", T0.add(days=3)).value
        with store.unit_of_work() as uow:
            uow.referrals.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.referrals.get("r-1")
        assert loaded == original
        assert loaded.version == 1
        assert json.loads(json.dumps(loaded.to_dict())) == original.to_dict() | {"version": 1}

    def test_lifecycle_referral_duplicate_and_conflict(self, store: Store) -> None:
        """A second referral with one id is refused; a stale save conflicts; unknown ids fail."""
        with store.unit_of_work() as uow:
            stale = uow.referrals.add(_referral())
            uow.referrals.save(stale.convert("o-1", T0.add(days=1)).value)
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(DuplicateError):
                uow.referrals.add(_referral())
            assert uow.referrals.get("r-1").version == 2
        with store.unit_of_work() as uow, pytest.raises(ConflictError):
            uow.referrals.save(stale.convert("o-2", T0.add(days=2)).value)
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.referrals.get("r-9")
            with pytest.raises(NotFoundError):
                uow.referrals.save(_referral("r-9"))

    def test_lifecycle_referrals_by_referrer_and_referred(self, store: Store) -> None:
        """Referrals are found by referrer and by referred, oldest first."""
        with store.unit_of_work() as uow:
            uow.referrals.add(_referral("r-b", "k-1", "k-3", days=2))
            uow.referrals.add(_referral("r-a", "k-1", "k-2", days=1))
            uow.referrals.add(_referral("r-c", "k-4", "k-2", days=0))
            uow.commit()
        with store.unit_of_work() as uow:
            made = [item.id for item in uow.referrals.by_referrer("k-1")]
            of_k2 = [item.id for item in uow.referrals.for_referred("k-2")]
            none = uow.referrals.by_referrer("k-2")
        assert made == ["r-a", "r-b"]
        assert of_k2 == ["r-c", "r-a"]
        assert none == []

    def test_lifecycle_referrals_move_to_another_customer(self, store: Store) -> None:
        """A referral saved with a survivor's id in place of a duplicate's is found under it."""
        with store.unit_of_work() as uow:
            made = uow.referrals.add(_referral("r-1", "k-old", "k-2"))
            received = uow.referrals.add(_referral("r-2", "k-3", "k-old"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.referrals.save(made.moved("k-old", "k-1"))
            uow.referrals.save(received.moved("k-old", "k-1"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.referrals.by_referrer("k-old") == []
            assert uow.referrals.for_referred("k-old") == []
            assert [item.id for item in uow.referrals.by_referrer("k-1")] == ["r-1"]
            assert [item.id for item in uow.referrals.for_referred("k-1")] == ["r-2"]
