"""The storage contract for ``uow.cases``."""

from __future__ import annotations

import json
from collections import Counter

import pendulum
import pytest

from custrel.cases import (
    AssignmentPolicy,
    Case,
    CaseEventType,
    CaseKind,
    CaseStatus,
    Priority,
    Role,
    Route,
    Strategy,
    Team,
    TeamMember,
    Voucher,
)
from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.money import Money
from custrel.storage.protocols import Store
from custrel.testing._clocks import FixedClock
from custrel.testing._contracts._support import T0, StoreFixture, plain_customer, run_threads

__all__ = ["CaseRepositoryContract", "plain_case", "rich_case"]


def plain_case(
    case_id: str,
    customer_id: str = "k-1",
    *,
    kind: CaseKind = CaseKind.SUPPORT,
    priority: Priority = Priority.NORMAL,
    at: pendulum.DateTime = T0,
) -> Case:
    """A NEW case opened at *at*."""
    return Case.open(id=case_id, customer_id=customer_id, kind=kind, priority=priority, at=at)


def rich_case(case_id: str = "c-1", customer_id: str = "k-1") -> Case:
    """A closed case holding every event type, exact Money, a voucher and non-ASCII text."""
    case = Case.open(
        id=case_id,
        customer_id=customer_id,
        kind=CaseKind.COMPLAINT,
        priority=Priority.HIGH,
        at=T0,
        channel="E-post",
        order_id="ordre-ø-17",
        subject="Pakken kom knust: «beklager» 😞",
        actor="staff-åse",
        note="Kunden ringte fra Tromsø",
    )
    case = case.assign("staff-bjørn", T0.add(minutes=1), reason="dedicated owner")
    case = case.agent_reply(T0.add(minutes=30), agent="staff-bjørn", note="Beklager så mye!")
    case = case.set_status(CaseStatus.WAITING_ON_CUSTOMER, T0.add(minutes=31))
    case = case.customer_reply(T0.add(hours=5), note="Bilder vedlagt")
    case = case.change_priority(Priority.URGENT, T0.add(hours=5), actor="staff-åse")
    case = case.change_kind(CaseKind.RETURN, T0.add(hours=6), note="bytte")
    case = case.resolve(
        T0.add(hours=7), apology=True, compensation=Money("199.90", "NOK"), actor="staff-bjørn"
    )
    case = case.reopen(T0.add(days=1), note="Feil størrelse")
    case = case.record_escalation("warn-75", T0.add(days=1, hours=1))
    case = case.resolve(
        T0.add(days=2),
        apology=True,
        compensation=Voucher("BEKLAGER-Å1", Money("0.000000000000000000000001", "EUR")),
    )
    return case.close(T0.add(days=9))


def _ids(cases: object) -> list[str]:
    return [case.id for case in cases]  # type: ignore[attr-defined]


