import json
from collections.abc import Callable

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from custrel.cases import (
    TRANSITIONS,
    Case,
    CaseEventType,
    CaseKind,
    CaseStatus,
    Priority,
)
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.testing.strategies import case_histories

T0 = pendulum.datetime(2026, 3, 29, 0, 30, tz="Europe/Oslo")  # the night clocks go forward
WORKING = {status for status in CaseStatus if status.is_open}


def derived_from_history(case: Case) -> dict[str, object]:
    """The derived fields, recomputed from the history by the simplest possible walk."""
    kind = priority = assignee = resolved_at = None
    fired: set[str] = set()
    for event in case.history:
        kind = event.kind or kind
        priority = event.priority or priority
        if event.type is CaseEventType.ASSIGNED:
            assignee = event.assignee
        if event.type is CaseEventType.RESOLVED:
            resolved_at = event.at
        if event.type is CaseEventType.REOPENED:
            resolved_at = None
        if event.escalation is not None:
            fired.add(event.escalation)
    return {
        "status": case.history[-1].status,
        "kind": kind,
        "priority": priority,
        "assignee": assignee,
        "resolved_at": resolved_at,
        "fired_escalations": fired,
        "opened_at": case.history[0].at,
        "updated_at": case.history[-1].at,
        "reopen_count": sum(e.type is CaseEventType.REOPENED for e in case.history),
    }


def derived_by_case(case: Case) -> dict[str, object]:
    return {name: getattr(case, name) for name in derived_from_history(case)}


class TestRandomHistories:
    @settings(deadline=None, max_examples=100)
    @given(case_histories())
    def test_derived_state_matches_the_history(self, case: Case) -> None:
        """Status, kind, priority, assignee, resolution and escalations follow the history."""
        assert derived_by_case(case) == derived_from_history(case)
        assert case.is_open == (case.status in WORKING)
        times = [event.at.timestamp() for event in case.history]
        assert times == sorted(times)

    @settings(deadline=None, max_examples=100)
    @given(case_histories())
    def test_every_history_round_trips_through_json(self, case: Case) -> None:
        """Any valid case survives to_dict, JSON and from_dict unchanged."""
        assert Case.from_dict(json.loads(json.dumps(case.to_dict()))) == case

    @settings(deadline=None, max_examples=100)
    @given(case_histories())
    def test_every_prefix_is_a_valid_case(self, case: Case) -> None:
        """Each prefix of a valid history is itself a valid case (histories only grow)."""
        for end in range(1, len(case.history) + 1):
            prefix = Case(id=case.id, customer_id=case.customer_id, history=case.history[:end])
            assert prefix.status is case.history[end - 1].status

    @settings(deadline=None, max_examples=100)
    @given(case_histories())
    def test_one_domain_event_per_history_event(self, case: Case) -> None:
        """events_since(0) gives one ``case.*`` event per history entry, ids all different."""
        events = case.events_since(0)
        assert [event.type for event in events] == [f"case.{e.type.value}" for e in case.history]
        assert len({event.event_id for event in events}) == len(events)
        assert [event.payload["status"] for event in events] == [
            e.status.value for e in case.history
        ]

    @settings(deadline=None, max_examples=100)
    @given(case_histories())
    def test_erase_keeps_every_fact_but_the_text(self, case: Case) -> None:
        """Erasure leaves the derived state as it was and is idempotent."""
        erased = case.erase()
        assert derived_by_case(erased) == derived_by_case(case)
        assert erased.erase() == erased
        assert all(not (e.subject or e.note or e.reason) for e in erased.history)


class Model:
    """What the rules say the case should be, kept apart from the implementation."""

    def __init__(self) -> None:
        self.status = CaseStatus.NEW
        self.kind = CaseKind.COMPLAINT
        self.priority = Priority.HIGH
        self.assignee: str | None = None
        self.fired: set[str] = set()
        self.agent_replied = False
        self.back_and_forth = False
        self.resolved_before = False


Operation = Callable[[Case, pendulum.DateTime], Case]


