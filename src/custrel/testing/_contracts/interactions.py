"""The storage contract for ``uow.interactions``: the contact log."""

from __future__ import annotations

import random
from typing import Any

import pendulum
import pytest

from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.interactions import Interaction, Logged, Opportunity, TimelinePage
from custrel.money import Money
from custrel.storage.protocols import Store, UnitOfWork
from custrel.testing._contracts._support import T0, StoreFixture, run_threads

__all__ = ["InteractionRepositoryContract", "sample_interaction"]


def sample_interaction(external_id: str, **fields: Any) -> Interaction:  # noqa: ANN401
    """An inbound email from customer ``k-1`` at `T0`, with *fields* replacing the defaults."""
    values: dict[str, Any] = {
        "external_id": external_id,
        "customer_id": "k-1",
        "at": T0,
        "channel": "email",
        "direction": "inbound",
        "kind": "inquiry",
    }
    return Interaction(**(values | fields))


def _rich() -> Interaction:
    return Interaction(
        external_id="<CAF=42@mail.example.no>",
        customer_id="k-1",
        at=T0.add(minutes=3, microseconds=7),
        channel="phone",
        direction="outbound",
        kind="feedback",
        outcome="follow_up_needed",
        outcome_note="ringer tilbake på fredag",
        sentiment=-2,
        staff="staff-åse",
        order_id="o-1",
        journey_id="j-1",
        case_id="c-1",
        notes="Kunden var misfornøyd med leveringen — «aldri igjen»",
        opportunity=Opportunity("vinterdekk", Money("12999.50", "NOK"), "staff-bjørn"),
        csat=2,
        nps=3,
    )


def _next_cursor(page: TimelinePage, used: set[str]) -> str | None:
    """The page's ``next_cursor``; a cursor handed out twice fails the test instead of looping."""
    cursor = page.next_cursor
    if cursor is not None:
        if cursor in used:
            pytest.fail(f"paging handed out the cursor {cursor!r} twice: it would never end")
        used.add(cursor)
    return cursor


def _whole_timeline(uow: UnitOfWork, customer_id: str, **filters: Any) -> list[str]:  # noqa: ANN401
    seen: list[str] = []
    used: set[str] = set()
    cursor = None
    while True:
        page = uow.interactions.timeline(customer_id, cursor=cursor, **filters)
        seen.extend(item.external_id for item in page)
        cursor = _next_cursor(page, used)
        if cursor is None:
            return seen


def _log(store: Store, *interactions: Interaction) -> None:
    with store.unit_of_work() as uow:
        for interaction in interactions:
            uow.interactions.log(interaction)
        uow.commit()


