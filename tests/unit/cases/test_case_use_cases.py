from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from custrel import (
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    Relations,
    ValidationError,
)
from custrel.cases import (
    AssignmentPolicy,
    Case,
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
from custrel.customers import PersonName
from custrel.money import Money
from custrel.storage.memory import MemoryStore
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore
from custrel.testing import FixedClock

START = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")

TEAM = Team(
    [
        TeamMember("ada", [Role.HELP_DESK, Role.CUSTOMER_SERVICE]),
        TeamMember("bo", [Role.HELP_DESK, Role.CUSTOMER_SERVICE]),
        TeamMember("cy", [Role.WARRANTY_TECHNICIAN]),
        TeamMember("ola", [Role.ACCOUNT_MANAGER]),
    ]
)
POLICY = AssignmentPolicy(
    TEAM,
    routes={
        CaseKind.WARRANTY: Route([Role.WARRANTY_TECHNICIAN]),
        CaseKind.COMPLAINT: Route([Role.CUSTOMER_SERVICE], Strategy.LEAST_LOADED),
    },
    default=Route([Role.HELP_DESK]),
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'cases.sqlite'}")
    sql.create_schema()
    yield sql
    sql.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def crm(store: Store, clock: FixedClock) -> Relations:
    relations = Relations(store, clock=clock, assignment=POLICY)
    relations.register("k-1", PersonName("Kari", "Nordmann"), email="kari@example.no", owner="ola")
    relations.register("k-2", PersonName("Per"), email="per@example.no")
    return relations


def event_types(store: Store, customer_id: str) -> list[str]:
    with store.unit_of_work() as uow:
        return [
            entry.event.type
            for entry in uow.outbox.for_customer(customer_id)
            if entry.event.type.startswith("case.")
        ]


def assigned_reason(case: Case) -> str:
    return next(event.reason for event in reversed(case.history) if event.assignee)


class TestOpenCase:
    def test_the_dedicated_owner_gets_the_case(self, crm: Relations, store: Store) -> None:
        """A customer's present owner on the team takes the case, and the reason says so."""
        case = crm.open_case("k-1", kind=CaseKind.WARRANTY, case_id="c-1", subject="Kaffemaskin")
        assert case.version == 1
        assert case.assignee == "ola"
        assert assigned_reason(case) == "dedicated owner"
        assert case.opened_at == START
        assert crm.get_case("c-1") == case
        assert event_types(store, "k-1") == ["case.opened", "case.assigned"]

    def test_an_absent_owner_hands_over_by_round_robin(self, store: Store) -> None:
        """With the owner absent the route's round robin decides and the handover is recorded."""
        crm = Relations(store, clock=FixedClock(START), assignment=POLICY.with_absent("ola"))
        crm.register("k-1", PersonName("Kari"), owner="ola")
        first = crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        second = crm.open_case("k-1", kind=CaseKind.INQUIRY, case_id="c-2")
        third = crm.open_case("k-1", kind=CaseKind.RETURN, case_id="c-3")
        assert [first.assignee, second.assignee, third.assignee] == ["ada", "bo", "ada"]
        assert assigned_reason(first) == "owner absent: round robin"

    def test_without_an_owner_complaints_go_to_the_least_loaded(self, crm: Relations) -> None:
        """Least loaded counts the open cases of the route's members."""
        crm.reassign_case(crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-0").id, "ada")
        complaint = crm.open_case("k-2", kind=CaseKind.COMPLAINT, case_id="c-1")
        assert complaint.assignee == "bo"
        assert assigned_reason(complaint) == "least loaded"
        again = crm.open_case("k-2", kind=CaseKind.COMPLAINT, case_id="c-2")
        assert again.assignee == "ada"  # one each now; the tie goes round robin after bo

    def test_without_a_policy_cases_stay_unassigned(self, store: Store) -> None:
        """Relations without an assignment policy opens cases without assigning them."""
        crm = Relations(store, clock=FixedClock(START))
        crm.register("k-1", PersonName("Kari"), owner="ola")
        case = crm.open_case("k-1", kind="support", priority="low", channel="chat")
        assert case.assignee is None
        assert (case.kind, case.priority, case.channel) == (
            CaseKind.SUPPORT,
            Priority.LOW,
            "chat",
        )
        assert event_types(store, "k-1") == ["case.opened"]

    def test_an_unknown_customer_is_refused_and_nothing_is_written(
        self, crm: Relations, store: Store
    ) -> None:
        """Opening a case for nobody raises NotFoundError; no case, no event, no cursor move."""
        with pytest.raises(NotFoundError, match="k-9"):
            crm.open_case("k-9", kind=CaseKind.SUPPORT, case_id="c-1")
        with pytest.raises(NotFoundError):
            crm.get_case("c-1")
        with store.unit_of_work() as uow:
            assert uow.cases.assignment_cursor("help_desk") is None

    def test_a_taken_case_id_is_refused(self, crm: Relations) -> None:
        """Case ids are unique."""
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        with pytest.raises(DuplicateError, match="c-1"):
            crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-1")

    def test_malformed_input_is_refused(self, crm: Relations) -> None:
        """A bad kind raises ValidationError naming it."""
        with pytest.raises(ValidationError, match="kind: unknown CaseKind"):
            crm.open_case("k-1", kind="refund")

    def test_generated_ids_are_unique(self, crm: Relations) -> None:
        """Without a case id, each case gets a new random one."""
        first = crm.open_case("k-1", kind=CaseKind.SUPPORT)
        second = crm.open_case("k-1", kind=CaseKind.SUPPORT)
        assert first.id != second.id

    def test_a_case_for_a_merged_customer_goes_to_the_survivor(self, crm: Relations) -> None:
        """Opening a case under a merged id files it under the survivor, with their owner."""
        crm.merge("k-1", "k-2")
        case = crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-1")
        assert case.customer_id == "k-1"
        assert case.assignee == "ola"

    def test_the_assignment_argument_is_type_checked(self, store: Store) -> None:
        """Relations refuses an assignment policy that is not an AssignmentPolicy."""
        with pytest.raises(ValidationError, match="assignment: expected an AssignmentPolicy"):
            Relations(store, assignment="round robin")  # type: ignore[arg-type]


class TestCaseLife:
    def test_a_complaint_from_opening_to_closing(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Each step is stored at the clock's instant with a new version and its outbox event."""
        crm.open_case("k-1", kind=CaseKind.COMPLAINT, priority=Priority.HIGH, case_id="c-1")
        clock.advance(minutes=20)
        replied = crm.agent_reply("c-1", agent="ola", note="Beklager!")
        assert (replied.status, replied.version) == (CaseStatus.OPEN, 2)
        clock.advance(minutes=1)
        crm.set_case_status("c-1", CaseStatus.WAITING_ON_CUSTOMER, actor="ola")
        clock.advance(hours=3)
        assert crm.customer_reply("c-1").status is CaseStatus.OPEN
        crm.change_case_priority("c-1", Priority.URGENT, actor="ola")
        crm.change_case_kind("c-1", CaseKind.RETURN)
        clock.advance(hours=1)
        voucher = Voucher("BEKLAGER-1", Money("200", "NOK"))
        resolved = crm.resolve_case("c-1", apology=True, compensation=voucher, actor="ola")
        assert resolved.resolved_at == clock.now()
        assert (resolved.apology, resolved.compensation) == (True, voucher)
        clock.advance(days=1)
        crm.reopen_case("c-1", actor="ola")
        crm.resolve_case("c-1")
        closed = crm.close_case("c-1")
        assert closed.status is CaseStatus.CLOSED
        assert closed.version == 10
        assert crm.get_case("c-1") == closed
        assert event_types(store, "k-1") == [
            "case.opened",
            "case.assigned",
            "case.agent_replied",
            "case.status_changed",
            "case.customer_replied",
            "case.priority_changed",
            "case.kind_changed",
            "case.resolved",
            "case.reopened",
            "case.resolved",
            "case.closed",
        ]

    def test_a_refused_step_writes_nothing(self, crm: Relations, store: Store) -> None:
        """An impossible transition raises and leaves the case and the outbox as they were."""
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        before = event_types(store, "k-1")
        with pytest.raises(InvalidTransitionError, match="cannot go from new to closed"):
            crm.close_case("c-1")
        assert crm.get_case("c-1").version == 1
        assert event_types(store, "k-1") == before

    def test_a_step_that_changes_nothing_writes_nothing(self, crm: Relations, store: Store) -> None:
        """Setting the current priority returns the stored case without a save or an event."""
        crm.open_case("k-1", kind=CaseKind.SUPPORT, priority=Priority.HIGH, case_id="c-1")
        unchanged = crm.change_case_priority("c-1", Priority.HIGH)
        assert unchanged.version == 1
        assert event_types(store, "k-1") == ["case.opened", "case.assigned"]

    def test_unknown_cases_are_not_found(self, crm: Relations) -> None:
        """Operating on a case nobody opened raises NotFoundError."""
        with pytest.raises(NotFoundError, match="c-404"):
            crm.agent_reply("c-404")

    def test_reassign_and_auto_assign(self, crm: Relations) -> None:
        """Manual reassignment records the reason; auto-assign routes away from an absent owner."""
        case = crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        moved = crm.reassign_case(case.id, "bo", actor="ola", reason="ferie")
        assert (moved.assignee, assigned_reason(moved)) == ("bo", "ferie")
        assert crm.auto_assign_case("c-1").assignee == "ola"
        crm.assignment = POLICY.with_absent("ola")
        rerouted = crm.auto_assign_case("c-1", actor="ada")
        assert (rerouted.assignee, assigned_reason(rerouted)) == (
            "ada",
            "owner absent: round robin",
        )

    def test_auto_assign_without_a_policy_changes_nothing(self, store: Store) -> None:
        """Without a policy, auto-assign returns the case as it is."""
        crm = Relations(store, clock=FixedClock(START))
        crm.register("k-1", PersonName("Kari"))
        case = crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        assert crm.auto_assign_case("c-1") == case


class TestQueries:
    def test_customer_cases_and_open_cases_by_assignee(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """A customer's cases come oldest first; an assignee's open cases page by id."""
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-2")
        clock.advance(minutes=1)
        crm.open_case("k-1", kind=CaseKind.WARRANTY, case_id="c-1")
        crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-3")
        crm.reassign_case("c-3", "ola")
        crm.resolve_case("c-2")
        assert [case.id for case in crm.customer_cases("k-1")] == ["c-2", "c-1"]
        assert [case.id for case in crm.customer_cases("k-1", open_only=True)] == ["c-1"]
        assert [case.id for case in crm.open_cases_assigned_to("ola")] == ["c-1", "c-3"]
        assert [case.id for case in crm.open_cases_assigned_to("ola", after="c-1")] == ["c-3"]
        warranty = crm.open_cases_assigned_to("ola", kind=CaseKind.WARRANTY)
        assert [case.id for case in warranty] == ["c-1"]
        assert list(crm.open_cases_assigned_to("ola", priority=Priority.URGENT)) == []


class CheckingRelations(Relations):
    """Relations whose service-level hook asks for a look one hour after the last event."""

    def _case_check_at(self, case: Any, at: pendulum.DateTime) -> pendulum.DateTime | None:  # noqa: ARG002 - the hook's signature
        return case.updated_at.add(hours=1) if case.is_open else None


class TestCheckAt:
    def test_every_save_stores_the_hooks_check_time(self, store: Store) -> None:
        """Opening and each change store `_case_check_at`; a resolved case leaves the queue."""
        clock = FixedClock(START)
        crm = CheckingRelations(store, clock=clock, assignment=POLICY)
        crm.register("k-1", PersonName("Kari"))
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        with store.unit_of_work() as uow:
            assert uow.cases.check_at("c-1") == START.add(hours=1)
        clock.advance(minutes=30)
        crm.agent_reply("c-1")
        with store.unit_of_work() as uow:
            assert uow.cases.check_at("c-1") == START.add(minutes=90)
            assert [case.id for case in uow.cases.due_before(START.add(hours=2))] == ["c-1"]
        crm.resolve_case("c-1")
        with store.unit_of_work() as uow:
            assert uow.cases.check_at("c-1") is None
            assert list(uow.cases.due_before(START.add(days=1))) == []


class TestCustomerHooks:
    def test_a_new_owner_takes_over_the_open_cases_of_the_old(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Changing the dedicated owner moves the old owner's open cases to the new one."""
        team = Team([*TEAM.members, TeamMember("una", [Role.ACCOUNT_MANAGER])])
        crm.assignment = AssignmentPolicy(team, routes=POLICY.routes, default=POLICY.default)
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-2")
        crm.resolve_case("c-2")
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-3")
        crm.reassign_case("c-3", "bo")
        clock.advance(minutes=5)
        crm.assign_owner("k-1", "una", reason="ola retired")
        moved = crm.get_case("c-1")
        assert moved.assignee == "una"
        assert assigned_reason(moved) == "dedicated owner: ola retired"
        assert moved.history[-1].at == START.add(minutes=5)
        assert crm.get_case("c-2").assignee == "ola"  # resolved work stays with who did it
        assert crm.get_case("c-3").assignee == "bo"  # someone else's work stays theirs

    def test_cases_stay_when_the_new_owner_cannot_take_them(self, crm: Relations) -> None:
        """A new owner who is not on the team leaves the open cases where they are."""
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        crm.assign_owner("k-1", "outsider")
        assert crm.get_case("c-1").assignee == "ola"

    def test_merge_moves_cases_to_the_survivor(self, crm: Relations, clock: FixedClock) -> None:
        """After a merge the duplicate's cases are the survivor's."""
        crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-2")
        clock.advance(minutes=1)
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-1")
        crm.merge("k-1", "k-2")
        assert [case.id for case in crm.customer_cases("k-1")] == ["c-2", "c-1"]
        assert crm.get_case("c-2").customer_id == "k-1"
        assert [case.id for case in crm.customer_cases("k-2")] == ["c-2", "c-1"]  # follows

    def test_export_includes_the_cases(self, crm: Relations) -> None:
        """The GDPR export holds every case of the customer, history and all."""
        crm.open_case("k-1", kind=CaseKind.COMPLAINT, case_id="c-1", subject="Knust kopp")
        crm.resolve_case("c-1", apology=True)
        exported = crm.export("k-1")
        (case,) = exported["cases"]
        assert case["id"] == "c-1"
        assert case["history"][0]["subject"] == "Knust kopp"
        assert case["status"] == "resolved"

    def test_erase_drops_the_free_text_of_cases(self, crm: Relations) -> None:
        """Erasing a customer clears subjects and notes of their cases, keeping the facts."""
        crm.open_case("k-1", kind=CaseKind.COMPLAINT, case_id="c-1", subject="Kari's kopp")
        crm.agent_reply("c-1", agent="ola", note="Hei Kari")
        crm.erase("k-1")
        case = crm.get_case("c-1")
        assert case.subject == ""
        assert all(not (event.note or event.reason) for event in case.history)
        assert (case.kind, case.status, case.assignee) == (
            CaseKind.COMPLAINT,
            CaseStatus.OPEN,
            "ola",
        )
        assert "Kari" not in str(crm.export("k-1")["cases"])

    def test_erase_leaves_cases_without_free_text_alone(self, store: Store) -> None:
        """A case with nothing to erase (no subject, note or reason) is not saved again."""
        crm = Relations(store, clock=FixedClock(START))
        crm.register("k-2", PersonName("Per"))
        crm.open_case("k-2", kind=CaseKind.SUPPORT, case_id="c-1")
        crm.erase("k-2")
        assert crm.get_case("c-1").version == 1

    def test_loyalty_signals_count_complaints_and_apologies(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Complaints (current kind) and apologies given are reported up to the instant asked."""
        crm.open_case("k-1", kind=CaseKind.COMPLAINT, case_id="c-1")
        crm.resolve_case("c-1", apology=True)
        crm.reopen_case("c-1")
        crm.resolve_case("c-1", apology=True)
        crm.open_case("k-1", kind=CaseKind.SUPPORT, case_id="c-2")
        crm.change_case_kind("c-2", CaseKind.COMPLAINT)
        crm.open_case("k-1", kind=CaseKind.RETURN, case_id="c-3")
        crm.open_case("k-2", kind=CaseKind.COMPLAINT, case_id="c-4")
        clock.advance(days=1)
        crm.open_case("k-1", kind=CaseKind.COMPLAINT, case_id="c-5")
        with store.unit_of_work() as uow:
            signals = crm._loyalty_signals(uow, "k-1", START)
            later = crm._loyalty_signals(uow, "k-1", clock.now())
        assert (signals["complaints"], signals["apologies_given"]) == (2, 2)
        assert later["complaints"] == 3
