import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sla_support import OFFICE, at, hours

from custrel import NotFoundError, PolicyError, Relations, ValidationError
from custrel.cases import CaseKind
from custrel.customers import PersonName
from custrel.sla import CaseFilter, Escalation, PolicyBook, SlaPolicy, Targets
from custrel.storage.memory import MemoryStore
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore
from custrel.testing import FixedClock
from custrel.testing._contracts._support import run_threads

WARN = Escalation(name="warn", metric="resolution", at=0.75, notify="owner")
BREACH = Escalation(name="breach", metric="resolution", at=1, notify="team_lead")
COMPLAINTS = SlaPolicy(
    "Complaints",
    OFFICE,
    Targets(first_response=hours(1), resolution=hours(8)),
    applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
    escalations=[WARN, BREACH],
)
STANDARD = SlaPolicy("Standard", OFFICE, Targets(resolution=hours(16)))
BOOK = PolicyBook([COMPLAINTS], default=STANDARD)


POSTGRESQL_URL = os.environ.get("CUSTREL_TEST_POSTGRESQL_URL")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "postgresql":
        if not POSTGRESQL_URL:
            pytest.skip("CUSTREL_TEST_POSTGRESQL_URL is not set; set it to run on PostgreSQL")
        sql = SqlStore(POSTGRESQL_URL)
        sql.drop_schema()
    else:
        sql = SqlStore(f"sqlite:///{tmp_path / 'sla.sqlite'}")
    sql.create_schema()
    yield sql
    sql.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(0, 10))


@pytest.fixture
def crm(store: Store, clock: FixedClock) -> Relations:
    relations = Relations(store, clock=clock, sla=BOOK)
    relations.register("k-1", PersonName("Kari", "Nordmann"), email="kari@example.no")
    return relations


def open_complaint(crm: Relations, case_id: str = "c-1") -> str:
    return crm.open_case("k-1", kind="complaint", priority="high", case_id=case_id).id


class TestSetting:
    def test_the_book_is_checked(self) -> None:
        """Relations(sla=...) takes a PolicyBook or None."""
        with pytest.raises(ValidationError, match=r"^sla: expected a PolicyBook"):
            Relations(MemoryStore(), sla=COMPLAINTS)  # type: ignore[arg-type]

    def test_without_a_book_cases_get_no_check_and_sla_calls_say_why(self) -> None:
        """No book: no check instants, and the SLA use cases raise PolicyError."""
        store = MemoryStore()
        crm = Relations(store, clock=FixedClock(at(0, 10)))
        crm.register("k-1", PersonName("Kari"))
        case_id = open_complaint(crm)
        with store.unit_of_work() as uow:
            assert uow.cases.check_at(case_id) is None
        for call in (
            lambda: crm.sla_status(case_id),
            crm.breach_queue,
            crm.escalations_due,
            crm.refresh_sla,
        ):
            with pytest.raises(PolicyError, match=r"^sla: no service levels configured"):
                call()