class CaseMachine(RuleBasedStateMachine):
    """Random operations, valid or not, checked against a model written from the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.case = Case.open(
            id="c-1", customer_id="k-1", kind=CaseKind.COMPLAINT, priority=Priority.HIGH, at=T0
        )
        self.now = T0
        self.model = Model()

    def _attempt(
        self, operation: Operation, expected: type[ValidationError] | None, gap: int
    ) -> bool:
        at = self.now.add(seconds=gap) if gap >= 0 else self.now.subtract(seconds=-gap)
        before = self.case
        if gap < 0:
            # Too early: refused, as a ValidationError or (checked first) its subclass
            # InvalidTransitionError.
            expected = ValidationError
        refusal: ValidationError | None = None
        try:
            after = operation(before, at)
        except ValidationError as error:  # InvalidTransitionError included
            refusal = error
        if refusal is not None:
            assert expected is not None, f"refused unexpectedly: {refusal}"
            assert isinstance(refusal, expected), refusal
            assert self.case == before
            return False
        assert expected is None, f"expected {expected.__name__}"
        self.case = after
        self.now = after.updated_at
        return True

    gaps = st.integers(min_value=-60, max_value=3 * 24 * 3600) | st.just(0)

    @rule(gap=gaps)
    def agent_reply(self, gap: int) -> None:
        status = self.model.status
        error = None if status in WORKING else InvalidTransitionError
        if self._attempt(lambda case, at: case.agent_reply(at, agent="ada"), error, gap):
            self.model.agent_replied = True
            if status is CaseStatus.NEW:
                self.model.status = CaseStatus.OPEN

    @rule(gap=gaps)
    def customer_reply(self, gap: int) -> None:
        status = self.model.status
        error = InvalidTransitionError if status is CaseStatus.CLOSED else None
        if self._attempt(lambda case, at: case.customer_reply(at), error, gap):
            self.model.back_and_forth = self.model.back_and_forth or (
                self.model.agent_replied and status is not CaseStatus.RESOLVED
            )
            if status in (CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED):
                self.model.status = CaseStatus.OPEN

    @rule(wanted=st.sampled_from(CaseStatus), gap=gaps)
    def set_status(self, wanted: CaseStatus, gap: int) -> None:
        status = self.model.status
        allowed = wanted is status or wanted in TRANSITIONS[status]
        error = None if allowed else InvalidTransitionError
        if wanted is status and gap < 0:
            gap = 0  # an unchanged case checks no order
        if self._attempt(lambda case, at: case.set_status(wanted, at), error, gap):
            self.model.resolved_before |= wanted is CaseStatus.RESOLVED and status is not wanted
            self.model.status = wanted

    @rule(first_contact=st.booleans(), gap=gaps)
    def resolve(self, first_contact: bool, gap: int) -> None:
        status = self.model.status
        error = None if status in WORKING else InvalidTransitionError
        if first_contact and (self.model.back_and_forth or self.model.resolved_before):
            error = error or InvalidTransitionError
        if self._attempt(
            lambda case, at: case.resolve(at, first_contact=first_contact), error, gap
        ):
            self.model.status = CaseStatus.RESOLVED
            self.model.resolved_before = True

    @rule(gap=gaps)
    def reopen(self, gap: int) -> None:
        resolved = self.model.status is CaseStatus.RESOLVED
        error = None if resolved else InvalidTransitionError
        if self._attempt(lambda case, at: case.reopen(at), error, gap):
            self.model.status = CaseStatus.OPEN

    @rule(gap=gaps)
    def close(self, gap: int) -> None:
        resolved = self.model.status is CaseStatus.RESOLVED
        error = None if resolved else InvalidTransitionError
        if self._attempt(lambda case, at: case.close(at), error, gap):
            self.model.status = CaseStatus.CLOSED

    @rule(priority=st.sampled_from(Priority), gap=gaps)
    def change_priority(self, priority: Priority, gap: int) -> None:
        same = priority is self.model.priority
        closed = self.model.status is CaseStatus.CLOSED
        error = InvalidTransitionError if closed and not same else None
        if same and gap < 0:
            gap = 0  # an unchanged case checks no order
        if self._attempt(lambda case, at: case.change_priority(priority, at), error, gap):
            self.model.priority = priority

    @rule(kind=st.sampled_from(CaseKind), gap=gaps)
    def change_kind(self, kind: CaseKind, gap: int) -> None:
        same = kind is self.model.kind
        closed = self.model.status is CaseStatus.CLOSED
        error = InvalidTransitionError if closed and not same else None
        if same and gap < 0:
            gap = 0
        if self._attempt(lambda case, at: case.change_kind(kind, at), error, gap):
            self.model.kind = kind

    @rule(assignee=st.none() | st.sampled_from(["ada", "bo"]), gap=gaps)
    def assign(self, assignee: str | None, gap: int) -> None:
        same = assignee == self.model.assignee
        closed = self.model.status is CaseStatus.CLOSED
        error = InvalidTransitionError if closed and not same else None
        if same and gap < 0:
            gap = 0
        if self._attempt(lambda case, at: case.assign(assignee, at), error, gap):
            self.model.assignee = assignee

    @rule(key=st.sampled_from(["warn-75", "breach"]), gap=gaps)
    def escalate(self, key: str, gap: int) -> None:
        if key in self.model.fired and gap < 0:
            gap = 0
        if self._attempt(lambda case, at: case.record_escalation(key, at), None, gap):
            self.model.fired.add(key)

    @invariant()
    def the_case_matches_the_model(self) -> None:
        case = self.case
        assert case.status is self.model.status
        assert case.kind is self.model.kind
        assert case.priority is self.model.priority
        assert case.assignee == self.model.assignee
        assert case.fired_escalations == self.model.fired
        assert derived_by_case(case) == derived_from_history(case)

    @invariant()
    def the_case_round_trips(self) -> None:
        assert Case.from_dict(self.case.to_dict()) == self.case


CaseMachine.TestCase.settings = settings(deadline=None, max_examples=60, stateful_step_count=30)
TestCaseMachine = CaseMachine.TestCase