class InteractionRepositoryContract(StoreFixture):
    """``uow.interactions``: idempotent logging, the timeline, opportunities, merge moves."""

    def test_interaction_round_trip_keeps_every_field(self, store: Store) -> None:
        """An interaction read back equals the one logged, field by field, at version 1."""
        original = _rich()
        with store.unit_of_work() as uow:
            logged = uow.interactions.log(original)
            uow.commit()
        assert logged == Logged(original, created=True)
        assert logged.interaction.version == 1
        with store.unit_of_work() as uow:
            loaded = uow.interactions.get(original.external_id)
        assert loaded == original
        assert loaded.version == 1
        assert loaded.to_dict() == original.to_dict() | {"version": 1}

    def test_interaction_get_unknown_raises_not_found(self, store: Store) -> None:
        """Getting an external id nobody logged raises NotFoundError naming it."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="nobody"):
            uow.interactions.get("nobody")

    def test_interaction_logging_twice_with_equal_content_writes_once(self, store: Store) -> None:
        """The same external id and content again returns the stored one, created False."""
        first = sample_interaction("m-1", notes="hei")
        _log(store, first)
        again = sample_interaction("m-1", notes="hei", at=T0.in_timezone("UTC"))
        with store.unit_of_work() as uow:
            logged = uow.interactions.log(again)
            uow.commit()
        assert logged.created is False
        assert logged.interaction == first
        assert logged.interaction.version == 1
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["m-1"]

    def test_interaction_logging_other_content_names_the_differing_fields(
        self, store: Store
    ) -> None:
        """A known external id with other content is refused, naming each differing field."""
        _log(store, sample_interaction("m-1", notes="hei"))
        changed = sample_interaction("m-1", notes="hallo", kind="complaint", sentiment=-1)
        with (
            store.unit_of_work() as uow,
            pytest.raises(DuplicateError, match=r"'m-1'.*kind, sentiment, notes differ"),
        ):
            uow.interactions.log(changed)
        with store.unit_of_work() as uow:
            assert uow.interactions.get("m-1").notes == "hei"

    def test_interaction_concurrent_logging_of_one_external_id_keeps_one_row(
        self, store: Store
    ) -> None:
        """Eight writers logging the same interaction at once all succeed; one creates it."""
        results: list[Logged] = []

        def work(_: int) -> None:
            with store.unit_of_work() as uow:
                logged = uow.interactions.log(sample_interaction("m-1", notes="samme"))
                uow.commit()
            results.append(logged)

        assert run_threads(8, work) == []
        assert sorted(logged.created for logged in results) == [False] * 7 + [True]
        assert {logged.interaction.notes for logged in results} == {"samme"}
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["m-1"]

    def test_interaction_concurrent_logging_with_other_content_refuses_the_rest(
        self, store: Store
    ) -> None:
        """Eight writers with different notes under one id: one row, seven DuplicateErrors."""

        def work(index: int) -> None:
            with store.unit_of_work() as uow:
                uow.interactions.log(sample_interaction("m-1", notes=f"writer {index}"))
                uow.commit()

        errors = run_threads(8, work)
        assert len(errors) == 7
        assert all(isinstance(error, DuplicateError) for error in errors), errors
        assert all("notes differ" in str(error) for error in errors)
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["m-1"]

    def test_interaction_nothing_is_kept_without_commit(self, store: Store) -> None:
        """Logging inside a unit of work that is not committed leaves nothing behind."""
        with store.unit_of_work() as uow:
            uow.interactions.log(sample_interaction("m-1"))
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == []
            uow.interactions.log(sample_interaction("m-1", notes="later"))  # the id is free
            uow.commit()

    def test_interaction_timeline_is_newest_first_then_latest_logged(self, store: Store) -> None:
        """Order is instant descending; equal instants come most recently logged first."""
        _log(
            store,
            sample_interaction("b", at=T0),
            sample_interaction("a", at=T0.add(hours=1)),
            sample_interaction("c", at=T0),
            sample_interaction("d", at=T0.subtract(days=1)),
            sample_interaction("e", at=T0.in_timezone("America/St_Johns")),
        )
        with store.unit_of_work() as uow:
            page = uow.interactions.timeline("k-1")
        assert [item.external_id for item in page] == ["a", "e", "c", "b", "d"]
        assert page.next_cursor is None

    def test_interaction_paging_visits_each_once_with_ties(self, store: Store) -> None:
        """Pages of every size visit each interaction exactly once, in timeline order."""
        generator = random.Random(5)  # noqa: S311 - test data, not secrets
        instants = [T0.add(minutes=generator.randrange(6)) for _ in range(40)]
        _log(
            store,
            *(sample_interaction(f"m-{i:02d}", at=at) for i, at in enumerate(instants)),
        )
        expected = [
            f"m-{i:02d}"
            for i in sorted(range(40), key=lambda index: (instants[index], index), reverse=True)
        ]
        with store.unit_of_work() as uow:
            for limit in (1, 3, 7, 40, 41):
                assert _whole_timeline(uow, "k-1", limit=limit) == expected, limit

    def test_interaction_paging_survives_concurrent_logging_of_older_ones(
        self, store: Store
    ) -> None:
        """Older interactions logged between pages are visited once; none is seen twice."""
        _log(store, *(sample_interaction(f"m-{i}", at=T0.add(minutes=i % 3)) for i in range(9)))
        seen: list[str] = []
        used: set[str] = set()
        cursor = None
        added = 0
        while True:
            with store.unit_of_work() as uow:
                page = uow.interactions.timeline("k-1", limit=2, cursor=cursor)
            seen.extend(item.external_id for item in page)
            cursor = _next_cursor(page, used)
            if cursor is None:
                break
            if added == 20:  # 9 stored, 2 more a page: 20 pages are far more than enough
                pytest.fail(f"paging has not ended after {added} pages")
            last = page.items[-1]
            _log(
                store,
                sample_interaction(f"older-{added}", at=last.at.subtract(seconds=1)),
                sample_interaction(f"tie-{added}", at=last.at),  # newer position: already passed
            )
            added += 1
        assert len(seen) == len(set(seen))
        assert {f"m-{i}" for i in range(9)} <= set(seen)
        assert {f"older-{i}" for i in range(added)} <= set(seen)
        assert not any(external_id.startswith("tie-") for external_id in seen)

    def test_interaction_timeline_filters(self, store: Store) -> None:
        """Period, kinds, channels, directions and opportunity filters combine with AND."""
        _log(
            store,
            sample_interaction("old", at=T0.subtract(days=2)),
            sample_interaction("call", at=T0, channel="phone", kind="complaint"),
            sample_interaction("chat", at=T0.add(hours=1), channel="chat", direction="outbound"),
            sample_interaction(
                "deal", at=T0.add(hours=2), kind="sales_contact", opportunity=Opportunity("ski")
            ),
            sample_interaction("other", customer_id="k-2", at=T0),
        )
        with store.unit_of_work() as uow:
            timeline = uow.interactions.timeline
            assert [i.external_id for i in timeline("k-1", since=T0)] == ["deal", "chat", "call"]
            assert [i.external_id for i in timeline("k-1", until=T0)] == ["old"]
            window = timeline("k-1", since=T0, until=T0.add(hours=1))
            assert [i.external_id for i in window] == ["call"]
            assert [i.external_id for i in timeline("k-1", kinds="complaint")] == ["call"]
            by_kinds = timeline("k-1", kinds=["complaint", "sales_contact"])
            assert [i.external_id for i in by_kinds] == ["deal", "call"]
            by_channels = timeline("k-1", channels={"phone", "chat"})
            assert [i.external_id for i in by_channels] == ["chat", "call"]
            assert [i.external_id for i in timeline("k-1", directions="outbound")] == ["chat"]
            assert [i.external_id for i in timeline("k-1", with_opportunity=True)] == ["deal"]
            assert [i.external_id for i in timeline("k-2")] == ["other"]
            assert [i.external_id for i in timeline("k-3")] == []

    def test_interaction_filters_page_without_gaps(self, store: Store) -> None:
        """A filtered timeline pages through exactly the matching interactions."""
        _log(
            store,
            *(
                sample_interaction(f"m-{i:02d}", at=T0.add(minutes=i // 2), kind=kind)
                for i, kind in enumerate(["complaint", "inquiry", "support"] * 6)
            ),
        )
        with store.unit_of_work() as uow:
            complaints = _whole_timeline(uow, "k-1", kinds="complaint", limit=2)
        assert complaints == [f"m-{i:02d}" for i in range(15, -1, -3)]

    def test_interaction_bad_queries_raise_validation_error(self, store: Store) -> None:
        """A malformed cursor, limit or filter is refused with ValidationError."""
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError, match="cursor"):
                uow.interactions.timeline("k-1", cursor="not-a-cursor")
            with pytest.raises(ValidationError, match="limit"):
                uow.interactions.timeline("k-1", limit=0)
            with pytest.raises(ValidationError, match="kinds"):
                uow.interactions.timeline("k-1", kinds="gossip")
            with pytest.raises(ValidationError, match="until"):
                uow.interactions.timeline("k-1", since=T0, until=T0.subtract(seconds=1))

    def test_interaction_save_bumps_the_version_and_refuses_stale_ones(self, store: Store) -> None:
        """Saving stores version + 1; stale versions conflict, unknown ids are not found."""
        _log(store, sample_interaction("m-1"))
        with store.unit_of_work() as uow:
            stored = uow.interactions.get("m-1")
            change = stored.register_opportunity(Opportunity("ski", staff="ola"), at=T0)
            saved = uow.interactions.save(change.value)
            uow.commit()
        assert saved.version == 2
        with store.unit_of_work() as uow:
            assert uow.interactions.get("m-1").opportunity == Opportunity("ski", staff="ola")
            with pytest.raises(ConflictError, match="version"):
                uow.interactions.save(stored.erased())
            with pytest.raises(NotFoundError, match="m-9"):
                uow.interactions.save(sample_interaction("m-9"))

    def test_interaction_opportunities_across_customers(self, store: Store) -> None:
        """Opportunities of every customer come newest first, filtered by staff and period."""
        _log(
            store,
            sample_interaction("a", at=T0, opportunity=Opportunity("ski", staff="ola")),
            sample_interaction("none", at=T0.add(hours=1)),
            sample_interaction(
                "b", customer_id="k-2", at=T0.add(hours=2), opportunity=Opportunity("sko")
            ),
            sample_interaction(
                "c", at=T0.add(hours=3), opportunity=Opportunity("lue", staff="ola")
            ),
        )
        with store.unit_of_work() as uow:
            everything = uow.interactions.opportunities()
            assert [i.external_id for i in everything] == ["c", "b", "a"]
            by_ola = uow.interactions.opportunities(staff="ola", limit=1)
            assert [i.external_id for i in by_ola] == ["c"]
            rest = uow.interactions.opportunities(staff="ola", cursor=by_ola.next_cursor)
            assert [i.external_id for i in rest] == ["a"]
            recent = uow.interactions.opportunities(since=T0.add(hours=1), until=T0.add(hours=3))
            assert [i.external_id for i in recent] == ["b"]

    def test_interaction_customers_to_watch(self, store: Store) -> None:
        """Customers with recent negative, inbound or rated contacts are found, sorted."""
        _log(
            store,
            sample_interaction("inbound", customer_id="k-1"),
            sample_interaction("negative", customer_id="k-2", direction="outbound", sentiment=-1),
            sample_interaction("rated", customer_id="k-3", direction="outbound", sentiment=1),
            sample_interaction("plain", customer_id="k-4", direction="outbound"),
            sample_interaction("old", customer_id="k-5", at=T0.subtract(days=40)),
        )
        with store.unit_of_work() as uow:
            watched = uow.interactions.customers_to_watch(since=T0.subtract(days=30))
        assert list(watched) == ["k-1", "k-2", "k-3"]

    def test_interaction_move_customer_keeps_the_order(self, store: Store) -> None:
        """A merge moves every interaction to the survivor, keeping timeline order."""
        _log(
            store,
            sample_interaction("dup-1", customer_id="k-2", at=T0),
            sample_interaction("own", customer_id="k-1", at=T0),
            sample_interaction("dup-2", customer_id="k-2", at=T0.add(minutes=1)),
        )
        with store.unit_of_work() as uow:
            assert uow.interactions.move_customer("k-2", "k-1") == 2
            uow.commit()
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["dup-2", "own", "dup-1"]
            assert _whole_timeline(uow, "k-2") == []
            moved = uow.interactions.get("dup-1")
            assert (moved.customer_id, moved.version) == ("k-1", 2)
            assert uow.interactions.move_customer("k-9", "k-1") == 0

    def test_interaction_log_many_logs_in_order_and_replays(self, store: Store) -> None:
        """A batch reports one result per input; known ids and repeats are not created."""
        _log(store, sample_interaction("known", notes="x"))
        batch = [
            sample_interaction("new-1"),
            sample_interaction("known", notes="x"),
            sample_interaction("new-2", at=T0.add(seconds=1)),
            sample_interaction("new-1"),
        ]
        with store.unit_of_work() as uow:
            results = uow.interactions.log_many(batch)
            uow.commit()
        assert [(r.interaction.external_id, r.created) for r in results] == [
            ("new-1", True),
            ("known", False),
            ("new-2", True),
            ("new-1", False),
        ]
        assert all(result.interaction.version == 1 for result in results)
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["new-2", "new-1", "known"]

    def test_interaction_log_many_refuses_contradictions(self, store: Store) -> None:
        """A batch contradicting the store or itself raises DuplicateError naming the fields."""
        _log(store, sample_interaction("known", notes="x"))
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="notes differ"):
            uow.interactions.log_many([sample_interaction("new"), sample_interaction("known")])
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="channel differ"):
            uow.interactions.log_many(
                [sample_interaction("twice"), sample_interaction("twice", channel="sms")]
            )
        with store.unit_of_work() as uow:
            assert _whole_timeline(uow, "k-1") == ["known"]

    def test_interaction_log_many_handles_large_batches(self, store: Store) -> None:
        """A batch larger than one chunk is logged completely."""
        batch = [
            sample_interaction(f"m-{i:04d}", at=T0.add(seconds=i % 60), customer_id=f"k-{i % 3}")
            for i in range(2_500)
        ]
        with store.unit_of_work() as uow:
            assert all(result.created for result in uow.interactions.log_many(batch))
            uow.commit()
        with store.unit_of_work() as uow:
            assert len(_whole_timeline(uow, "k-1", limit=1000)) == 833
            again = uow.interactions.log_many(batch[:1500])
        assert not any(result.created for result in again)

    def test_interaction_instants_keep_microseconds(self, store: Store) -> None:
        """Instants come back to the microsecond, as the same instant, even in a DST fold."""
        at = pendulum.datetime(2026, 10, 25, 2, 30, 0, 123456, tz="Europe/Oslo")
        _log(store, sample_interaction("m-1", at=at))
        with store.unit_of_work() as uow:
            loaded = uow.interactions.get("m-1")
            assert loaded == sample_interaction("m-1", at=at)
            assert loaded.at.timestamp() == at.timestamp()
            assert loaded.at.microsecond == 123456
            assert uow.interactions.log(sample_interaction("m-1", at=at)).created is False