class CaseRepositoryContract(StoreFixture):
    """``uow.cases``: get, add, save with check times, the breach queue, queries, cursors, merge."""

    def test_case_round_trip_keeps_every_event(self, store: Store) -> None:
        """A case using every event type reads back equal, exact decimals and text included."""
        original = rich_case()
        assert {event.type for event in original.history} == set(CaseEventType)
        with store.unit_of_work() as uow:
            added = uow.cases.add(original)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.cases.get("c-1")
        assert (added.version, loaded.version) == (1, 1)
        assert loaded == original
        assert loaded.history == original.history
        assert json.loads(json.dumps(loaded.to_dict())) == original.to_dict() | {"version": 1}
        assert loaded.compensation == original.compensation
        assert str(loaded.history[7].compensation) == "199.90 NOK"
        assert loaded.subject == "Pakken kom knust: «beklager» 😞"

    def test_case_get_unknown_id_raises_not_found(self, store: Store) -> None:
        """Getting a case nobody stored raises NotFoundError naming the id."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="c-404"):
            uow.cases.get("c-404")

    def test_case_adding_an_existing_id_raises_duplicate(self, store: Store) -> None:
        """A second case with the same id is refused; the first stays as it was."""
        with store.unit_of_work() as uow:
            uow.cases.add(plain_case("c-1", "k-1"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(DuplicateError, match="c-1"):
            uow.cases.add(plain_case("c-1", "k-2"))
        with store.unit_of_work() as uow:
            assert uow.cases.get("c-1").customer_id == "k-1"

    def test_case_save_stores_changes_and_bumps_the_version(self, store: Store) -> None:
        """Saving returns the case at version + 1, and that is what is read back."""
        with store.unit_of_work() as uow:
            added = uow.cases.add(plain_case("c-1"))
            saved = uow.cases.save(added.agent_reply(T0.add(minutes=5), agent="ada"))
            uow.commit()
        assert saved.version == 2
        with store.unit_of_work() as uow:
            loaded = uow.cases.get("c-1")
        assert loaded.version == 2
        assert loaded.status is CaseStatus.OPEN

    def test_case_saving_a_stale_version_raises_conflict(self, store: Store) -> None:
        """A save based on an old version is refused; the newer history stays."""
        with store.unit_of_work() as uow:
            stale = uow.cases.add(plain_case("c-1"))
            uow.cases.save(stale.agent_reply(T0.add(minutes=5), agent="ada"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(ConflictError, match="version"):
            uow.cases.save(stale.resolve(T0.add(minutes=9)))
        with store.unit_of_work() as uow:
            assert uow.cases.get("c-1").status is CaseStatus.OPEN

    def test_case_saving_an_unknown_case_raises_not_found(self, store: Store) -> None:
        """Save is for stored cases; a new one must be added."""
        with store.unit_of_work() as uow, pytest.raises(NotFoundError, match="c-9"):
            uow.cases.save(plain_case("c-9"))

    def test_case_check_at_is_stored_replaced_and_cleared(self, store: Store) -> None:
        """Add and save store the check time given, None clears it, and it reads back exactly."""
        first = T0.add(hours=2)
        with store.unit_of_work() as uow:
            added = uow.cases.add(plain_case("c-1"), check_at=first)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.cases.check_at("c-1") == first
            saved = uow.cases.save(added, check_at=T0.add(hours=3))
            assert uow.cases.check_at("c-1") == T0.add(hours=3)
            uow.cases.save(saved)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.cases.check_at("c-1") is None
            with pytest.raises(NotFoundError, match="c-2"):
                uow.cases.check_at("c-2")

    def test_case_naive_check_at_is_refused_and_writes_nothing(self, store: Store) -> None:
        """A naive check time raises ValidationError before anything is stored."""
        naive = pendulum.naive(2026, 3, 29, 12)
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError, match="check_at"):
                uow.cases.add(plain_case("c-1"), check_at=naive)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.cases.get("c-1")

    def test_case_due_before_is_the_breach_queue(self, store: Store) -> None:
        """Cases due at or before the instant come earliest first, ties by id, up to the limit."""
        due = {
            "c-5": T0.add(hours=1),
            "c-4": T0.add(hours=1),
            "c-3": T0.add(minutes=10),
            "c-2": T0.add(hours=1, seconds=1),  # one second too late
            "c-1": None,  # nothing to check
        }
        with store.unit_of_work() as uow:
            for case_id, check_at in due.items():
                uow.cases.add(plain_case(case_id), check_at=check_at)
            uow.commit()
        cutoff = T0.add(hours=1).in_timezone("America/New_York")
        with store.unit_of_work() as uow:
            assert _ids(uow.cases.due_before(cutoff)) == ["c-3", "c-4", "c-5"]
            assert _ids(uow.cases.due_before(cutoff, limit=2)) == ["c-3", "c-4"]
            assert _ids(uow.cases.due_before(T0)) == []

    def test_case_due_before_follows_saves(self, store: Store) -> None:
        """A save with a later check time takes the case out of the queue; None removes it."""
        with store.unit_of_work() as uow:
            one = uow.cases.add(plain_case("c-1"), check_at=T0.add(minutes=5))
            two = uow.cases.add(plain_case("c-2"), check_at=T0.add(minutes=6))
            uow.cases.save(one, check_at=T0.add(days=1))
            uow.cases.save(two.resolve(T0.add(minutes=6)), check_at=None)
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.cases.due_before(T0.add(hours=1))) == []
            assert _ids(uow.cases.due_before(T0.add(days=2))) == ["c-1"]

    def test_case_find_pages_through_every_case_once(self, store: Store) -> None:
        """Paging by id visits each case once; ``open_only`` skips resolved and closed ones."""
        ids = [f"c-{number:02d}" for number in range(23)]
        with store.unit_of_work() as uow:
            for number, case_id in enumerate(reversed(ids)):
                case = plain_case(case_id)
                if number % 3 == 0:
                    case = case.resolve(T0.add(minutes=1))
                uow.cases.add(case)
            uow.commit()
        for open_only in (False, True):
            seen: list[str] = []
            after = None
            with store.unit_of_work() as uow:
                while page := uow.cases.find(open_only=open_only, after=after, limit=5):
                    seen.extend(_ids(page))
                    after = page[-1].id
            resolved = {case_id for number, case_id in enumerate(reversed(ids)) if number % 3 == 0}
            expected = [case_id for case_id in ids if not (open_only and case_id in resolved)]
            assert seen == expected

    def test_case_open_by_assignee_filters_and_pages(self, store: Store) -> None:
        """Only the assignee's open cases, narrowed by kind and priority, in id order by page."""
        at = T0.add(minutes=1)
        with store.unit_of_work() as uow:
            for number in range(7):
                uow.cases.add(plain_case(f"c-{number}").assign("ada", at))
            uow.cases.add(plain_case("c-7").assign("bo", at))
            uow.cases.add(plain_case("c-8").assign("ada", at).resolve(at))
            uow.cases.add(plain_case("c-9").assign("bo", at).assign("ada", at))
            uow.cases.add(plain_case("c-x", kind=CaseKind.WARRANTY).assign("ada", at))
            uow.cases.add(plain_case("c-y", priority=Priority.URGENT).assign("ada", at))
            uow.commit()
        with store.unit_of_work() as uow:
            mine = uow.cases.open_by_assignee("ada")
            page = uow.cases.open_by_assignee("ada", after="c-3", limit=3)
            warranty = uow.cases.open_by_assignee("ada", kind=CaseKind.WARRANTY)
            urgent = uow.cases.open_by_assignee("ada", priority=Priority.URGENT)
            nobody = uow.cases.open_by_assignee("cy")
        assert _ids(mine) == [f"c-{number}" for number in (0, 1, 2, 3, 4, 5, 6, 9)] + [
            "c-x",
            "c-y",
        ]
        assert _ids(page) == ["c-4", "c-5", "c-6"]
        assert _ids(warranty) == ["c-x"]
        assert _ids(urgent) == ["c-y"]
        assert list(nobody) == []

    def test_case_for_customer_lists_oldest_first(self, store: Store) -> None:
        """A customer's cases come oldest opened first; ``open_only`` drops resolved ones."""
        with store.unit_of_work() as uow:
            uow.cases.add(plain_case("c-b", "k-1", at=T0.add(hours=2)))
            uow.cases.add(plain_case("c-a", "k-1", at=T0.add(hours=3)).resolve(T0.add(hours=4)))
            uow.cases.add(plain_case("c-c", "k-1", at=T0))
            uow.cases.add(plain_case("c-d", "k-2", at=T0))
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.cases.for_customer("k-1")) == ["c-c", "c-b", "c-a"]
            assert _ids(uow.cases.for_customer("k-1", open_only=True)) == ["c-c", "c-b"]
            assert list(uow.cases.for_customer("k-3")) == []

    def test_case_open_counts_per_assignee(self, store: Store) -> None:
        """Open cases are counted per assignee; resolved ones are not; absent names count 0."""
        at = T0.add(minutes=1)
        with store.unit_of_work() as uow:
            uow.cases.add(plain_case("c-1").assign("ada", at))
            uow.cases.add(plain_case("c-2").assign("ada", at))
            uow.cases.add(plain_case("c-3").assign("bo", at))
            uow.cases.add(plain_case("c-4").assign("bo", at).resolve(at))
            uow.cases.add(plain_case("c-5").assign("dag", at))
            uow.commit()
        with store.unit_of_work() as uow:
            counts = uow.cases.open_counts(["ada", "bo", "cy"])
            assert dict(counts) == {"ada": 2, "bo": 1, "cy": 0}
            assert dict(uow.cases.open_counts([])) == {}

    def test_case_assignment_cursor_is_kept_per_pool(self, store: Store) -> None:
        """A pool's cursor starts as None, keeps what was set, and a rollback discards a change."""
        with store.unit_of_work() as uow:
            assert uow.cases.assignment_cursor("help_desk") is None
            uow.cases.set_assignment_cursor("help_desk", "bo")
            uow.cases.set_assignment_cursor("warranty_technician", "cy")
            uow.commit()
        with store.unit_of_work() as uow:
            uow.cases.set_assignment_cursor("help_desk", "dag")
        with store.unit_of_work() as uow:
            assert uow.cases.assignment_cursor("help_desk") == "bo"
            assert uow.cases.assignment_cursor("warranty_technician") == "cy"

    def test_case_move_customer_files_cases_under_the_survivor(self, store: Store) -> None:
        """Moving re-files every case of one customer, bumps versions, and leaves others alone."""
        with store.unit_of_work() as uow:
            stale = uow.cases.add(plain_case("c-1", "k-dup"))
            uow.cases.add(plain_case("c-2", "k-dup", at=T0.add(hours=1)))
            uow.cases.add(plain_case("c-3", "k-other"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.cases.move_customer("k-dup", "k-1") == 2
            assert uow.cases.move_customer("k-nobody", "k-1") == 0
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.cases.for_customer("k-1")) == ["c-1", "c-2"]
            assert list(uow.cases.for_customer("k-dup")) == []
            moved = uow.cases.get("c-1")
            assert (moved.customer_id, moved.version) == ("k-1", 2)
            assert uow.cases.get("c-3").customer_id == "k-other"
            with pytest.raises(ConflictError):
                uow.cases.save(stale.agent_reply(T0.add(hours=2)))

    def test_case_leaving_without_commit_stores_nothing(self, store: Store) -> None:
        """Cases, check times and cursors written without commit are rolled back."""
        with store.unit_of_work() as uow:
            uow.cases.add(plain_case("c-1"), check_at=T0)
            uow.cases.set_assignment_cursor("help_desk", "ada")
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.cases.get("c-1")
            assert list(uow.cases.due_before(T0.add(days=1))) == []
            assert uow.cases.assignment_cursor("help_desk") is None

    @pytest.mark.parametrize("strategy", [Strategy.ROUND_ROBIN, Strategy.LEAST_LOADED])
    def test_case_concurrent_assignment_spreads_cases_evenly(
        self, store: Store, strategy: Strategy
    ) -> None:
        """8 threads opening 3 cases each through Relations give each of 4 members exactly 6."""
        from custrel.relations import Relations  # noqa: PLC0415 - the facade, only for this test

        with store.unit_of_work() as uow:
            uow.customers.add(plain_customer("k-1"))
            uow.commit()
        team = Team([TeamMember(name, [Role.HELP_DESK]) for name in ("ada", "bo", "cy", "dag")])
        policy = AssignmentPolicy(team, default=Route([Role.HELP_DESK], strategy))
        crm = Relations(store, clock=FixedClock(T0), assignment=policy)

        def open_cases(index: int) -> None:
            for number in range(3):
                crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id=f"c-{index}-{number}")

        assert run_threads(8, open_cases) == []
        with store.unit_of_work() as uow:
            cases = uow.cases.for_customer("k-1")
        assert len(cases) == 24
        assert Counter(case.assignee for case in cases) == {
            "ada": 6,
            "bo": 6,
            "cy": 6,
            "dag": 6,
        }