class TestStatusAndQueue:
    def test_sla_status_reports_the_case_now(self, crm: Relations, clock: FixedClock) -> None:
        """The status is the book's report at the clock's now."""
        case_id = open_complaint(crm)
        clock.advance(minutes=30)
        report = crm.sla_status(case_id)
        assert (report.policy, report.at) == ("Complaints", at(0, 10, 30))
        assert report.first_response is not None
        assert report.first_response.due_at == at(0, 11)
        with pytest.raises(NotFoundError):
            crm.sla_status("c-404")

    def test_cases_are_stored_with_their_next_check(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Each save stores the next check instant the book computes."""
        case_id = open_complaint(crm)
        with store.unit_of_work() as uow:
            assert uow.cases.check_at(case_id) == at(0, 11)
        clock.advance(minutes=20)
        crm.agent_reply(case_id, agent="ola")
        with store.unit_of_work() as uow:
            assert uow.cases.check_at(case_id) == at(0, 16)

    def test_the_breach_queue_holds_cases_whose_check_has_come(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Before the first deadline the queue is empty; after it the case is there."""
        case_id = open_complaint(crm)
        other = crm.open_case("k-1", kind="inquiry", case_id="c-2").id
        assert crm.breach_queue() == []
        clock.set(at(0, 11, 5))
        queue = crm.breach_queue()
        assert [case.id for case, _ in queue] == [case_id]
        report = queue[0][1]
        assert report.first_response is not None
        assert report.first_response.breached_at == at(0, 11)
        assert other not in [case.id for case, _ in crm.breach_queue(limit=5)]
        with pytest.raises(ValidationError, match=r"^limit: "):
            crm.breach_queue(limit=0)


class TestEscalations:
    def test_steps_fire_once_with_events_and_the_queue_moves_on(
        self, crm: Relations, store: Store, clock: FixedClock
    ) -> None:
        """Due steps are recorded, notified in the outbox, and not returned twice."""
        case_id = open_complaint(crm)
        crm.agent_reply(case_id, agent="ola")
        with store.unit_of_work() as uow:
            before = len(uow.outbox.pending(limit=1000))
        clock.set(at(1, 11))
        notices = crm.escalations_due()
        assert [(n.step, n.due_at) for n in notices] == [("warn", at(0, 16)), ("breach", at(1, 10))]
        assert crm.escalations_due() == []
        case = crm.get_case(case_id)
        assert case.fired_escalations == {
            "Complaints/resolution/warn",
            "Complaints/resolution/breach",
        }
        with store.unit_of_work() as uow:
            assert uow.cases.check_at(case_id) is None
            events = [entry.event for entry in uow.outbox.pending(limit=1000)[before:]]
        assert [event.type for event in events] == [
            "case.escalated",
            "case.escalated",
            "sla.escalation_due",
            "sla.escalation_due",
        ]
        assert events[3].payload["notify"] == ["team_lead"]
        assert events[3].payload["key"] == "Complaints/resolution/breach"
        assert crm.breach_queue() == []

    def test_a_passed_deadline_without_steps_leaves_the_queue(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """A case on the queue for a passed deadline gets its next check and leaves it."""
        case_id = crm.open_case("k-1", kind="inquiry", case_id="c-2").id
        clock.set(at(2, 12))
        assert [case.id for case, _ in crm.breach_queue()] == [case_id]
        assert crm.escalations_due() == []
        assert crm.breach_queue() == []


class TestConcurrentWorkers:
    def test_two_workers_never_notify_a_step_twice(self, store: Store, clock: FixedClock) -> None:
        """Workers running escalations_due at once share the due steps without duplicates."""
        crm = Relations(store, clock=clock, sla=BOOK, conflict_retries=10)
        crm.register("k-1", PersonName("Kari"))
        for index in range(6):
            open_complaint(crm, f"c-{index}")
        clock.set(at(1, 11))
        workers = [Relations(store, clock=clock, sla=BOOK, conflict_retries=10) for _ in range(2)]
        fired: list[str] = []
        lock = threading.Lock()

        def work(index: int) -> None:
            notices = workers[index].escalations_due(limit=100)
            with lock:
                fired.extend(notice.key + "@" + notice.case_id for notice in notices)

        assert run_threads(2, work) == []
        assert len(fired) == len(set(fired)) == 12  # warn and breach on each of six cases
        assert crm.escalations_due() == []


class TestRefresh:
    def test_a_policy_edit_reaches_open_cases(self, store: Store, clock: FixedClock) -> None:
        """After the book changes, refresh_sla restamps the open cases' check instants."""
        old = Relations(store, clock=clock, sla=BOOK)
        old.register("k-1", PersonName("Kari"))
        first = open_complaint(old, "c-1")
        second = open_complaint(old, "c-2")
        third = open_complaint(old, "c-3")
        old.resolve_case(third)
        tighter = SlaPolicy(
            "Complaints",
            OFFICE,
            Targets(first_response=timedelta(minutes=15), resolution=hours(8)),
            applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
        )
        new = Relations(store, clock=clock, sla=PolicyBook([tighter], default=STANDARD))
        assert new.refresh_sla(batch=1) == 2
        with store.unit_of_work() as uow:
            assert uow.cases.check_at(first) == uow.cases.check_at(second) == at(0, 10, 15)
            assert uow.cases.check_at(third) is None
        assert new.refresh_sla() == 0
        with pytest.raises(ValidationError, match=r"^batch: "):
            new.refresh_sla(batch=0)


class TestLoyaltySignal:
    def test_complaints_resolved_within_their_service_level(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Complaints resolved without a breach count; late ones and open ones do not."""
        quick = open_complaint(crm, "c-1")
        late = open_complaint(crm, "c-2")
        open_complaint(crm, "c-3")
        clock.advance(minutes=30)
        crm.agent_reply(quick)
        crm.agent_reply(late)
        crm.resolve_case(quick)
        clock.set(at(3, 10))
        crm.resolve_case(late)
        with crm.store.unit_of_work() as uow:
            signals = crm._loyalty_signals(uow, "k-1", at(3, 11))
        assert signals["complaints_resolved_in_sla"] == 1
        assert signals["complaints"] == 3

    def test_no_book_no_signal(self, store: Store) -> None:
        """Without service levels there is nothing to say about them."""
        crm = Relations(store, clock=FixedClock(at(0, 10)))
        crm.register("k-1", PersonName("Kari"))
        crm.resolve_case(open_complaint(crm))
        with crm.store.unit_of_work() as uow:
            assert "complaints_resolved_in_sla" not in crm._loyalty_signals(uow, "k-1", at(0, 11))
